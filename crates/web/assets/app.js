// Tongchou web UI: one page, hash routes, the JSON API. Chinese first, English available.
"use strict";

const I18N = {
  zh: {
    tagline: "城乡一体化基层治理", search: "搜索", search_ph: "姓名或身份证号", login: "登录", logout: "退出",
    username: "用户名", password: "密码", login_title: "登录统筹", children: "下级区划", grids: "网格",
    households: "住户", persons: "人口", level: "层级", urban: "城镇（居委会）", rural: "农村（村委会）",
    units: "部门与组织", centers: "便民服务中心", six: "六到位", prev: "上一页", next: "下一页",
    add_grid: "新建网格", add_household: "新增住户", add_person: "新增人员", save: "保存", code: "代码",
    name: "名称", grid_code: "网格代码", address: "地址", phone: "电话", worker: "网格员", leader: "网格长",
    members: "成员", head: "户主", id_number: "身份证号", sex: "性别", male: "男", female: "女",
    birth: "出生日期", age: "年龄", relation: "与户主关系", residence: "居住类型", registered: "户籍",
    resident: "常住", floating: "流动", tags: "标签", reveal: "查看完整信息（将记入审计）", masked: "已脱敏",
    results: "搜索结果", none: "没有记录", data: "导入导出", import_persons: "导入人口（CSV/XLSX）",
    import_households: "导入住户（CSV/XLSX）", export: "导出", imported: "导入完成", audit: "审计日志",
    edit: "编辑", created: "已保存", size_rule: "网格规模", count: "数量", child_count: "下级数",
    not_found: "未找到或不在您的管辖范围内", home: "首页", action: "操作", time: "时间", user: "用户",
    target: "对象", rows_failed: "以下行有错误，未写入任何数据：", row: "行", column: "列", reason: "原因",
    tag_60: "60岁以上", tag_disability: "残疾", tag_dibao: "低保", tag_wubao: "五保", tag_left_behind_child: "留守儿童",
    tag_empty_nest: "空巢老人", tag_needy_member: "困难党员", tag_veteran: "退役军人", scope: "管辖范围",
    person_name: "姓名", edit_region: "编辑区划", add_child: "新增下级区划", ur_class: "城乡属性", ur_auto: "按代码自动判定",
    edit_grid: "编辑网格", edit_household: "编辑住户", phone_keep: "留空则不修改",
    more: "更多", province: "省", city: "市", county: "县/区", township: "乡镇/街道", village: "村/社区",
  },
  en: {
    tagline: "Urban–rural grassroots governance", search: "Search", search_ph: "Name or ID number", login: "Log in",
    logout: "Log out", username: "Username", password: "Password", login_title: "Log in to Tongchou",
    children: "Sub-regions", grids: "Grids", households: "Households", persons: "Persons", level: "Level",
    urban: "Urban (residents' committee)", rural: "Rural (villagers' committee)", units: "Departments and committees",
    centers: "Service centers", six: "Six-in-place", prev: "Previous", next: "Next", add_grid: "New grid",
    add_household: "New household", add_person: "New person", save: "Save", code: "Code", name: "Name",
    grid_code: "Grid code", address: "Address", phone: "Phone", worker: "Grid worker", leader: "Grid leader",
    members: "Members", head: "Head", id_number: "ID number", sex: "Sex", male: "Male", female: "Female",
    birth: "Birth date", age: "Age", relation: "Relation to head", residence: "Residence", registered: "Registered",
    resident: "Resident", floating: "Floating", tags: "Tags", reveal: "Show in full (audited)", masked: "masked",
    results: "Results", none: "Nothing here", data: "Import / export", import_persons: "Import persons (CSV/XLSX)",
    import_households: "Import households (CSV/XLSX)", export: "Export", imported: "Imported", audit: "Audit log",
    edit: "Edit", created: "Saved", size_rule: "Grid size", count: "Count", child_count: "Children",
    not_found: "Not found or outside your scope", home: "Home", action: "Action", time: "Time", user: "User",
    target: "Target", rows_failed: "These rows have errors; nothing was written:", row: "Row", column: "Column",
    reason: "Reason", person_name: "Name", edit_region: "Edit region", add_child: "New sub-region", ur_class: "Urban/rural",
    ur_auto: "From the code", edit_grid: "Edit grid", edit_household: "Edit household", phone_keep: "Leave empty to keep",
    tag_60: "60+", tag_disability: "Disability", tag_dibao: "Minimum living allowance",
    tag_wubao: "Five guarantees", tag_left_behind_child: "Left-behind child", tag_empty_nest: "Empty-nest elderly",
    tag_needy_member: "Needy party member", tag_veteran: "Veteran", scope: "Scope", more: "More",
    province: "Province", city: "City", county: "County", township: "Township", village: "Village",
  },
};
let lang = localStorage.getItem("tc_lang") || "zh";
// Views added by other scripts (cases.js): name → async (arg) => …; PUBLIC ones need no login.
const VIEWS = {};
const PUBLIC = new Set();
let me = null;

