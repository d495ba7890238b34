// The public pages, no login needed: report a problem (with a place picker and a photo) and
// track a case by its number and secret, then rate it or reopen it.
import { html, render } from "./core/html.js";
import { t } from "./core/i18n.js";
import { publicApi, publicForm } from "./core/api.js";
import { $, app, toast, showError, onSubmit, onClick, fmtTime } from "./core/ui.js";
import { view } from "./core/router.js";
import { SATISFACTION, stateName, categoryOptions, showSimilar } from "./cases/shared.js";
import { shrink } from "./field/photo.js";
import { mapIn, mapBlock, whereText } from "./core/map.js";

/** A public page: a login link instead of the staff navigation, and one narrow card. */
export function publicShell(title, inner) {
  render("#usernav", html`<a href="#/login">${t("login")}</a>`);
  render(app(), html`<div class="card narrow"><h1>${title}</h1>${inner}</div>`);
}

/** A cascade of selects (`place-0`, `place-1`, …) from the top region down to a village. */
export async function placePicker(box) {
  const level = async (code, depth) => {
    const kids = (await publicApi("GET", `/api/v1/public/regions/${code}/children`)).items;
    [...box.querySelectorAll("select")].slice(depth).forEach((s) => s.remove());
    if (!kids.length) return;
    const sel = document.createElement("select");
    sel.className = "place";
    sel.id = `place-${depth}`;
    render(sel, html`<option value="">${t("choose")}</option>${kids.map((k) => html`<option value="${k.code}">${k.name}</option>`)}`);
    box.appendChild(sel);
    sel.addEventListener("change", () => sel.value && level(sel.value, depth + 1));
    if (kids.length === 1) {
      sel.value = kids[0].code;
      await level(kids[0].code, depth + 1);
    }
  };
  await level("root", 0);
}

/** The deepest region chosen in a place picker, or "". */
export function pickedPlace(box) {
  const vals = [...box.querySelectorAll("select")].map((s) => s.value).filter(Boolean);
  return vals[vals.length - 1] || "";
}

async function viewReport() {
  publicForm.key = "web-" + Math.random().toString(36).slice(2) + Date.now();
  publicForm.nonce = (await publicApi("GET", "/api/v1/public/form-nonce")).nonce;
  const cats = await categoryOptions();
  publicShell(t("report_title"), html`<form id="report-form" class="stack">
    <label>${t("category")}<select name="category_code" id="r-category" required>${cats}</select></label>
    <label>${t("description")}<textarea name="description" id="r-description" rows="4" required></textarea></label>
    <p class="muted">${t("map_tap")}</p>${mapBlock("r-map")}
    <input type="hidden" name="lat" id="r-lat"><input type="hidden" name="lng" id="r-lng"><input type="hidden" name="grid_code" id="r-grid">
    <label>${t("region")}<span id="r-place" class="places"></span></label>
    <label>${t("address")}<input name="address" id="r-address"></label>
    <label>${t("attachments")}<input type="file" id="r-photo" accept="image/jpeg,image/png,image/webp" capture="environment"></label>
    <p class="muted">${t("anonymous")}</p>
    <label>${t("reporter")}<input name="reporter_name" id="r-name"></label>
    <label>${t("reporter_phone")}<input name="reporter_phone" id="r-phone" inputmode="tel"></label>
    <div id="similar"></div>
    <button class="primary" id="r-submit" type="submit">${t("submit")}</button></form>`);
  await placePicker($("#r-place"));
  // Tap to place: the grid and village are found from the point (the server finds them too
  // when only the point is sent).
  mapIn($("#r-map")).then(async (m) => {
    const fc = await publicApi("GET", "/api/v1/public/map").catch(() => null);
    if (fc?.features.length) m.shapes(fc);
    m.placeable(async (lat, lng) => {
      $("#r-lat").value = lat.toFixed(6);
      $("#r-lng").value = lng.toFixed(6);
      const at = await publicApi("GET", `/api/v1/public/locate?lat=${lat}&lng=${lng}`).catch(() => null);
      $("#r-grid").value = at?.grid?.code || "";
      $("#r-map-where").textContent = at ? whereText(at) : "";
    });
  });
  const hint = () => showSimilar($("#similar"), { category_code: $("#r-category").value, region_code: pickedPlace($("#r-place")) }, true);
  $("#r-category").addEventListener("change", hint);
  $("#r-place").addEventListener("change", hint);
  onSubmit("#report-form", async (f) => {
    const body = Object.fromEntries(new FormData(f).entries());
    body.lat = body.lat ? Number(body.lat) : null;
    body.lng = body.lng ? Number(body.lng) : null;
    // A grid found from the map decides the place; else the deepest region picked.
    body.region_code = body.grid_code ? "" : pickedPlace($("#r-place"));
    const r = await publicApi("POST", "/api/v1/public/cases", body);
    // Shrunk on the phone first: a camera photo is several MB, a village link is slow.
    const photo = await shrink($("#r-photo").files[0]);
    // A photo that could not be sent is said so on the receipt, never dropped silently.
    let photoNote = "";
    if (photo) {
      const why = await fetch(`/api/v1/public/cases/${encodeURIComponent(r.number)}/attachments?secret=${encodeURIComponent(r.secret)}&name=${encodeURIComponent(photo.name)}`,
        { method: "POST", headers: { "Content-Type": photo.blob.type }, body: photo.blob })
        .then(async (res) => (res.ok ? "" : (await res.json().catch(() => ({}))).message || res.status))
        .catch((e) => e.message || String(e));
      if (why) photoNote = html`<p class="error" id="receipt-photo">${t("photo_not_sent")}${t("colon")}${String(why)}</p>`;
    }
    showReceipt(t("receipt"), r, photoNote);
  });
  // The problem is already reported: follow that case instead of filing it again.
  // The hint is drawn again as the form changes: one listener on its box.
  $("#similar").addEventListener("click", async (e) => {
    const b = e.target.closest("button.follow");
    if (!b) return;
    try {
      showReceipt(t("followed"), await publicApi("POST", `/api/v1/public/cases/${encodeURIComponent(b.dataset.number)}/follow`, { token: b.dataset.token }));
    } catch (err) {
      toast(err.message);
    }
  });
}

