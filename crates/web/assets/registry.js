// Registry: households and their members, persons (masked unless revealed), search, import and
// export.
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, can, session } from "./core/api.js";
import { app, crumbs, onSubmit, pager, toast, $ } from "./core/ui.js";
import { view, nav } from "./core/router.js";
import { regionTrail } from "./territory.js";
import { locate } from "./core/map.js";
import { isOffline } from "./field/outbox.js";

strings(
  {
    add_household: "新增住户", add_person: "新增人员", address: "地址", head: "户主", id_number: "身份证号", sex: "性别",
    male: "男", female: "女", birth: "出生日期", age: "年龄", relation: "与户主关系", residence: "居住类型", registered: "户籍",
    resident: "常住", floating: "流动", tags: "标签", reveal: "查看完整信息（将记入审计）", masked: "已脱敏", results: "搜索结果",
    data: "导入导出", import_persons: "导入人口（CSV/XLSX）", import_households: "导入住户（CSV/XLSX）", export: "导出",
    imported: "导入完成", edit: "编辑", rows_failed: "以下行有错误，未写入任何数据：", row: "行", column: "列", reason: "原因",
    tag_60: "60岁以上", tag_disability: "残疾", tag_dibao: "低保", tag_wubao: "五保", tag_left_behind_child: "留守儿童",
    tag_empty_nest: "空巢老人", tag_needy_member: "困难党员", tag_veteran: "退役军人", scope: "管辖范围", person_name: "姓名",
    edit_household: "编辑住户", phone_keep: "留空则不修改", position: "门牌位置", no_position: "尚未标注位置（不在网格地图上）",
    mark_door: "在门口标注位置", import: "导入", template: "下载模板（只有表头）",
    tags_hint: "标签可写中文（低保、空巢老人……）或代码，多个用分号或顿号隔开；有错误时一次列出所有错误行，不写入任何数据。", relation_ph: "户主 / 配偶 / 子 / 女",
  },
  {
    add_household: "New household", add_person: "New person", address: "Address", head: "Head", id_number: "ID number",
    sex: "Sex", male: "Male", female: "Female", birth: "Birth date", age: "Age", relation: "Relation to head",
    residence: "Residence", registered: "Registered", resident: "Resident", floating: "Floating", tags: "Tags",
    reveal: "Show in full (audited)", masked: "masked", results: "Results", data: "Import / export",
    import_persons: "Import persons (CSV/XLSX)", import_households: "Import households (CSV/XLSX)", export: "Export",
    imported: "Imported", edit: "Edit", rows_failed: "These rows have errors; nothing was written:", row: "Row",
    column: "Column", reason: "Reason", tag_60: "60+", tag_disability: "Disability", tag_dibao: "Minimum living allowance",
    tag_wubao: "Five guarantees", tag_left_behind_child: "Left-behind child", tag_empty_nest: "Empty-nest elderly",
    tag_needy_member: "Needy party member", tag_veteran: "Veteran", scope: "Scope", person_name: "Name",
    edit_household: "Edit household", phone_keep: "Leave empty to keep", position: "Door position",
    no_position: "No position yet (not on the grid's map)", mark_door: "Mark the position (at the door)", import: "Import", template: "Download a template (headers only)",
    tags_hint: "Tags may be written in Chinese (低保, 空巢老人…) or as codes, separated by semicolons; a file with errors lists every bad row at once and writes nothing.", relation_ph: "户主 / 配偶 / 子 / 女 (as registered)",
  },
);

export const TAGS = ["60+", "disability", "dibao", "wubao", "left_behind_child", "empty_nest", "needy_member", "veteran"];
export const tagName = (k) => t("tag_" + (k === "60+" ? "60" : k));
export const tagList = (tags) => tags.map((k) => html`<span>${tagName(k)}</span>`);

function personForm(p, id) {
  const opt = (v) => html`<option value="${v}" ${p && p.residence_type === v ? html`selected` : ""}>${t(v)}</option>`;
  return html`<form class="grid" id="${id}">
    <label>${t("person_name")}<input id="p-name" name="name" value="${p ? p.name : ""}" required></label>
    <label>${t("id_number")}<input id="p-id" name="id_number" value="${p && !p.masked ? p.id_number : ""}" maxlength="18" required></label>
    <label>${t("phone")}<input name="phone" inputmode="tel" value="${p && !p.masked ? p.phone || "" : ""}"></label>
    <label>${t("relation")}<input name="relation" value="${p ? p.relation : ""}" placeholder="${t("relation_ph")}"></label>
    <label>${t("residence")}<select name="residence_type">${opt("registered")}${opt("resident")}${opt("floating")}</select></label>
    <label>${t("tags")}<select name="tags" multiple size="3">${TAGS.map((k) => html`<option value="${k}" ${p && p.tags.includes(k) ? html`selected` : ""}>${tagName(k)}</option>`)}</select></label>
    <button id="p-submit" class="primary" type="submit">${t("save")}</button></form>`;
}

