// Territory: the region tree (市 → 县 → 乡 → 村) and the grids of a village.
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, can } from "./core/api.js";
import { app, crumbs, listOr, onSubmit, pager, toast } from "./core/ui.js";
import { view, nav, landing } from "./core/router.js";
import { mapIn, mapBlock, LIGHT_COLOURS } from "./core/map.js";

strings(
  {
    children: "下级区划", grids: "网格", households: "住户", persons: "人口", urban: "城镇（居委会）", rural: "农村（村委会）",
    units: "部门与组织", centers: "便民服务中心", six: "六到位", add_grid: "新建网格", save: "保存", code: "代码", name: "名称",
    grid_code: "网格代码", phone: "电话", worker: "网格员", leader: "网格长", members: "成员", size_rule: "网格规模",
    child_count: "下级数", edit_region: "编辑区划", add_child: "新增下级区划", ur_class: "城乡属性", ur_auto: "按代码自动判定",
    edit_grid: "编辑网格", created: "已保存", territory: "辖区", n_grids: "个网格", n_children: "个下级区划",
    province: "省", city: "市", county: "县/区", township: "乡镇/街道", village: "村/社区",
    shapes_import: "导入边界（GeoJSON）", shapes_file: "GeoJSON 文件（每个要素的 properties.code 为区划或网格代码）",
    shapes_done: "已导入边界", import: "导入", open_cases: "未办结事件",
  },
  {
    children: "Sub-regions", grids: "Grids", households: "Households", persons: "Persons", urban: "Urban (residents' committee)",
    rural: "Rural (villagers' committee)", units: "Departments and committees", centers: "Service centers", six: "Six-in-place",
    add_grid: "New grid", save: "Save", code: "Code", name: "Name", grid_code: "Grid code", phone: "Phone", worker: "Grid worker",
    leader: "Grid leader", members: "Members", size_rule: "Grid size", child_count: "Sub-regions", edit_region: "Edit region",
    add_child: "New sub-region", ur_class: "Urban/rural", ur_auto: "From the code", edit_grid: "Edit grid", created: "Saved",
    territory: "Territory", n_grids: "grids", n_children: "sub-regions", province: "Province", city: "City", county: "County", township: "Township", village: "Village",
    shapes_import: "Import boundaries (GeoJSON)", shapes_file: "GeoJSON file (each feature's properties.code is a region or grid code)",
    shapes_done: "Boundaries imported", import: "Import", open_cases: "Open cases",
  },
);

/** The urban/rural badge, shown only on villages and grids, where the class means something. */
export const urBadge = (ur, level) => (ur && (level === "village" || level === "grid") ? html`<span class="badge ${ur}">${t(ur)}</span>` : "");

/** The breadcrumb trail of a region, each step a link. */
export async function regionTrail(code) {
  const r = await api("GET", `/api/v1/regions/${code}`);
  return r.ancestors.map((a) => ({ name: a.name, href: `#/region/${a.code}` })).concat([{ name: r.name, href: `#/region/${r.code}` }]);
}

