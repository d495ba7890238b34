// The case queue: the dispatcher's console (with bulk dispatch), the handler's inbox, the grid
// worker's verify tasks and the leader's supervised and overdue view.
import { html, render, options } from "../core/html.js";
import { t } from "../core/i18n.js";
import { api, session } from "../core/api.js";
import { $, $$, app, toast, pager, fmtTime } from "../core/ui.js";
import { view, nav, landing } from "../core/router.js";
import { mapIn, mapBlock, LIGHT_COLOURS } from "../core/map.js";
import { STATE_GROUPS, DISPATCHABLE, lightDot, stateName, categories, unitOptions, defaultGroup } from "./shared.js";

async function viewCases(arg, page = 1) {
  const me = session.me;
  const params = new URLSearchParams(arg ? decodeURIComponent(arg) : "");
  const group = params.get("g") || defaultGroup();
  const f = {
    state: STATE_GROUPS[group] ?? "",
    category: params.get("category") || "",
    overdue: params.get("overdue") === "1",
    supervised: params.get("supervised") === "1",
    mine: params.has("mine") ? params.get("mine") === "1" : me.role === "handler",
    q: params.get("q") || "",
  };
  const qs = new URLSearchParams({ page, page_size: 30 });
  for (const [k, v] of Object.entries(f)) if (v) qs.set(k, v === true ? "true" : v);
  const [list, all] = await Promise.all([api("GET", `/api/v1/cases?${qs}`), categories()]);
  const dispatcher = me.role === "dispatcher" || me.role === "admin";
  const parents = all.filter((k) => !k.parent_code);
  const checked = (on) => (on ? html`checked` : "");
  render(app(), html`<div class="card"><h1>${t("queue")}</h1>
    <form id="case-filters" class="filters">
      <select id="f-group" name="g">${options(Object.keys(STATE_GROUPS).map((g) => [g, t(g)]), group)}</select>
      <select id="f-category" name="category"><option value="">${t("category")}</option>${options(parents.map((p) => [p.code, p.name]), f.category)}</select>
      <input id="f-q" name="q" placeholder="${t("keyword")}" value="${f.q}">
      <label class="check"><input type="checkbox" name="overdue" id="f-overdue" ${checked(f.overdue)}>${t("overdue")}</label>
      <label class="check"><input type="checkbox" name="supervised" id="f-supervised" ${checked(f.supervised)}>${t("supervised")}</label>
      ${me.unit_id ? html`<label class="check"><input type="checkbox" name="mine" id="f-mine" ${checked(f.mine)}>${t("mine")}</label>` : ""}
      <button class="secondary" id="f-go" type="submit">${t("filter")}</button>
      <button class="secondary" id="f-map" type="button">${t("map")}</button>
    </form><div id="queue-map-box" hidden>${mapBlock("queue-map")}</div></div>
    <div class="card"><div class="scroll"><table id="case-table"><thead><tr>${dispatcher && html`<th></th>`}<th>${t("number")}</th><th>${t("title")}</th><th>${t("state")}</th><th>${t("light")}</th><th class="hide-sm">${t("unit")}</th><th class="hide-sm">${t("deadline")}</th></tr></thead><tbody>${
      list.items.length > 0
        ? list.items.map((c) => html`<tr class="case-row">${dispatcher && html`<td>${DISPATCHABLE.includes(c.state) ? html`<input type="checkbox" class="pick" value="${c.id}">` : ""}</td>`}
      <td><a class="case-link" href="#/case/${c.id}">${c.number}</a></td>
      <td>${c.title}<div class="muted">${c.category_name || ""} · ${c.region_name || ""}</div></td>
      <td>${stateName(c)}${c.supervised_by ? html` <span class="badge warn">${t("a_supervise")}</span>` : ""}</td>
      <td>${lightDot(c.light)}</td><td class="hide-sm">${c.unit_name || ""}</td><td class="hide-sm">${fmtTime(c.deadline_at)}</td></tr>`)
        : html`<tr><td colspan="7" class="muted">${t("none")}</td></tr>`
    }</tbody></table></div>${pager(page, list.has_more, (p) => viewCases(arg, p))}
    ${dispatcher && list.items.some((c) => DISPATCHABLE.includes(c.state)) && html`<div class="bulk"><select id="bulk-unit"><option value="">${t("routed_unit")}</option></select>
      <button class="primary" id="bulk-go" type="button">${t("bulk_dispatch")}</button></div><div id="bulk-result" class="muted"></div>`}</div>`);
  $("#case-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const fd = new FormData(e.target);
    const p = new URLSearchParams();
    for (const [k, v] of fd.entries()) if (v) p.set(k, v === "on" ? "1" : v);
    if (me.unit_id && !fd.has("mine")) p.set("mine", "0");
    location.hash = `#/cases/${encodeURIComponent(p.toString())}`;
  });
  // The listed cases as pins coloured by their deadline light, grouped where they crowd.
  $("#f-map").addEventListener("click", async () => {
    const box = $("#queue-map-box");
    box.hidden = !box.hidden;
    if (box.hidden || box.dataset.drawn) return;
    box.dataset.drawn = "1";
    const m = await mapIn($("#queue-map"));
    const fc = await api("GET", `/api/v1/map/${me.scope_code}`).catch(() => null);
    if (fc?.features.length) m.shapes(fc);
    m.pins(list.items.filter((c) => c.lat != null).map((c) => ({ lat: c.lat, lng: c.lng, colour: LIGHT_COLOURS[c.light] || LIGHT_COLOURS.blue, label: `${c.number} ${c.title}`, href: `#/case/${c.id}` })));
  });
  if ($("#bulk-go")) {
    // Keeps the first "as routed" option and adds the units of the dispatcher's scope.
    unitOptions([me.scope_code]).then((opts) => $("#bulk-unit")?.insertAdjacentHTML("beforeend", String(opts)));
    $("#bulk-go").addEventListener("click", async () => {
      const ids = $$("input.pick:checked").map((i) => i.value);
      if (!ids.length) return;
      const body = { ids };
      if ($("#bulk-unit").value) body.unit_id = $("#bulk-unit").value;
      try {
        const r = await api("POST", "/api/v1/cases/bulk-dispatch", body);
        toast(`${t("dispatched_ok")} ${r.dispatched.length} · ${t("failed")} ${r.failed.length}`);
        $("#bulk-result").textContent = r.failed.map((x) => x.message).join("\n");
        if (!r.failed.length) viewCases(arg, page);
      } catch (err) {
        $("#bulk-result").textContent = err.message;
      }
    });
  }
}

view("cases", viewCases);
nav("nav-cases", "#/cases", "cases", (me) => me.role !== "party_officer");
landing((me) => (["dispatcher", "handler", "leader"].includes(me.role) ? "#/cases" : undefined), 10);