const personBody = (f, householdId) => ({
  household_id: householdId,
  name: f.name.value,
  id_number: f.id_number.value,
  phone: f.phone.value,
  relation: f.relation.value,
  residence_type: f.residence_type.value,
  tags: Array.from(f.tags.selectedOptions).map((o) => o.value),
});

/** Persons as a table; with `where`, each row also says its village, grid and address. */
function personTable(items, where = false) {
  if (!items.length) return html`<p class="muted">${t("none")}</p>`;
  return html`<div class="scroll"><table><thead><tr><th>${t("person_name")}</th><th>${t("id_number")}</th><th>${t("sex")}</th><th>${t("age")}</th>
    ${where ? html`<th>${t("address")}</th>` : html`<th class="hide-sm">${t("relation")}</th>`}<th class="hide-sm">${t("tags")}</th></tr></thead>
    <tbody>${items.map((p) => html`<tr class="person-row"><td><a href="#/person/${p.id}">${p.name}</a></td><td>${p.id_number}</td>
    <td>${t(p.sex)}</td><td>${p.age ?? ""}</td>
    ${where ? html`<td class="where">${p.place ? html`${p.place.village} ${p.place.grid || ""}<div class="muted">${p.place.address}</div>` : p.grid_code}</td>` : html`<td class="hide-sm">${p.relation}</td>`}
    <td class="hide-sm tags">${tagList(p.tags)}</td></tr>`)}</tbody></table></div>`;
}

/** A household's members out of its grid's people as kept on the phone (see field/tasks.js). */
async function keptMembers(grid, household) {
  const items = [];
  for (let page = 1; page <= 20; page++) {
    const r = await api("GET", `/api/v1/persons?grid=${grid}&page=${page}&page_size=200`);
    items.push(...r.items.filter((p) => String(p.household_id) === String(household)));
    if (!r.has_more) break;
  }
  return { items };
}