async function viewRegion(code, page = 1) {
  const r = await api("GET", `/api/v1/regions/${code}`);
  const trail = r.ancestors.map((a) => ({ name: a.name, href: `#/region/${a.code}` })).concat([{ name: r.name }]);
  const village = r.level === "village";
  const [grids, kids, units, centers] = await Promise.all([
    village ? api("GET", `/api/v1/grids?region=${r.code}&page=${page}`) : null,
    village ? null : api("GET", `/api/v1/regions/${r.code}/children?page=${page}&page_size=50`),
    api("GET", `/api/v1/regions/${r.code}/units`),
    api("GET", `/api/v1/regions/${r.code}/service-centers`),
  ]);
  const six = (c) => ["has_org", "has_staff", "has_funds", "has_venue", "has_rules", "has_work"].filter((k) => c[k]).length;
  const sel = (v) => ((r.ur_override ? r.urban_rural === v : v === "auto") ? html`selected` : "");
  render(app(), html`${crumbs(trail)}<div class="card"><h1>${r.name}${urBadge(r.urban_rural, r.level)}</h1>
    <div class="muted">${t("code")} ${r.code} · ${t(r.level)}</div>
    <div class="stats"><div class="stat"><span class="muted">${village ? t("grids") : t("child_count")}</span><b>${r.child_count}</b></div></div></div>
    <div class="card" id="map-card" hidden>${mapBlock("region-map")}</div>
    ${village ? html`<div class="card"><h2>${t("grids")}</h2><ul class="list" id="grid-list">${listOr(grids.items, (g) => html`<li><a class="grid-link" href="#/grid/${g.code}">${g.name}</a>
        <span class="muted">${g.household_count} ${t("households")} · ${g.person_count} ${t("persons")}${g.size_warnings.length > 0 && html` <span class="badge warn">${t("size_rule")}</span>`}</span></li>`)}
      </ul>${pager(page, grids.has_more, (p) => viewRegion(code, p))}</div>
      ${can("write_territory") && html`<div class="card"><h2>${t("add_grid")}</h2><form class="grid" id="grid-form">
        <label>${t("grid_code")}<input name="code" value="${r.code}" inputmode="numeric" required></label>
        <label>${t("name")}<input name="name" required></label>
        <label>${t("worker")}<input name="worker_name"></label>
        <label>${t("phone")}<input name="worker_phone" inputmode="tel"></label>
        <button class="primary" type="submit">${t("save")}</button></form></div>`}`
    : html`${can("write_territory") && html`<div class="card"><h2>${t("add_child")}</h2><form class="grid" id="child-form">
        <label>${t("code")}<input name="code" value="${r.code.replace(/0+$/, "")}" inputmode="numeric" required></label>
        <label>${t("name")}<input name="name" required></label>
        <button class="primary" type="submit">${t("save")}</button></form></div>`}
      <div class="card"><h2>${t("children")}</h2><ul class="list" id="region-list">${listOr(kids.items, (k) => html`<li><a class="region-link" href="#/region/${k.code}">${k.name}</a>
        <span class="muted">${urBadge(k.urban_rural, k.level)} ${k.child_count} ${t(k.level === "village" ? "n_grids" : "n_children")}</span></li>`)}
      </ul>${pager(page, kids.has_more, (p) => viewRegion(code, p))}</div>`}
    ${(units.items.length > 0 || centers.items.length > 0) && html`<div class="card"><h2>${t("units")}</h2><ul class="list">${units.items.map((u) => html`<li>${u.name}</li>`)}</ul>
      ${centers.items.map((c) => html`<p>${c.name} <span class="badge ${six(c) === 6 ? "rural" : "warn"}">${t("six")} ${six(c)}/6</span></p>`)}</div>`}
    ${can("write_territory") && html`<div class="card"><h2>${t("edit_region")}</h2><form class="grid" id="region-form">
      <label>${t("name")}<input name="name" value="${r.name}" required></label>
      <label>${t("ur_class")}<select name="urban_rural"><option value="auto" ${sel("auto")}>${t("ur_auto")}</option>
        <option value="urban" ${sel("urban")}>${t("urban")}</option><option value="rural" ${sel("rural")}>${t("rural")}</option></select></label>
      <button class="primary" type="submit">${t("save")}</button></form></div>`}
    ${can("write_territory") && html`<div class="card"><h2>${t("shapes_import")}</h2><form class="stack" id="shapes-form">
      <label>${t("shapes_file")}<input type="file" name="file" id="shapes-file" accept=".geojson,.json,application/geo+json,application/json" required></label>
      <ul class="list error" id="shapes-errors"></ul>
      <button class="primary" type="submit">${t("import")}</button></form></div>`}`);
  showMap(`/api/v1/map/${r.code}`, "region-map");
  onSubmit("#shapes-form", async (f) => {
    render("#shapes-errors", "");
    let doc;
    try {
      doc = JSON.parse(await f.file.files[0].text());
    } catch (e) {
      return render("#shapes-errors", html`<li>${e.message}</li>`);
    }
    try {
      const n = await api("POST", "/api/v1/shapes/import", doc);
      toast(`${t("shapes_done")}${t("colon")}${n.regions} + ${n.grids}`);
      viewRegion(code);
    } catch (e) {
      // Every bad feature at once, each by its number and the place of its fault.
      render("#shapes-errors", (e.body?.rows || [{ row: "", column: "", reason: e.message }])
        .map((r) => html`<li>#${r.row} ${r.column}${t("colon")}${r.reason}</li>`));
    }
  });
  onSubmit("#region-form", async (f) => {
    await api("PATCH", `/api/v1/regions/${r.code}`, { name: f.name.value, urban_rural: f.urban_rural.value });
    toast(t("created"));
    viewRegion(code);
  });
  onSubmit("#child-form", async (f) => {
    const c = await api("POST", "/api/v1/regions", { code: f.code.value, name: f.name.value });
    location.hash = `#/region/${c.code}`;
  });
  onSubmit("#grid-form", async (f) => {
    const g = await api("POST", "/api/v1/grids", { code: f.code.value, name: f.name.value, worker_name: f.worker_name.value, worker_phone: f.worker_phone.value });
    location.hash = `#/grid/${g.code}`;
  });
}

