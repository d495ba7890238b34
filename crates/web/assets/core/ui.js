// Shared pieces of the page: lookup, toast, form errors, breadcrumbs, pager, lists, times.
import { html, render } from "./html.js";
import { t } from "./i18n.js";
import { session } from "./api.js";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
export const app = () => $("#app");

export function toast(msg) {
  const el = $("#toast");
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 2500);
}

/** Shows an API error under a form and marks the field it names. */
export function showError(form, err) {
  form.querySelectorAll(".bad").forEach((el) => el.classList.remove("bad"));
  const box = form.querySelector(".error") || form.appendChild(Object.assign(document.createElement("div"), { className: "error" }));
  let msg = err.body ? err.body.message : String(err.message || err);
  if (err.body && err.body.field) {
    const input = form.querySelector(`[name="${CSS.escape(err.body.field)}"]`);
    if (input) input.classList.add("bad");
  }
  if (err.body && err.body.rows && err.body.rows.length) {
    msg += "\n" + err.body.rows.map((r) => `${t("row")} ${r.row} · ${r.column}: ${r.reason}`).join("\n");
  }
  box.textContent = msg;
}

/** Wires a form: `handler(form)` runs on submit, and an error it throws is shown on the form. */
export function onSubmit(sel, handler) {
  const form = typeof sel === "string" ? $(sel) : sel;
  form?.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await handler(e.target);
    } catch (err) {
      showError(e.target, err);
    }
  });
}

/** Calls `handler(element)` on a click of any element matching `sel`; a failure is said. */
export function onClick(sel, handler) {
  $$(sel).forEach((el) => el.addEventListener("click", async () => {
    try {
      await handler(el);
    } catch (err) {
      toast(err.message || String(err));
    }
  }));
}

export const crumbs = (items) =>
  html`<div class="crumbs">${items.map((c, i) => html`${i ? " › " : ""}${c.href ? html`<a href="${c.href}">${c.name}</a>` : c.name}`)}</div>`;

/** Items as `<li>`s, or one "nothing here" line. */
export const listOr = (items, row) => (items.length ? items.map(row) : html`<li class="muted">${t("none")}</li>`);

export function pager(page, hasMore, go) {
  const id = "p" + Math.random().toString(36).slice(2);
  setTimeout(() => {
    const p = document.getElementById(id);
    if (!p) return;
    p.querySelector(".prev")?.addEventListener("click", () => go(page - 1));
    p.querySelector(".next")?.addEventListener("click", () => go(page + 1));
  });
  if (page <= 1 && !hasMore) return "";
  return html`<div class="pager" id="${id}">${page > 1 && html`<button class="secondary prev">${t("prev")}</button>`}<span class="muted">${page}</span>${hasMore && html`<button class="secondary next">${t("next")}</button>`}</div>`;
}

/** A time in the deployment's one time zone (not the phone's), as the server dates cases. */
export function fmtTime(ms) {
  if (!ms) return "";
  const d = new Date(ms + (session.me?.utc_offset_minutes ?? 480) * 60000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export { html, render };