const t = (k) => (I18N[lang] && I18N[lang][k]) || I18N.zh[k] || k;
const $ = (sel, root = document) => root.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const app = () => $("#app");

function applyStatic() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((el) => (el.textContent = t(el.dataset.t)));
  document.querySelectorAll("[data-tp]").forEach((el) => (el.placeholder = t(el.dataset.tp)));
  $("#lang").textContent = lang === "zh" ? "EN" : "中文";
}

function toast(msg) {
  const el = $("#toast");
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 2500);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.message || String(status));
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body, raw) {
  const headers = {};
  if (me && method !== "GET") headers["X-CSRF-Token"] = me.csrf_token;
  let payload;
  if (raw) {
    payload = raw;
    headers["Content-Type"] = raw.type || "text/csv";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ code: "bad_response", message: res.statusText }));
  if (res.status === 401 && path !== "/api/v1/auth/login") {
    me = null;
    location.hash = "#/login";
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Shows an API error under a form and marks the named field.
function showError(form, err) {
  form.querySelectorAll(".bad").forEach((el) => el.classList.remove("bad"));
  const box = form.querySelector(".error") || form.appendChild(Object.assign(document.createElement("div"), { className: "error" }));
  let msg = err.body ? err.body.message : String(err);
  if (err.body && err.body.field) {
    const input = form.querySelector(`[name="${err.body.field}"]`);
    if (input) input.classList.add("bad");
  }
  if (err.body && err.body.rows && err.body.rows.length) {
    msg += "\n" + err.body.rows.map((r) => `${t("row")} ${r.row} · ${r.column}: ${r.reason}`).join("\n");
  }
  box.textContent = msg;
}

function levelName(level) {
  return t(level);
}

function urBadge(ur) {
  return ur ? `<span class="badge ${ur}">${esc(t(ur))}</span>` : "";
}

function crumbs(items) {
  return `<div class="crumbs">${items.map((c) => (c.href ? `<a href="${c.href}">${esc(c.name)}</a>` : esc(c.name))).join(" › ")}</div>`;
}

function pager(page, hasMore, go) {
  const id = "p" + Math.random().toString(36).slice(2);
  setTimeout(() => {
    const p = document.getElementById(id);
    if (!p) return;
    p.querySelector(".prev")?.addEventListener("click", () => go(page - 1));
    p.querySelector(".next")?.addEventListener("click", () => go(page + 1));
  });
  if (page <= 1 && !hasMore) return "";
  return `<div class="pager" id="${id}">${page > 1 ? `<button class="secondary prev">${t("prev")}</button>` : ""}<span class="muted">${page}</span>${hasMore ? `<button class="secondary next">${t("next")}</button>` : ""}</div>`;
}

function can(p) {
  return me && me.permissions.includes(p);
}

// ---------- views ----------

function viewLogin() {
  $("#search-form").hidden = true;
  $("#usernav").innerHTML = "";
  app().innerHTML = `<div class="card login"><h1>${t("login_title")}</h1>
    <form id="login-form">
      <label>${t("username")}<input id="username" name="username" autocomplete="username" required></label>
      <label>${t("password")}<input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <button id="login-btn" class="primary" type="submit">${t("login")}</button>
    </form></div>
    <div class="card login public-links"><a id="go-report" href="#/report">${t("report_title")}</a> · <a id="go-track" href="#/track">${t("track_title")}</a></div>`;
  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      me = await api("POST", "/api/v1/auth/login", { username: f.username.value, password: f.password.value });
      location.hash = "#/";
    } catch (err) {
      showError(f, err);
    }
  });
}

