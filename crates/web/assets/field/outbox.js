// The outbox: what a grid worker records with no network (reports, visits, verifications, photos)
// waits here, in IndexedDB, each with its Idempotency-Key, and is sent when the network returns.
// A resend of something the server already has answers with the first result, so nothing is
// stored twice; a refusal (the case moved meanwhile, a bad field) stays here, said plainly, until
// the worker discards it.
import { html, render } from "../core/html.js";
import { strings, t } from "../core/i18n.js";
import { api, ApiError, session, forgetKept } from "../core/api.js";
import { $, $$, app, fmtTime, listOr, onClick, toast } from "../core/ui.js";
import { view, onLogout, beforeLogout } from "../core/router.js";

strings(
  {
    outbox: "待发送", waiting: "条待发送", failed_n: "条未能发送", queued: "没有网络：已保存在手机上，联网后自动发送",
    sent: "已发送", send_now: "立即发送", discard: "删除", discard_confirm: "删除后不会再发送，确定？", refused: "被拒绝",
    relogin: "登录已失效，请重新登录后发送", photo_of: "照片", outbox_empty: "没有待发送的内容", waiting_state: "等待网络",
    logout_unsent: "还有未发送的内容，退出后将被删除。仍要退出？", retry: "重试",
  },
  {
    outbox: "Outbox", waiting: "waiting to send", failed_n: "could not be sent", queued: "No network: kept on the phone, sent when the network returns",
    sent: "Sent", send_now: "Send now", discard: "Discard", discard_confirm: "Discard it? It will not be sent.", refused: "Refused",
    relogin: "The login has expired: log in again to send", photo_of: "Photo", outbox_empty: "Nothing waiting", waiting_state: "Waiting for the network",
    logout_unsent: "Some records are not sent yet and will be deleted on logout. Log out anyway?", retry: "Try again",
  },
);

const STORE = "outbox";
let opened = null;