async function viewGrid(code, page = 1) {
  const g = await api("GET", `/api/v1/grids/${code}`);
  const [trail, hs] = await Promise.all([regionTrail(g.region_code), api("GET", `/api/v1/households?grid=${code}&page=${page}`)]);
  render(app(), html`${crumbs(trail.concat([{ name: g.name }]))}<div class="card"><h1>${g.name}${urBadge(g.urban_rural, "grid")}</h1>
    <div class="muted">${t("grid_code")} ${g.code} · ${t("worker")} ${g.worker_name || "—"} ${g.worker_phone || ""}${g.leader_name && html` · ${t("leader")} ${g.leader_name}`}</div>
    <div class="stats"><div class="stat"><span class="muted">${t("households")}</span><b>${g.household_count}</b></div>
    <div class="stat"><span class="muted">${t("persons")}</span><b>${g.person_count}</b></div></div>
    ${g.size_warnings.map((w) => html`<div class="badge warn">${w}</div> `)}</div>
    <div class="card" id="map-card" hidden>${mapBlock("grid-map")}</div>
    <div class="card"><h2>${t("households")}</h2><ul class="list" id="household-list">${listOr(hs.items, (h) => html`<li><a class="household-link" href="#/household/${h.id}">${h.address}</a>
      <span class="muted">${h.head_name || ""} · ${h.member_count} ${t("members")}</span></li>`)}</ul>${pager(page, hs.has_more, (p) => viewGrid(code, p))}</div>
    ${can("write_territory") && html`<div class="card"><h2>${t("edit_grid")}</h2><form class="grid" id="grid-edit">
      <label>${t("name")}<input name="name" value="${g.name}" required></label>
      <label>${t("worker")}<input name="worker_name" value="${g.worker_name || ""}"></label>
      <label>${t("phone")}<input name="worker_phone" value="${g.worker_phone || ""}" inputmode="tel"></label>
      <label>${t("leader")}<input name="leader_name" value="${g.leader_name || ""}"></label>
      <button class="primary" type="submit">${t("save")}</button></form></div>`}
    ${can("write_registry") && html`<div class="card"><h2>${t("add_household")}</h2><form class="grid" id="household-form">
      <label>${t("address")}<input id="hh-address" name="address" required></label>
      <label>${t("phone")}<input id="hh-phone" name="phone" inputmode="tel"></label>
      <button id="hh-submit" class="primary" type="submit">${t("save")}</button></form></div>`}`);
  showMap(`/api/v1/map/${code}`, "grid-map", async (m) => {
    // Households with a position, and the grid's open cases coloured by their deadline light.
    const [hh, cases] = await Promise.all([
      api("GET", `/api/v1/map/${code}/households`),
      api("GET", `/api/v1/cases?grid_code=${code}&status=open&page_size=100`),
    ]);
    const pins = hh.items.map((h) => ({ lat: h.lat, lng: h.lng, colour: "#607d8b", label: h.address, href: `#/household/${h.id}` }))
      .concat(cases.items.filter((c) => c.lat != null).map((c) => ({ lat: c.lat, lng: c.lng, colour: LIGHT_COLOURS[c.light] || LIGHT_COLOURS.blue, label: `${c.number} ${c.title || ""}`, href: `#/case/${c.id}` })));
    m.pins(pins);
  });
  onSubmit("#grid-edit", async (f) => {
    await api("PATCH", `/api/v1/grids/${code}`, { name: f.name.value, worker_name: f.worker_name.value, worker_phone: f.worker_phone.value, leader_name: f.leader_name.value });
    toast(t("created"));
    viewGrid(code, page);
  });
  onSubmit("#household-form", async (f) => {
    const h = await api("POST", "/api/v1/households", { grid_code: code, address: f.address.value, phone: f.phone.value });
    toast(t("created"));
    location.hash = `#/household/${h.id}`;
  });
}

/** The map card of a region or grid: its boundary, its children's (a tap opens one), and more. */
async function showMap(path, id, more) {
  const fc = await api("GET", path).catch(() => null);
  const el = document.getElementById(id);
  if (!fc || !el || (!fc.features.length && !more)) return;
  document.getElementById("map-card").hidden = false;
  const m = await mapIn(el);
  m.shapes(fc, (p) => (location.hash = p.level === "grid" ? `#/grid/${p.code}` : `#/region/${p.code}`));
  if (more) await more(m);
}

view("region", viewRegion);
view("grid", viewGrid);
// Every staff role reaches the registry from the navigation.
const home = (me) => (me.grid_code ? `#/grid/${me.grid_code}` : `#/region/${me.scope_code}`);
nav("nav-territory", home, "territory", (me) => me.permissions.includes("read_registry"));
landing(home, 99);