function renderNav() {
  $("#search-form").hidden = false;
  $("#usernav").innerHTML = `<span class="hide-sm">${esc(me.display_name)} · ${esc(lang === "zh" ? me.role_zh : me.role)}</span>
    ${me.role !== "party_officer" ? `<a id="nav-cases" href="#/cases">${t("cases")}</a>` : ""}
    ${can("file_cases") ? `<a id="nav-new-case" href="#/new-case">${t("new_case")}</a>` : ""}
    <a id="nav-inbox" href="#/inbox">${t("inbox")}<b id="unread"></b></a>
    <a href="#/data">${t("data")}</a>${can("manage_accounts") ? `<a href="#/audit">${t("audit")}</a><a id="nav-keys" href="#/api-keys">${t("api_keys")}</a>` : ""}${can("manage_catalog") ? `<a id="nav-catalog" href="#/catalog">${t("catalog")}</a>` : ""}
    <button id="logout" class="link" type="button">${t("logout")}</button>`;
  api("GET", "/api/v1/inbox?unread=true&page_size=1")
    .then((r) => { if (r.unread && $("#unread")) $("#unread").textContent = ` ${r.unread}`; })
    .catch(() => {});
  $("#logout").addEventListener("click", async () => {
    await api("POST", "/api/v1/auth/logout").catch(() => {});
    me = null;
    location.hash = "#/login";
  });
}

async function viewRegion(code, page = 1) {
  const r = await api("GET", `/api/v1/regions/${code}`);
  const trail = r.ancestors.map((a) => ({ name: a.name, href: `#/region/${a.code}` })).concat([{ name: r.name }]);
  let html = crumbs(trail) + `<div class="card"><h1>${esc(r.name)}${urBadge(r.urban_rural)}</h1>
    <div class="muted">${t("code")} ${esc(r.code)} · ${esc(levelName(r.level))}</div>
    <div class="stats"><div class="stat"><span class="muted">${r.level === "village" ? t("grids") : t("child_count")}</span><b>${r.child_count}</b></div></div></div>`;
  if (r.level === "village") {
    const grids = await api("GET", `/api/v1/grids?region=${r.code}&page=${page}`);
    html += `<div class="card"><h2>${t("grids")}</h2><ul class="list" id="grid-list">${
      grids.items.map((g) => `<li><a class="grid-link" href="#/grid/${g.code}">${esc(g.name)}</a>
        <span class="muted">${g.household_count} ${t("households")} · ${g.person_count} ${t("persons")}${g.size_warnings.length ? ` <span class="badge warn">${t("size_rule")}</span>` : ""}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`
    }</ul>${pager(page, grids.has_more, (p) => viewRegion(code, p))}</div>`;
    if (can("write_territory")) {
      html += `<div class="card"><h2>${t("add_grid")}</h2><form class="grid" id="grid-form">
        <label>${t("grid_code")}<input name="code" value="${esc(r.code)}" inputmode="numeric" required></label>
        <label>${t("name")}<input name="name" required></label>
        <label>${t("worker")}<input name="worker_name"></label>
        <label>${t("phone")}<input name="worker_phone" inputmode="tel"></label>
        <button class="primary" type="submit">${t("save")}</button></form></div>`;
    }
  } else {
    const kids = await api("GET", `/api/v1/regions/${r.code}/children?page=${page}&page_size=50`);
    if (can("write_territory")) {
      html += `<div class="card"><h2>${t("add_child")}</h2><form class="grid" id="child-form">
        <label>${t("code")}<input name="code" value="${esc(r.code.replace(/0+$/, ""))}" inputmode="numeric" required></label>
        <label>${t("name")}<input name="name" required></label>
        <button class="primary" type="submit">${t("save")}</button></form></div>`;
    }
    html += `<div class="card"><h2>${t("children")}</h2><ul class="list" id="region-list">${
      kids.items.map((k) => `<li><a class="region-link" href="#/region/${k.code}">${esc(k.name)}</a>
        <span class="muted">${urBadge(k.urban_rural)} ${k.child_count}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`
    }</ul>${pager(page, kids.has_more, (p) => viewRegion(code, p))}</div>`;
  }
  const [units, centers] = await Promise.all([
    api("GET", `/api/v1/regions/${r.code}/units`),
    api("GET", `/api/v1/regions/${r.code}/service-centers`),
  ]);
  if (units.items.length || centers.items.length) {
    const six = (c) => ["has_org", "has_staff", "has_funds", "has_venue", "has_rules", "has_work"].filter((k) => c[k]).length;
    html += `<div class="card"><h2>${t("units")}</h2><ul class="list">${units.items.map((u) => `<li>${esc(u.name)}</li>`).join("")}</ul>
      ${centers.items.map((c) => `<p>${esc(c.name)} <span class="badge ${six(c) === 6 ? "rural" : "warn"}">${t("six")} ${six(c)}/6</span></p>`).join("")}</div>`;
  }
  if (can("write_territory")) {
    const sel = (v) => (r.ur_override ? r.urban_rural === v : v === "auto") ? "selected" : "";
    html += `<div class="card"><h2>${t("edit_region")}</h2><form class="grid" id="region-form">
      <label>${t("name")}<input name="name" value="${esc(r.name)}" required></label>
      <label>${t("ur_class")}<select name="urban_rural"><option value="auto" ${sel("auto")}>${t("ur_auto")}</option>
        <option value="urban" ${sel("urban")}>${t("urban")}</option><option value="rural" ${sel("rural")}>${t("rural")}</option></select></label>
      <button class="primary" type="submit">${t("save")}</button></form></div>`;
  }
  app().innerHTML = html;
  $("#region-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("PATCH", `/api/v1/regions/${r.code}`, { name: f.name.value, urban_rural: f.urban_rural.value });
      toast(t("created"));
      viewRegion(code);
    } catch (err) {
      showError(f, err);
    }
  });
  $("#child-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      const c = await api("POST", "/api/v1/regions", { code: f.code.value, name: f.name.value });
      location.hash = `#/region/${c.code}`;
    } catch (err) {
      showError(f, err);
    }
  });
  const gf = $("#grid-form");
  if (gf) {
    gf.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.target;
      try {
        const g = await api("POST", "/api/v1/grids", { code: f.code.value, name: f.name.value, worker_name: f.worker_name.value, worker_phone: f.worker_phone.value });
        location.hash = `#/grid/${g.code}`;
      } catch (err) {
        showError(f, err);
      }
    });
  }
}