function db() {
  opened ||= new Promise((resolve, reject) => {
    const req = indexedDB.open("tongchou", 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const x = d.transaction(STORE, mode);
    const r = fn(x.objectStore(STORE));
    x.oncomplete = () => resolve(r && r.result);
    x.onerror = () => reject(x.error);
    // A full phone aborts the commit without an error event.
    x.onabort = () => reject(x.error || new Error("IndexedDB transaction aborted"));
  });
}

const everything = () => tx("readonly", (s) => s.getAll());
/** The logged-in account's items: another account's never go out under this one's session. */
export const items = async () => (await everything()).filter((i) => i.user === session.me?.id);
const put = (item) => tx("readwrite", (s) => s.put(item));
const remove = (id) => tx("readwrite", (s) => s.delete(id));

export const newKey = () => "field-" + (crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now());

/** True when an error means "no network" rather than a refusal. */
export const isOffline = (err) => err instanceof TypeError || (err instanceof ApiError && (err.status === 503 || err.status === 0) && err.body.code === "offline");

/**
 * Sends a write now, or keeps it for later when there is no network. `item`: {label, method,
 * path, body, photo?: {blob, name}} — a photo goes to the case the write creates (or names, with
 * `caseId`). Answers the server's result, or null when the write was queued. A refusal throws,
 * for the form to show.
 */
export async function sendOrKeep(item) {
  const queued = { ...item, key: item.key || newKey(), at: Date.now(), status: "waiting", user: session.me.id };
  try {
    return await deliver(queued);
  } catch (err) {
    // An expired login keeps the record too: it goes out after logging in again.
    if (!isOffline(err) && err.status !== 401) throw err;
    if (err.status === 401) queued.error = t("relogin");
    await put(queued);
    toast(t("queued"));
    refreshState();
    return null;
  }
}

// Sends one item: the write, then its photo. Progress is written back so a photo whose case was
// filed is not filed again.
async function deliver(item) {
  if (item.stage !== "photo") {
    const r = await api(item.method, item.path, item.body, undefined, { "Idempotency-Key": item.key });
    item.result = r;
    item.caseId = item.caseId || (r && r.id);
    item.stage = "photo";
    if (item.id) await put(item);
  }
  if (item.photo) {
    const name = encodeURIComponent(item.photo.name || "photo.jpg");
    try {
      await api("POST", `/api/v1/cases/${item.caseId}/attachments?name=${name}`, undefined, item.photo.blob, { "Idempotency-Key": item.key + "-photo" });
    } catch (err) {
      if (isOffline(err)) throw err;
      // The case is filed; the photo is refused: said so, never dropped silently.
      throw new ApiError(err.status, { ...err.body, message: `${item.result?.number || ""} ${t("photo_of")}: ${err.message}` });
    }
  }
  return item.result;
}

let flushing = false;

// A server error (5xx) is retried later, the wait doubling from 20 s up to 30 min, and the other
// items go on meanwhile: one item the server keeps failing never holds up the rest. After
// MAX_TRIES it is shown as not sent, with "try again".
const MAX_TRIES = 8;
export const retryDelay = (tries) => Math.min(20e3 * 2 ** (tries - 1), 30 * 60e3);

/** Sends everything waiting, oldest first; stops at the first sign of no network. Two tabs
 * never send at once (a Web Lock), so an item is never sent twice nor brought back. `now`
 * (the "send now" button) also sends the items still waiting out a server error. */
export function flush(now = false) {
  if (!navigator.locks) return flushHere(now);
  return navigator.locks.request("tc-outbox", { ifAvailable: true }, (lock) => lock && flushHere(now));
}

async function flushHere(now) {
  if (flushing || !session.me) return;
  flushing = true;
  try {
    // A case whose earlier item is held back (waiting out a server error) sends nothing more in
    // this pass: "handle" must not overtake the "sign" before it.
    const held = new Set();
    const caseOf = (i) => String(i.caseId || (i.path || "").match(/\/cases\/(\d+)/)?.[1] || "");
    for (const item of await items()) {
      if (item.status !== "waiting") continue;
      const c = caseOf(item);
      if (c && held.has(c)) continue;
      if (!now && item.next_at > Date.now()) {
        if (c) held.add(c);
        continue;
      }
      try {
        await deliver(item);
        await remove(item.id);
        toast(`${t("sent")}: ${item.label}`);
        if (item.path === "/api/v1/cases" && item.result) document.dispatchEvent(new CustomEvent("tc:case-filed", { detail: item.result }));
      } catch (err) {
        if (isOffline(err)) break;
        if (err.status === 401) {
          item.error = t("relogin");
          await put(item);
          break;
        }
        if (err.status >= 500) {
          item.tries = (item.tries || 0) + 1;
          item.next_at = Date.now() + retryDelay(item.tries);
          item.error = `${err.status} ${err.message}`;
          if (item.tries >= MAX_TRIES) item.status = "failed";
          await put(item);
          if (c) held.add(c);
          continue;
        }
        item.status = "failed";
        item.error = err.message;
        await put(item);
      }
    }
  } finally {
    flushing = false;
    refreshState();
  }
}

/** The "N waiting to send" state in the header. */
export async function refreshState() {
  const all = await items().catch(() => []);
  // Looked up after the wait: the header may have been drawn again meanwhile.
  const box = $("#outbox-state");
  if (!box) return;
  // The outbox page, when open, follows what was sent.
  if ($("#outbox-list") && $$("#outbox-list li[data-id]").length !== all.length) viewOutbox();
  const waiting = all.filter((i) => i.status === "waiting").length;
  const failed = all.length - waiting;
  render(box, all.length > 0 && html`<a id="outbox-link" href="#/outbox" class="${failed ? "outbox failed" : "outbox"}">${waiting > 0 && html`<b id="outbox-waiting">${waiting}</b> ${t("waiting")}`}${failed > 0 && html` <b id="outbox-failed">${failed}</b> ${t("failed_n")}`}</a>`);
}

// After a send that took a while, the list is drawn again only if the outbox is still on the
// screen: the worker may have gone elsewhere meanwhile.
const redraw = () => location.hash.startsWith("#/outbox") && viewOutbox();

async function viewOutbox() {
  const all = await items();
  render(app(), html`<div class="card"><h1>${t("outbox")}</h1>
    <button class="primary" id="outbox-send" type="button">${t("send_now")}</button>
    <ul class="list" id="outbox-list">${all.length ? all.map((i) => html`<li class="${i.status}" data-id="${i.id}"><span><b>${i.label}</b>${i.photo && html` · ${t("photo_of")}`}
      <div class="muted">${fmtTime(i.at)} · ${i.status === "failed" ? html`<span class="error">${t("refused")}: ${i.error}</span>` : i.error || t("waiting_state")}</div></span>
      <span class="actions">${i.status === "failed" && html`<button class="secondary retry" data-id="${i.id}" type="button">${t("retry")}</button>`}
      <button class="secondary discard" data-id="${i.id}" type="button">${t("discard")}</button></span></li>`) : listOr([], null)}</ul></div>`);
  $("#outbox-send").addEventListener("click", async () => {
    await flush(true);
    redraw();
  });
  // Once the cause is gone (the server is back, the case was moved back): send it again, with
  // the same key, so it is still stored once.
  onClick("button.retry", async (b) => {
    const item = all.find((i) => i.id === Number(b.dataset.id));
    if (!item) return;
    Object.assign(item, { status: "waiting", tries: 0, next_at: 0, error: "" });
    await put(item);
    await flush(true);
    redraw();
  });
  onClick("button.discard", async (b) => {
    if (!confirm(t("discard_confirm"))) return;
    await remove(Number(b.dataset.id));
    refreshState();
    viewOutbox();
  });
}

view("outbox", viewOutbox);
document.addEventListener("tc:nav", () => {
  refreshState();
  flush();
});
window.addEventListener("online", () => flush());
setInterval(() => flush(), 20000);
beforeLogout(async () => (await items().catch(() => [])).length === 0 || confirm(t("logout_unsent")));
// A phone shared between accounts keeps nothing of the last one: its queue and kept reads go.
onLogout(async () => {
  const mine = await items().catch(() => []);
  for (const i of mine) await remove(i.id).catch(() => {});
  await forgetKept();
});
