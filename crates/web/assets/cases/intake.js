// Staff intake: a new case filed by a hotline agent, a window clerk or a grid worker, with a hint
// of similar open cases nearby.
import { html, render } from "../core/html.js";
import { strings, t } from "../core/i18n.js";
import { api, session, can } from "../core/api.js";
import { $, app, toast, onSubmit } from "../core/ui.js";
import { view, nav } from "../core/router.js";
import { categoryOptions, showSimilar } from "./shared.js";
import { pickerField, wirePickers, setPicked } from "../core/picker.js";
import { mapIn, mapBlock, whereText, locate } from "../core/map.js";
import { sendOrKeep, newKey } from "../field/outbox.js";
import { shrink } from "../field/photo.js";

strings({ photo: "现场照片" }, { photo: "Photo" });

async function viewNewCase() {
  const me = session.me;
  const sources = me.role === "agent" || me.role === "dispatcher" || me.role === "admin"
    ? html`<label>${t("source")}<select name="source"><option value="hotline">${t("hotline")}</option><option value="window">${t("window")}</option><option value="api">${t("api")}</option></select></label>` : "";
  // "Report this" from a visit's finding fills the form once.
  const pre = JSON.parse(sessionStorage.getItem("tc_prefill") || "{}");
  sessionStorage.removeItem("tc_prefill");
  const cats = await categoryOptions();
  render(app(), html`<div class="card"><h1>${t("new_case")}</h1><form id="case-form" class="stack">
    <label>${t("category")}<select name="category_code" id="c-category" required>${cats}</select></label>
    <label>${t("title")}<input name="title" id="c-title"></label>
    <label>${t("description")}<textarea name="description" id="c-description" rows="3" required>${pre.description || ""}</textarea></label>
    <label>${t("address")}<input name="address" id="c-address" value="${pre.address || ""}"></label>
    ${pickerField({ id: "c-region", name: "region_code", label: t("region"), value: me.grid_code || pre.grid_code ? "" : me.scope_code, kind: "region" })}
    ${pickerField({ id: "c-grid", name: "grid_code", label: t("grid_code"), value: pre.grid_code || me.grid_code || "", kind: "grid" })}
    <label>${t("photo")}<input type="file" id="c-photo" accept="image/jpeg,image/png,image/webp" capture="environment"></label>
    <label>${t("priority")}<select name="priority"><option value="">${t("choose")}</option><option value="normal">${t("normal")}</option><option value="urgent">${t("urgent")}</option><option value="emergency">${t("emergency")}</option></select></label>
    <label>${t("reporter")}<input name="reporter_name"></label>
    <label>${t("reporter_phone")}<input name="reporter_phone" inputmode="tel"></label>
    ${sources}
    <input type="hidden" name="lat"><input type="hidden" name="lng">
    ${mapBlock("c-map")}
    <div id="similar"></div>
    <div class="actions"><button type="button" class="secondary" id="c-locate">${t("locate")}</button>
    <button class="primary" id="c-submit" type="submit">${t("submit")}</button></div>
  </form></div>`);
  wirePickers($("#case-form"));
  const hint = () => {
    const f = $("#case-form");
    showSimilar($("#similar"), { category_code: f.category_code.value, region_code: f.region_code.value, grid_code: f.grid_code.value, lat: f.lat.value, lng: f.lng.value }, false);
  };
  ["c-category", "c-region", "c-grid"].forEach((id) => $("#" + id).addEventListener("change", hint));
  hint();
  $("#c-locate").addEventListener("click", () => locate($("#case-form")));
  // A tap on the map sets the position, and the grid and village that hold it.
  mapIn($("#c-map")).then(async (m) => {
    const fc = await api("GET", `/api/v1/map/${me.grid_code || me.scope_code}`).catch(() => null);
    if (fc?.features.length) m.shapes(fc);
    m.placeable(async (lat, lng) => {
      const f = $("#case-form");
      f.lat.value = lat.toFixed(6);
      f.lng.value = lng.toFixed(6);
      const at = await api("GET", `/api/v1/locate?lat=${lat}&lng=${lng}`).catch(() => null);
      if (!at) return;
      $("#c-map-where").textContent = whereText(at);
      if (at.grid) setPicked("c-grid", at.grid.code, at.grid.name);
      const village = at.regions[at.regions.length - 1];
      if (village) setPicked("c-region", village.code, village.name);
    });
  });
  onSubmit("#case-form", async (f) => {
    const body = Object.fromEntries(new FormData(f).entries());
    body.lat = body.lat ? Number(body.lat) : null;
    body.lng = body.lng ? Number(body.lng) : null;
    const photo = await shrink($("#c-photo").files[0]);
    const label = `${t("new_case")} · ${body.description.slice(0, 20)}`;
    // With no network the report (and its photo) waits in the outbox.
    // One key per report until it is filed: pressing again after an error never files twice.
    f.dataset.key ||= newKey();
    const c = await sendOrKeep({ label, method: "POST", path: "/api/v1/cases", body, photo, key: f.dataset.key });
    delete f.dataset.key;
    if (!c) {
      f.reset();
      return;
    }
    document.dispatchEvent(new CustomEvent("tc:case-filed", { detail: c }));
    toast(`${c.number} · ${t("secret")} ${c.secret}`);
    location.hash = `#/case/${c.id}`;
  });
}

view("new-case", viewNewCase);
nav("nav-new-case", "#/new-case", "new_case", () => can("file_cases"));