async function regionTrail(code) {
  const r = await api("GET", `/api/v1/regions/${code}`);
  return r.ancestors.map((a) => ({ name: a.name, href: `#/region/${a.code}` })).concat([{ name: r.name, href: `#/region/${r.code}` }]);
}

async function viewGrid(code, page = 1) {
  const g = await api("GET", `/api/v1/grids/${code}`);
  const trail = (await regionTrail(g.region_code)).concat([{ name: g.name }]);
  const hs = await api("GET", `/api/v1/households?grid=${code}&page=${page}`);
  let html = crumbs(trail) + `<div class="card"><h1>${esc(g.name)}${urBadge(g.urban_rural)}</h1>
    <div class="muted">${t("grid_code")} ${esc(g.code)} · ${t("worker")} ${esc(g.worker_name || "—")} ${esc(g.worker_phone || "")}${g.leader_name ? ` · ${t("leader")} ${esc(g.leader_name)}` : ""}</div>
    <div class="stats"><div class="stat"><span class="muted">${t("households")}</span><b>${g.household_count}</b></div>
    <div class="stat"><span class="muted">${t("persons")}</span><b>${g.person_count}</b></div></div>
    ${g.size_warnings.map((w) => `<div class="badge warn">${esc(w)}</div>`).join(" ")}</div>
    <div class="card"><h2>${t("households")}</h2><ul class="list" id="household-list">${
      hs.items.map((h) => `<li><a class="household-link" href="#/household/${h.id}">${esc(h.address)}</a>
      <span class="muted">${esc(h.head_name || "")} · ${h.member_count} ${t("members")}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`
    }</ul>${pager(page, hs.has_more, (p) => viewGrid(code, p))}</div>`;
  if (can("write_territory")) {
    html += `<div class="card"><h2>${t("edit_grid")}</h2><form class="grid" id="grid-edit">
      <label>${t("name")}<input name="name" value="${esc(g.name)}" required></label>
      <label>${t("worker")}<input name="worker_name" value="${esc(g.worker_name || "")}"></label>
      <label>${t("phone")}<input name="worker_phone" value="${esc(g.worker_phone || "")}" inputmode="tel"></label>
      <label>${t("leader")}<input name="leader_name" value="${esc(g.leader_name || "")}"></label>
      <button class="primary" type="submit">${t("save")}</button></form></div>`;
  }
  if (can("write_registry")) {
    html += `<div class="card"><h2>${t("add_household")}</h2><form class="grid" id="household-form">
      <label>${t("address")}<input id="hh-address" name="address" required></label>
      <label>${t("phone")}<input id="hh-phone" name="phone" inputmode="tel"></label>
      <button id="hh-submit" class="primary" type="submit">${t("save")}</button></form></div>`;
  }
  app().innerHTML = html;
  $("#grid-edit")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { name: f.name.value, worker_name: f.worker_name.value, worker_phone: f.worker_phone.value, leader_name: f.leader_name.value };
    try {
      await api("PATCH", `/api/v1/grids/${code}`, body);
      toast(t("created"));
      viewGrid(code, page);
    } catch (err) {
      showError(f, err);
    }
  });
  $("#household-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      const h = await api("POST", "/api/v1/households", { grid_code: code, address: f.address.value, phone: f.phone.value });
      toast(t("created"));
      location.hash = `#/household/${h.id}`;
    } catch (err) {
      showError(f, err);
    }
  });
}