/** The number and secret to keep (after filing, or after following a case), with a link to track it. */
function showReceipt(title, r, note = "") {
  publicShell(title, html`<dl class="kv" id="receipt"><dt>${t("number")}</dt><dd id="receipt-number">${r.number}</dd>
    <dt>${t("secret")}</dt><dd id="receipt-secret">${r.secret}</dd></dl>${note}
    <p><a id="receipt-track" href="#/track/${encodeURIComponent(r.number + "~" + r.secret)}">${t("track_title")}</a>
    · <a id="receipt-again" href="#/report">${t("file_another")}</a></p>`);
  // The receipt has its own address: a reload, or any link to #/report, gives a fresh form.
  history.replaceState(null, "", "#/report/filed");
  $("#receipt-again").addEventListener("click", (e) => {
    e.preventDefault();
    viewReport();
  });
}

/** A public timeline: each step, and what the unit reported or why the case was rejected. */
export const trackEvents = (events) =>
  events.map((e) => html`<li><span>${t("a_" + e.action)} ${e.unit_name || ""}${e.note ? html`<br><span class="track-note">${e.note}</span>` : ""}</span><span class="muted">${fmtTime(e.at)}</span></li>`);

async function viewTrack(arg) {
  const [number, secret] = decodeURIComponent(arg || "").split("~");
  publicShell(t("track_title"), html`<form id="track-form" class="grid">
    <label>${t("number")}<input name="number" id="t-number" value="${number || ""}" required></label>
    <label>${t("secret")}<input name="secret" id="t-secret" value="${secret || ""}" required></label>
    <button class="primary" id="t-go" type="submit">${t("track")}</button></form><div id="track-result"></div>`);
  const show = async (n, s) => {
    const box = $("#track-result");
    try {
      const c = await publicApi("GET", `/api/v1/public/cases/${encodeURIComponent(n)}?secret=${encodeURIComponent(s)}`);
      const m = c.merged_into;
      render(box, html`${c.follower ? html`<p class="badge" id="track-following">${t("following")}</p>` : ""}<div class="stats"><div class="stat"><span class="muted">${t("state")}</span><b id="track-state">${stateName(c)}</b></div>
        <div class="stat"><span class="muted">${t("unit")}</span><b>${c.unit_name || "—"}</b></div>
        <div class="stat"><span class="muted">${t("category")}</span><b>${c.category_name || ""}</b></div></div>
        <ul class="list" id="track-events">${trackEvents(c.events)}</ul>
        ${m ? html`<div class="card" id="track-merged"><p>${t("merged_into")}${t("colon")}<b>${m.number}</b> · ${stateName(m)}</p>
          <ul class="list">${trackEvents(m.events)}</ul></div>` : ""}
        ${c.follower ? "" : c.state === "closed" && !c.satisfaction
          ? html`<h2>${t("rate_title")}</h2><div class="actions" id="rate-buttons">${SATISFACTION.map((v) => html`<button type="button" class="secondary rate" data-v="${v}">${t(v)}</button>`)}</div>`
          : c.satisfaction ? html`<p id="track-rated">${t("rate_title")}${t("colon")}<b>${t(c.satisfaction)}</b></p>` : ""}
        ${c.state === "closed" && !c.follower && html`<form id="reopen-form" class="stack"><label>${t("reopen_note")}<input name="note" id="reopen-note"></label>
          <button class="secondary" type="submit">${t("a_reopen")}</button></form>`}`);
      const act = async (body, form) => {
        try {
          await publicApi("POST", `/api/v1/public/cases/${encodeURIComponent(n)}/actions`, { secret: s, ...body });
          await show(n, s);
        } catch (err) {
          if (form) showError(form, err);
          else toast(err.message);
        }
      };
      onClick("#track-result button.rate", (b) => act({ action: "rate", satisfaction: b.dataset.v }));
      onSubmit("#reopen-form", (f) => act({ action: "reopen", note: f.note.value }, f));
    } catch (err) {
      render(box, html`<p class="error">${err.status === 404 ? t("not_found") : err.message}</p>`);
    }
  };
  $("#track-form").addEventListener("submit", (e) => {
    e.preventDefault();
    show(e.target.number.value.trim(), e.target.secret.value.trim());
  });
  if (number && secret) await show(number, secret);
}

view("report", viewReport, { isPublic: true });
view("track", viewTrack, { isPublic: true });