async function viewHousehold(id) {
  const h = await api("GET", `/api/v1/households/${id}`);
  const [g, trail, ps] = await Promise.all([
    api("GET", `/api/v1/grids/${h.grid_code}`),
    regionTrail(h.region_code),
    // With no network, the members from the grid's people the task list kept.
    api("GET", `/api/v1/persons?household=${id}&page_size=50`).catch((err) => (isOffline(err) ? keptMembers(h.grid_code, id) : Promise.reject(err))),
  ]);
  render(app(), html`${crumbs(trail.concat([{ name: g.name, href: `#/grid/${g.code}` }, { name: h.address }]))}<div class="card"><h1>${h.address}</h1>
    <div class="muted">${t("head")} ${h.head_name || "—"} · ${t("phone")} ${h.phone || "—"}</div><div id="household-extra"></div></div>
    <div class="card"><h2>${t("members")}</h2><div id="member-list">${personTable(ps.items)}</div></div>
    <div id="household-visits"></div>
    ${can("write_registry") && html`<div class="card"><h2>${t("add_person")}</h2>${personForm(null, "person-form")}</div>
      <div class="card"><h2>${t("edit_household")}</h2><form class="grid" id="household-edit">
      <label>${t("address")}<input name="address" value="${h.address}" required></label>
      <label>${t("phone")}<input name="phone" inputmode="tel" placeholder="${t("phone_keep")}"></label>
      <input type="hidden" name="lat" id="hh-lat"><input type="hidden" name="lng" id="hh-lng">
      <p class="muted" id="hh-position">${h.lat != null ? `${t("position")}${t("colon")}${h.lat.toFixed(5)}, ${h.lng.toFixed(5)}` : t("no_position")}</p>
      <div class="actions"><button class="secondary" type="button" id="hh-locate">${t("mark_door")}</button>
      <button class="primary" type="submit">${t("save")}</button></div></form></div>`}`);
  // Standing at the door: the phone's position marks the household on the grid's map.
  $("#hh-locate")?.addEventListener("click", () => locate($("#household-edit")));
  document.dispatchEvent(new CustomEvent("tc:household", { detail: h }));
  onSubmit("#household-edit", async (f) => {
    const body = { grid_code: h.grid_code, address: f.address.value };
    if (f.phone.value.trim()) body.phone = f.phone.value;
    if (f.lat.value) Object.assign(body, { lat: Number(f.lat.value), lng: Number(f.lng.value) });
    await api("PATCH", `/api/v1/households/${id}`, body);
    toast(t("created"));
    viewHousehold(id);
  });
  onSubmit("#person-form", async (f) => {
    await api("POST", "/api/v1/persons", personBody(f, id));
    toast(t("created"));
    viewHousehold(id);
  });
}

async function viewPerson(id, full) {
  const p = full || (await api("GET", `/api/v1/persons/${id}`));
  const [h, trail] = await Promise.all([api("GET", `/api/v1/households/${p.household_id}`), regionTrail(p.region_code)]);
  render(app(), html`${crumbs(trail.concat([{ name: h.address, href: `#/household/${h.id}` }, { name: p.name }]))}<div class="card"><h1>${p.name}</h1><dl class="kv">
    <dt>${t("id_number")}</dt><dd id="person-id-number">${p.id_number} ${p.masked && html`<span class="badge">${t("masked")}</span>`}</dd>
    <dt>${t("sex")}</dt><dd>${t(p.sex)}</dd><dt>${t("birth")}</dt><dd>${p.birth_date} (${p.age ?? ""})</dd>
    <dt>${t("phone")}</dt><dd>${p.phone || "—"}</dd><dt>${t("relation")}</dt><dd>${p.relation || "—"}</dd>
    <dt>${t("residence")}</dt><dd>${t(p.residence_type)}</dd><dt>${t("grid_code")}</dt><dd><a href="#/grid/${p.grid_code}">${p.grid_code}</a></dd>
    <dt>${t("tags")}</dt><dd class="tags">${p.tags.length ? tagList(p.tags) : "—"}</dd></dl>
    ${p.masked && can("reveal_pii") && html`<p><button id="reveal" class="secondary" type="button">${t("reveal")}</button></p>`}</div>
    ${can("write_registry") && !p.masked && html`<div class="card"><h2>${t("edit")}</h2>${personForm(p, "edit-form")}</div>`}`);
  $("#reveal")?.addEventListener("click", async () => viewPerson(id, await api("POST", `/api/v1/persons/${id}/reveal`)));
  onSubmit("#edit-form", async (f) => {
    await api("PATCH", `/api/v1/persons/${id}`, personBody(f, p.household_id));
    toast(t("created"));
    viewPerson(id);
  });
}

async function viewSearch(arg, page = 1) {
  const q = decodeURIComponent(arg || "");
  const idLike = /^[0-9]{17}[0-9Xx]$/.test(q.trim());
  const param = idLike ? `id_number=${encodeURIComponent(q.trim())}` : `q=${encodeURIComponent(q)}`;
  const res = await api("GET", `/api/v1/persons?${param}&page=${page}`);
  render(app(), html`<div class="card"><h2>${t("results")}: ${q}</h2><div id="search-results">${personTable(res.items, true)}</div>
    ${pager(page, res.has_more, (p) => viewSearch(arg, p))}</div>`);
}

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function viewData() {
  render(app(), html`<div class="card"><h2>${t("export")}</h2><p>
    <a href="/api/v1/export/persons.csv">persons.csv</a> · <a href="/api/v1/export/persons.xlsx">persons.xlsx</a> ·
    <a href="/api/v1/export/households.csv">households.csv</a> · <a href="/api/v1/export/households.xlsx">households.xlsx</a></p>
    <p class="muted">${t("scope")} ${session.me.scope_code}</p></div>
    ${can("write_registry") && html`<div class="card"><h2>${t("import_persons")}</h2><form id="import-persons" class="grid">
      <input type="file" name="file" accept=".csv,.xlsx,text/csv,${XLSX}" required>
      <button class="primary" type="submit">${t("import")}</button></form>
      <p class="muted">${t("template")}: <a id="tpl-persons-csv" href="/api/v1/export/template-persons.csv">CSV</a> · <a href="/api/v1/export/template-persons.xlsx">XLSX</a>.
        ${t("tags_hint")}</p></div>
    <div class="card"><h2>${t("import_households")}</h2><form id="import-households" class="grid">
      <input type="file" name="file" accept=".csv,.xlsx" required><button class="primary" type="submit">${t("import")}</button></form>
      <p class="muted">${t("template")}: <a href="/api/v1/export/template-households.csv">CSV</a> · <a href="/api/v1/export/template-households.xlsx">XLSX</a></p></div>`}`);
  for (const kind of ["persons", "households"]) {
    onSubmit(`#import-${kind}`, async (f) => {
      const file = f.file.files[0];
      const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
      const r = await api("POST", `/api/v1/import/${kind}`, undefined, new Blob([file], { type }));
      toast(`${t("imported")}: +${r.households_created} ${t("households")}, +${r.persons_created} / ~${r.persons_updated} ${t("persons")}`);
      f.reset();
    });
  }
}

view("household", viewHousehold);
view("person", viewPerson);
view("search", viewSearch);
view("data", viewData);
nav("nav-data", "#/data", "data", (me) => me.permissions.includes("read_registry"));