const TAGS = ["60+", "disability", "dibao", "wubao", "left_behind_child", "empty_nest", "needy_member", "veteran"];
const tagName = (k) => t("tag_" + (k === "60+" ? "60" : k));

function personForm(p, id) {
  const opt = (v) => `<option value="${v}" ${p && p.residence_type === v ? "selected" : ""}>${t(v)}</option>`;
  return `<form class="grid" id="${id}">
    <label>${t("person_name")}<input id="p-name" name="name" value="${esc(p ? p.name : "")}" required></label>
    <label>${t("id_number")}<input id="p-id" name="id_number" value="${esc(p && !p.masked ? p.id_number : "")}" maxlength="18" required></label>
    <label>${t("phone")}<input name="phone" inputmode="tel" value="${esc(p && !p.masked ? p.phone || "" : "")}"></label>
    <label>${t("relation")}<input name="relation" value="${esc(p ? p.relation : "")}" placeholder="户主 / 配偶 / 子 / 女"></label>
    <label>${t("residence")}<select name="residence_type">${opt("registered")}${opt("resident")}${opt("floating")}</select></label>
    <label>${t("tags")}<select name="tags" multiple size="3">${TAGS.map((k) => `<option value="${k}" ${p && p.tags.includes(k) ? "selected" : ""}>${esc(tagName(k))}</option>`).join("")}</select></label>
    <button id="p-submit" class="primary" type="submit">${t("save")}</button></form>`;
}

function personBody(f, householdId) {
  return {
    household_id: householdId,
    name: f.name.value,
    id_number: f.id_number.value,
    phone: f.phone.value,
    relation: f.relation.value,
    residence_type: f.residence_type.value,
    tags: Array.from(f.tags.selectedOptions).map((o) => o.value),
  };
}

function personRow(p) {
  return `<tr class="person-row"><td><a href="#/person/${p.id}">${esc(p.name)}</a></td><td>${esc(p.id_number)}</td>
    <td>${t(p.sex)}</td><td>${p.age ?? ""}</td><td class="hide-sm">${esc(p.relation)}</td>
    <td class="hide-sm tags">${p.tags.map((k) => `<span>${esc(tagName(k))}</span>`).join("")}</td></tr>`;
}

function personTable(items) {
  if (!items.length) return `<p class="muted">${t("none")}</p>`;
  return `<div class="scroll"><table><thead><tr><th>${t("person_name")}</th><th>${t("id_number")}</th><th>${t("sex")}</th><th>${t("age")}</th>
    <th class="hide-sm">${t("relation")}</th><th class="hide-sm">${t("tags")}</th></tr></thead><tbody>${items.map(personRow).join("")}</tbody></table></div>`;
}

async function viewHousehold(id) {
  const h = await api("GET", `/api/v1/households/${id}`);
  const g = await api("GET", `/api/v1/grids/${h.grid_code}`);
  const trail = (await regionTrail(h.region_code)).concat([{ name: g.name, href: `#/grid/${g.code}` }, { name: h.address }]);
  const ps = await api("GET", `/api/v1/persons?household=${id}&page_size=50`);
  let html = crumbs(trail) + `<div class="card"><h1>${esc(h.address)}</h1>
    <div class="muted">${t("head")} ${esc(h.head_name || "—")} · ${t("phone")} ${esc(h.phone || "—")}</div></div>
    <div class="card"><h2>${t("members")}</h2><div id="member-list">${personTable(ps.items)}</div></div>`;
  if (can("write_registry")) {
    html += `<div class="card"><h2>${t("add_person")}</h2>${personForm(null, "person-form")}</div>
      <div class="card"><h2>${t("edit_household")}</h2><form class="grid" id="household-edit">
      <label>${t("address")}<input name="address" value="${esc(h.address)}" required></label>
      <label>${t("phone")}<input name="phone" inputmode="tel" placeholder="${t("phone_keep")}"></label>
      <button class="primary" type="submit">${t("save")}</button></form></div>`;
  }
  app().innerHTML = html;
  $("#household-edit")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { grid_code: h.grid_code, address: f.address.value };
    if (f.phone.value.trim()) body.phone = f.phone.value;
    try {
      await api("PATCH", `/api/v1/households/${id}`, body);
      toast(t("created"));
      viewHousehold(id);
    } catch (err) {
      showError(f, err);
    }
  });
  $("#person-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("POST", "/api/v1/persons", personBody(f, id));
      toast(t("created"));
      viewHousehold(id);
    } catch (err) {
      showError(f, err);
    }
  });
}

async function viewPerson(id, full) {
  const p = full || (await api("GET", `/api/v1/persons/${id}`));
  const h = await api("GET", `/api/v1/households/${p.household_id}`);
  const trail = (await regionTrail(p.region_code)).concat([{ name: h.address, href: `#/household/${h.id}` }, { name: p.name }]);
  let html = crumbs(trail) + `<div class="card"><h1>${esc(p.name)}</h1><dl class="kv">
    <dt>${t("id_number")}</dt><dd id="person-id-number">${esc(p.id_number)} ${p.masked ? `<span class="badge">${t("masked")}</span>` : ""}</dd>
    <dt>${t("sex")}</dt><dd>${t(p.sex)}</dd><dt>${t("birth")}</dt><dd>${esc(p.birth_date)} (${p.age ?? ""})</dd>
    <dt>${t("phone")}</dt><dd>${esc(p.phone || "—")}</dd><dt>${t("relation")}</dt><dd>${esc(p.relation || "—")}</dd>
    <dt>${t("residence")}</dt><dd>${t(p.residence_type)}</dd><dt>${t("grid_code")}</dt><dd><a href="#/grid/${p.grid_code}">${esc(p.grid_code)}</a></dd>
    <dt>${t("tags")}</dt><dd class="tags">${p.tags.map((k) => `<span>${esc(tagName(k))}</span>`).join("") || "—"}</dd></dl>
    ${p.masked && can("reveal_pii") ? `<p><button id="reveal" class="secondary" type="button">${t("reveal")}</button></p>` : ""}</div>`;
  if (can("write_registry") && !p.masked) html += `<div class="card"><h2>${t("edit")}</h2>${personForm(p, "edit-form")}</div>`;
  app().innerHTML = html;
  $("#reveal")?.addEventListener("click", async () => viewPerson(id, await api("POST", `/api/v1/persons/${id}/reveal`)));
  $("#edit-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("PATCH", `/api/v1/persons/${id}`, personBody(f, p.household_id));
      toast(t("created"));
      viewPerson(id);
    } catch (err) {
      showError(f, err);
    }
  });
}

async function viewSearch(q, page = 1) {
  const idLike = /^[0-9]{17}[0-9Xx]$/.test(q.trim());
  const param = idLike ? `id_number=${encodeURIComponent(q.trim())}` : `q=${encodeURIComponent(q)}`;
  const res = await api("GET", `/api/v1/persons?${param}&page=${page}`);
  app().innerHTML = `<div class="card"><h2>${t("results")}: ${esc(q)}</h2><div id="search-results">${personTable(res.items)}</div>
    ${pager(page, res.has_more, (p) => viewSearch(q, p))}</div>`;
}

function viewData() {
  const scope = me.scope_code;
  app().innerHTML = `<div class="card"><h2>${t("export")}</h2><p>
    <a href="/api/v1/export/persons.csv">persons.csv</a> · <a href="/api/v1/export/persons.xlsx">persons.xlsx</a> ·
    <a href="/api/v1/export/households.csv">households.csv</a> · <a href="/api/v1/export/households.xlsx">households.xlsx</a></p>
    <p class="muted">${t("scope")} ${esc(scope)}</p></div>
    ${can("write_registry") ? `<div class="card"><h2>${t("import_persons")}</h2><form id="import-persons" class="grid">
      <input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required>
      <button class="primary" type="submit">${t("save")}</button></form>
      <p class="muted">网格代码, 地址, 姓名, 身份证号, 电话, 与户主关系, 居住类型, 标签 (grid_code, address, name, id_number, …)</p></div>
    <div class="card"><h2>${t("import_households")}</h2><form id="import-households" class="grid">
      <input type="file" name="file" accept=".csv,.xlsx" required><button class="primary" type="submit">${t("save")}</button></form></div>` : ""}`;
  for (const kind of ["persons", "households"]) {
    $(`#import-${kind}`)?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.target;
      const file = f.file.files[0];
      const type = file.name.toLowerCase().endsWith(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
      try {
        const r = await api("POST", `/api/v1/import/${kind}`, undefined, new Blob([file], { type }));
        toast(`${t("imported")}: +${r.households_created} ${t("households")}, +${r.persons_created} / ~${r.persons_updated} ${t("persons")}`);
        f.reset();
      } catch (err) {
        showError(f, err);
      }
    });
  }
}

async function viewAudit(page = 1) {
  const log = await api("GET", `/api/v1/audit?page=${page}&page_size=50`);
  app().innerHTML = `<div class="card"><h2>${t("audit")}</h2><div class="scroll"><table><thead><tr><th>${t("time")}</th><th>${t("user")}</th>
    <th>${t("action")}</th><th>${t("target")}</th></tr></thead><tbody>${log.items.map((e) => `<tr><td>${new Date(e.at).toLocaleString()}</td>
    <td>${esc(e.username)}</td><td>${esc(e.action)}</td><td>${esc(e.target_type)} ${esc(e.target_id)} ${esc(e.detail)}</td></tr>`).join("")}</tbody></table></div>
    ${pager(page, log.has_more, viewAudit)}</div>`;
}

// ---------- routing ----------

async function route() {
  // A newer navigation wins: an older one that is still loading does not redirect.
  const token = (route.seq = (route.seq || 0) + 1);
  await draw(token);
  // An older navigation that was still loading may finish after a newer one and draw over it:
  // when the newest has been drawn and a stale one finishes, draw the newest again.
  if (token === route.seq) route.drawn = token;
  else if (route.drawn === route.seq) {
    route.drawn = 0;
    route();
  }
}

async function draw(token) {
  applyStatic();
  const [, view, arg] = (location.hash || "#/").split("/");
  if (view === "login") return viewLogin();
  if (PUBLIC.has(view)) {
    $("#search-form").hidden = true;
    try {
      return await VIEWS[view](arg);
    } catch (err) {
      app().innerHTML = `<div class="card"><p class="error">${esc(err.message)}</p></div>`;
      return;
    }
  }
  if (!me) {
    try {
      me = await api("GET", "/api/v1/me");
    } catch {
      return viewLogin();
    }
  }
  if (token !== route.seq) return;
  renderNav();
  try {
    switch (view) {
      case "region": return await viewRegion(arg);
      case "grid": return await viewGrid(arg);
      case "household": return await viewHousehold(arg);
      case "person": return await viewPerson(arg);
      case "search": return await viewSearch(decodeURIComponent(arg || ""));
      case "data": return viewData();
      case "audit": return await viewAudit();
      default:
        if (VIEWS[view]) return await VIEWS[view](arg);
        if (token !== route.seq) return;
        location.hash = ["dispatcher", "handler", "leader"].includes(me.role) ? "#/cases"
          : me.grid_code ? `#/grid/${me.grid_code}` : `#/region/${me.scope_code}`;
    }
  } catch (err) {
    if (err.status === 401) return;
    app().innerHTML = `<div class="card"><p class="error">${esc(err.status === 404 ? t("not_found") : err.message)}</p><a href="#/">${t("home")}</a></div>`;
  }
}

$("#search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = $("#search-q").value.trim();
  if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
});
$("#lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("tc_lang", lang);
  route();
});
window.addEventListener("hashchange", route);
// Other scripts register their views first.
window.addEventListener("DOMContentLoaded", route);
