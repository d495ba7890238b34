// Tongchou web UI — cases: the queue (dispatcher console, handler inbox, grid worker's verify
// tasks, leader's supervised and overdue view), a case with its timeline and the actions the
// caller's role may take, staff intake, and the public report / track / rate pages.
"use strict";

Object.assign(I18N.zh, {
  cases: "案件", new_case: "上报", queue: "案件队列", pending: "待受理/派遣", working: "处置中", verify: "待核查",
  done: "已办结", all: "全部", category: "类别", overdue: "仅超时", supervised: "仅督办", mine: "本单位",
  keyword: "关键词", filter: "筛选", number: "编号", title: "标题", state: "状态", unit: "处置单位",
  deadline: "时限", light: "灯", bulk_dispatch: "批量派遣", routed_unit: "按路由", description: "问题描述",
  region: "发生地", reporter: "反映人", reporter_phone: "联系电话", priority: "紧急程度", normal: "一般",
  urgent: "紧急", emergency: "特急", source: "来源", submit: "提交", timeline: "办理过程", note: "说明",
  a_accept: "立案", a_reject: "不予立案", a_merge: "合并", a_dispatch: "派遣", a_sign: "签收", a_return: "回退",
  a_handle: "办结反馈", a_escalate: "上报上级", a_suspend: "同意挂账", a_resume: "恢复办理",
  a_verify_pass: "核查通过", a_verify_fail: "核查不通过（返工）", a_reopen: "重新打开", a_request_suspend: "申请挂账",
  a_supervise: "督办", a_comment: "备注", a_rate: "评价", a_report: "上报", duplicate_of: "合并到案件编号ID",
  supervise_days: "督办期限（天）", returns: "回退次数", reworks: "返工次数", escalations: "上报次数",
  first_unit: "首接单位", closed_level: "办结层级", route_by: "分派依据", suspend_asked: "处置单位申请挂账",
  merged_into: "本案已并入以下案件一并处理", photo_not_sent: "照片未能上传（案件已受理）", file_another: "再反映一件", report_title: "我要反映", track_title: "进度查询", secret: "查询码", track: "查询", receipt: "已受理，请记下编号和查询码",
  rate_title: "满意度评价", very_satisfied: "非常满意", satisfied: "满意", basically_satisfied: "基本满意",
  dissatisfied: "不满意", very_dissatisfied: "非常不满意", reopen_note: "仍未解决？说明情况后可重新打开",
  locate: "使用当前位置", hotline: "12345热线", window: "窗口受理", grid: "网格巡查", web: "群众上报", api: "接口",
  open311: "Open311", choose: "请选择", level_village: "村级", level_township: "乡镇级", level_county: "县级",
  level_city: "市级", green: "正常", yellow: "临期", red: "超时", anonymous: "可匿名，电话可不填",
  dispatched_ok: "已派遣", failed: "失败", inbox: "消息", catalog: "案件目录", categories_t: "类别与时限", rules: "分派规则", calendar: "工作日历",
  limit: "处置时限", working_hours: "工作小时", working_days: "工作日", active: "启用", auto_escalate: "超时自动上报",
  prefix: "区划代码前缀", year: "年份", import_csv: "导入 CSV（date,kind）", delete: "删除", holiday: "放假", workday: "调休上班",
  dispute: "矛盾纠纷调解", parties: "当事人", applicant: "申请人", respondent: "被申请人", other: "其他",
  mediations: "调解记录", mediator: "调解员", outcome: "结果", success: "调解成功", failure: "调解不成（上报）",
  adjourned: "择日再调", agreement: "协议内容", place: "地点", add: "添加", record: "记录", attachments: "附件", upload: "上传", a_attach: "上传附件", read_all: "全部标为已读", api_keys: "Open311 密钥",
  key_name: "客户端名称", key_shown_once: "密钥只显示这一次，请妥善保存：", revoke: "停用", revoked: "已停用", create: "新建", similar: "附近近期已有相同问题，可先查看是否已在办理：",
});
Object.assign(I18N.en, {
  cases: "Cases", new_case: "Report", queue: "Case queue", pending: "To accept/dispatch", working: "In progress",
  verify: "To verify", done: "Done", all: "All", category: "Category", overdue: "Overdue only",
  supervised: "Supervised only", mine: "My unit", keyword: "Keyword", filter: "Filter", number: "Number",
  title: "Title", state: "State", unit: "Unit", deadline: "Deadline", light: "Light", bulk_dispatch: "Dispatch selected",
  routed_unit: "As routed", description: "Description", region: "Place", reporter: "Reporter",
  reporter_phone: "Phone", priority: "Priority", normal: "Normal", urgent: "Urgent", emergency: "Emergency",
  source: "Source", submit: "Submit", timeline: "Timeline", note: "Note", a_accept: "Accept", a_reject: "Reject",
  a_merge: "Merge", a_dispatch: "Dispatch", a_sign: "Sign for", a_return: "Return", a_handle: "Report handled",
  a_escalate: "Escalate", a_suspend: "Approve suspension", a_resume: "Resume", a_verify_pass: "Verify: pass",
  a_verify_fail: "Verify: fail (rework)", a_reopen: "Reopen", a_request_suspend: "Ask to suspend",
  a_supervise: "Supervise", a_comment: "Comment", a_rate: "Rate", a_report: "Reported", duplicate_of: "Merge into case id",
  supervise_days: "Supervision deadline (days)", returns: "Returns", reworks: "Reworks", escalations: "Escalations",
  first_unit: "First unit", closed_level: "Closed at level", route_by: "Routed by", suspend_asked: "The unit asks to suspend",
  merged_into: "This case was merged into the case below", photo_not_sent: "The photo could not be sent (the case is filed)", file_another: "Report another", report_title: "Report a problem", track_title: "Track a case", secret: "Secret", track: "Track",
  receipt: "Received. Keep the number and the secret", rate_title: "How satisfied are you?",
  very_satisfied: "Very satisfied", satisfied: "Satisfied", basically_satisfied: "Basically satisfied",
  dissatisfied: "Dissatisfied", very_dissatisfied: "Very dissatisfied", reopen_note: "Not solved? Say why and reopen",
  locate: "Use my location", hotline: "Hotline", window: "Window", grid: "Grid patrol", web: "Web", api: "API",
  open311: "Open311", choose: "Choose", level_village: "Village", level_township: "Township", level_county: "County",
  level_city: "City", green: "On time", yellow: "Due soon", red: "Overdue", anonymous: "Name and phone are optional",
  dispatched_ok: "Dispatched", failed: "Failed", inbox: "Inbox", catalog: "Case catalog", categories_t: "Categories and limits", rules: "Routing rules",
  calendar: "Working-day calendar", limit: "Handling limit", working_hours: "working hours", working_days: "working days",
  active: "Active", auto_escalate: "Escalate when overdue", prefix: "Region code prefix", year: "Year",
  import_csv: "Import CSV (date,kind)", delete: "Delete", holiday: "Holiday", workday: "Working day (swapped)",
  dispute: "Dispute mediation", parties: "Parties", applicant: "Applicant", respondent: "Respondent",
  other: "Other", mediations: "Mediation sessions", mediator: "Mediator", outcome: "Outcome", success: "Agreed",
  failure: "Failed (escalate)", adjourned: "Adjourned", agreement: "Agreement", place: "Place", add: "Add", record: "Record",
  attachments: "Attachments", upload: "Upload", a_attach: "Attached", read_all: "Mark all read", api_keys: "Open311 keys",
  key_name: "Client name", key_shown_once: "The key is shown only now; keep it safe:", revoke: "Revoke", revoked: "revoked", create: "Create", similar: "Open cases of the same kind nearby — it may already be in hand:",
});

const STATE_GROUPS = {
  pending: "reported,accepted,returned,escalated",
  working: "dispatched,in_progress,suspended",
  verify: "handled",
  done: "closed,rejected",
  all: "",
};

function fmtTime(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function lightDot(light) {
  return light ? `<span class="light ${light}" title="${t(light)}"></span>` : "";
}

function stateName(c) {
  return lang === "zh" ? c.state_zh || c.state : c.state.replace("_", " ");
}

let categoryCache = null;
async function categories() {
  if (!categoryCache) categoryCache = (await api("GET", "/api/v1/case-categories")).items;
  return categoryCache;
}

async function categoryOptions(selected) {
  const all = await categories();
  const parents = all.filter((k) => !k.parent_code);
  return `<option value="">${t("choose")}</option>` + parents.map((p) => `<optgroup label="${esc(p.name)}">${
    all.filter((k) => k.parent_code === p.code && k.active).map((k) =>
      `<option value="${k.code}"${k.code === selected ? " selected" : ""}>${esc(k.name)}</option>`).join("")
  }</optgroup>`).join("");
}

function defaultGroup() {
  if (me.role === "grid_worker") return "verify";
  if (me.role === "handler") return "working";
  if (me.role === "leader") return "all";
  return "pending";
}

// ---------- the queue ----------

async function viewCases(arg, page = 1) {
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
  let html = `<div class="card"><h1>${t("queue")}</h1>
    <form id="case-filters" class="filters">
      <select id="f-group" name="g">${Object.keys(STATE_GROUPS).map((g) => `<option value="${g}"${g === group ? " selected" : ""}>${t(g)}</option>`).join("")}</select>
      <select id="f-category" name="category"><option value="">${t("category")}</option>${parents.map((p) => `<option value="${p.code}"${p.code === f.category ? " selected" : ""}>${esc(p.name)}</option>`).join("")}</select>
      <input id="f-q" name="q" placeholder="${t("keyword")}" value="${esc(f.q)}">
      <label class="check"><input type="checkbox" name="overdue" id="f-overdue"${f.overdue ? " checked" : ""}>${t("overdue")}</label>
      <label class="check"><input type="checkbox" name="supervised" id="f-supervised"${f.supervised ? " checked" : ""}>${t("supervised")}</label>
      ${me.unit_id ? `<label class="check"><input type="checkbox" name="mine" id="f-mine"${f.mine ? " checked" : ""}>${t("mine")}</label>` : ""}
      <button class="secondary" id="f-go" type="submit">${t("filter")}</button>
    </form></div>`;
  html += `<div class="card"><div class="scroll"><table id="case-table"><thead><tr>${dispatcher ? "<th></th>" : ""}<th>${t("number")}</th><th>${t("title")}</th><th>${t("state")}</th><th>${t("light")}</th><th class="hide-sm">${t("unit")}</th><th class="hide-sm">${t("deadline")}</th></tr></thead><tbody>${
    list.items.map((c) => `<tr class="case-row">${dispatcher ? `<td><input type="checkbox" class="pick" value="${c.id}"></td>` : ""}
      <td><a class="case-link" href="#/case/${c.id}">${esc(c.number)}</a></td>
      <td>${esc(c.title)}<div class="muted">${esc(c.category_name || "")} · ${esc(c.region_name || "")}</div></td>
      <td>${esc(stateName(c))}${c.supervised_by ? ` <span class="badge warn">${t("a_supervise")}</span>` : ""}</td>
      <td>${lightDot(c.light)}</td><td class="hide-sm">${esc(c.unit_name || "")}</td><td class="hide-sm">${fmtTime(c.deadline_at)}</td></tr>`).join("")
    || `<tr><td colspan="7" class="muted">${t("none")}</td></tr>`
  }</tbody></table></div>${pager(page, list.has_more, (p) => viewCases(arg, p))}`;
  if (dispatcher && list.items.length) {
    html += `<div class="bulk"><select id="bulk-unit"><option value="">${t("routed_unit")}</option></select>
      <button class="primary" id="bulk-go" type="button">${t("bulk_dispatch")}</button></div><div id="bulk-result" class="muted"></div>`;
  }
  html += `</div>`;
  app().innerHTML = html;
  $("#case-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const fd = new FormData(e.target);
    const p = new URLSearchParams();
    for (const [k, v] of fd.entries()) if (v) p.set(k, v === "on" ? "1" : v);
    if (me.unit_id && !fd.has("mine")) p.set("mine", "0");
    location.hash = `#/cases/${encodeURIComponent(p.toString())}`;
  });
  if ($("#bulk-go")) {
    unitOptions([me.scope_code]).then((opts) => ($("#bulk-unit").innerHTML += opts));
    $("#bulk-go").addEventListener("click", async () => {
      const ids = [...document.querySelectorAll("input.pick:checked")].map((i) => i.value);
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

async function unitOptions(regions) {
  const seen = new Set();
  let out = "";
  for (const code of regions) {
    if (!code || seen.has(code)) continue;
    seen.add(code);
    const units = await api("GET", `/api/v1/regions/${code}/units`).catch(() => ({ items: [] }));
    out += units.items.map((u) => `<option value="${u.id}">${esc(u.name)}</option>`).join("");
  }
  return out;
}

// ---------- one case ----------

// Which actions to offer: what the transition table allows this role in this state (the server
// checks again and answers 409 otherwise).
function offered(c) {
  const s = c.state;
  const acts = [];
  const role = me.role;
  if (role === "dispatcher" || role === "admin") {
    if (s === "reported") acts.push("accept", "reject", "merge");
    if (s === "accepted") acts.push("dispatch", "escalate", "merge");
    if (s === "returned") acts.push("dispatch", "reject", "escalate");
    if (s === "escalated") acts.push("dispatch", "escalate");
    if (s === "in_progress") acts.push("suspend", "escalate");
    if (s === "suspended") acts.push("resume");
    if (s === "handled") acts.push("verify_pass", "verify_fail");
  }
  if (role === "handler" && me.unit_id && me.unit_id === c.unit_id) {
    if (s === "dispatched") acts.push("sign", "return");
    if (s === "in_progress") acts.push("handle", "escalate", "request_suspend");
  }
  if (role === "grid_worker" && s === "handled") acts.push("verify_pass", "verify_fail");
  if ((role === "leader" || role === "admin") && !["closed", "rejected"].includes(s)) acts.push("supervise");
  if (["dispatcher", "agent", "admin"].includes(role) && s === "closed" && !c.satisfaction) acts.push("rate");
  if (role !== "resident") acts.push("comment");
  return acts;
}

async function viewCase(id) {
  const d = await api("GET", `/api/v1/cases/${id}`);
  const c = d.case;
  const acts = offered(c);
  let html = crumbs([{ name: t("cases"), href: "#/cases" }, { name: c.number }]) + `<div class="card">
    <h1 id="case-title">${esc(c.title)}</h1>
    <div class="muted">${esc(c.number)} · ${esc(c.category_name || c.category_code)} · ${t(c.priority)}</div>
    <div class="stats"><div class="stat"><span class="muted">${t("state")}</span><b id="case-state">${esc(stateName(c))}</b></div>
      <div class="stat"><span class="muted">${t("deadline")}</span><b>${lightDot(c.light)} ${fmtTime(c.deadline_at) || "—"}</b></div>
      <div class="stat"><span class="muted">${t("unit")}</span><b id="case-unit">${esc(c.unit_name || "—")}</b></div>
      <div class="stat"><span class="muted">${t("level")}</span><b>${t("level_" + c.level)}</b></div></div>
    ${c.suspend_requested ? `<p class="badge warn">${t("suspend_asked")}</p>` : ""}
    <dl class="kv">
      <dt>${t("description")}</dt><dd>${esc(c.description)}</dd>
      <dt>${t("address")}</dt><dd>${esc(c.address)}</dd>
      <dt>${t("region")}</dt><dd>${esc(c.region_name || c.region_code)}</dd>
      <dt>${t("reporter")}</dt><dd>${esc(c.reporter_name || "—")} <span id="reporter-phone">${esc(c.reporter_phone || "")}</span>
        ${c.reporter_phone && can("reveal_contacts") ? `<button id="reveal-contacts" class="link" type="button">${t("reveal")}</button>` : ""}</dd>
      <dt>${t("source")}</dt><dd>${t(c.source)}</dd>
      <dt>${t("route_by")}</dt><dd>${esc(c.route_by)}</dd>
      <dt>${t("returns")} / ${t("reworks")} / ${t("escalations")}</dt><dd>${c.returns} / ${c.reworks} / ${c.escalations}</dd>
      ${c.closed_level ? `<dt>${t("closed_level")}</dt><dd>${t("level_" + c.closed_level)}</dd>` : ""}
      ${c.satisfaction ? `<dt>${t("rate_title")}</dt><dd>${t(c.satisfaction)}</dd>` : ""}
      ${c.supervise_deadline ? `<dt>${t("a_supervise")}</dt><dd>${fmtTime(c.supervise_deadline)}</dd>` : ""}
    </dl></div>`;
  if (acts.length) {
    html += `<div class="card"><form id="case-actions">
      <label>${t("note")}<textarea id="act-note" name="note" rows="2"></textarea></label>
      ${acts.includes("dispatch") ? `<label>${t("unit")}<select id="act-unit" name="unit_id"><option value="">${t("routed_unit")}</option></select></label>` : ""}
      ${acts.includes("merge") ? `<label>${t("duplicate_of")}<input id="act-dup" name="duplicate_of"></label>` : ""}
      ${acts.includes("rate") ? `<label>${t("rate_title")}<select id="act-sat">${["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"].map((v) => `<option value="${v}">${t(v)}</option>`).join("")}</select></label>` : ""}
      ${acts.includes("supervise") ? `<label>${t("supervise_days")}<input id="act-days" name="deadline" type="number" min="1" value="3"></label>` : ""}
      <div class="actions">${acts.map((a) => `<button type="button" class="${a === "comment" ? "secondary" : "primary"} act" id="act-${a}" data-action="${a}">${t("a_" + a)}</button>`).join("")}</div>
    </form></div>`;
  }
  if (c.dispute) html += `<div class="card" id="dispute-card"></div>`;
  html += `<div class="card"><h2>${t("attachments")}</h2><ul class="list" id="attachments">${d.attachments.map((f) =>
    `<li><a href="/api/v1/attachments/${f.id}" target="_blank" rel="noopener">${esc(f.name)}</a><span class="muted">${Math.ceil(f.size / 1024)} KB · ${esc(f.uploaded_by)}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`}</ul>
    ${can("file_cases") ? `<form id="att-form" class="actions"><input type="file" id="att-file" accept="image/jpeg,image/png,image/webp,application/pdf" capture="environment">
      <button class="secondary" id="att-upload" type="submit">${t("upload")}</button></form>` : ""}</div>`;
  html += `<div class="card"><h2>${t("timeline")}</h2><ul class="list" id="timeline">${d.events.map((e) => `<li><span><b>${t("a_" + e.action)}</b> ${esc(e.unit_name || "")}
    <span class="muted">${esc(e.note)}</span></span><span class="muted">${esc(e.actor_name)} · ${fmtTime(e.at)}</span></li>`).join("")}</ul></div>`;
  app().innerHTML = html;
  if ($("#act-unit")) {
    unitOptions([c.level_code, c.region_code, me.scope_code]).then((o) => ($("#act-unit").innerHTML += o));
  }
  if (c.dispute) disputeCard(c, id);
  // Full phones to call back: each read is written to the audit log.
  $("#reveal-contacts")?.addEventListener("click", async () => {
    const full = await api("POST", `/api/v1/cases/${c.id}/reveal`);
    $("#reporter-phone").innerHTML = full.reporter_phone ? `<a href="tel:${esc(full.reporter_phone)}">${esc(full.reporter_phone)}</a>` : "";
    $("#reveal-contacts").remove();
  });
  $("#att-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = $("#att-file").files[0];
    if (!file) return;
    try {
      await api("POST", `/api/v1/cases/${c.id}/attachments?name=${encodeURIComponent(file.name)}`, undefined, file);
      await viewCase(id);
    } catch (err) {
      showError(e.target, err);
    }
  });
  document.querySelectorAll("button.act").forEach((b) => b.addEventListener("click", async () => {
    const form = $("#case-actions");
    const body = { action: b.dataset.action, note: $("#act-note").value, version: c.version };
    if (b.dataset.action === "dispatch" && $("#act-unit").value) body.unit_id = $("#act-unit").value;
    if (b.dataset.action === "merge") body.duplicate_of = $("#act-dup").value;
    if (b.dataset.action === "rate") body.satisfaction = $("#act-sat").value;
    if (b.dataset.action === "supervise") body.deadline = Date.now() + Number($("#act-days").value || 3) * 86400000;
    try {
      await api("POST", `/api/v1/cases/${c.id}/actions`, body);
      toast(t("a_" + b.dataset.action));
      await viewCase(id);
    } catch (err) {
      showError(form, err);
    }
  }));
}

// Shows open cases the one being filed may duplicate, under the form.
async function showSimilar(box, query, publicSide) {
  if (!query.category_code || (!query.region_code && !query.grid_code)) {
    box.innerHTML = "";
    return;
  }
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const path = `/api/v1/${publicSide ? "public/" : ""}cases/similar?${qs}`;
  const r = await (publicSide ? publicApi("GET", path) : api("GET", path)).catch(() => ({ items: [] }));
  box.innerHTML = r.items.length ? `<p class="badge warn">${t("similar")}</p><ul class="list">${r.items.map((c) =>
    `<li><span>${publicSide ? esc(c.number) : `<a href="#/case/${c.id}">${esc(c.number)}</a> ${esc(c.title)}`}</span>
     <span class="muted">${esc(c.state_zh || c.state)} · ${fmtTime(c.created_at)}</span></li>`).join("")}</ul>` : "";
}

// The parties and mediation sessions of a dispute, with forms to add them.
async function disputeCard(c, id) {
  const [d, pool] = await Promise.all([api("GET", `/api/v1/cases/${c.id}/dispute`), api("GET", "/api/v1/mediators")]);
  const mediating = c.state === "in_progress" && (me.role === "grid_worker" || (me.role === "handler" && me.unit_id === c.unit_id));
  $("#dispute-card").innerHTML = `<h2>${t("dispute")}</h2>
    <h3>${t("parties")}</h3><ul class="list" id="party-list">${d.parties.map((p) => `<li><span>${esc(p.name)}</span><span class="muted">${t(p.side)} ${esc(p.phone || "")}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`}</ul>
    ${can("file_cases") ? `<form id="party-form" class="grid"><label>${t("name")}<input name="name" required></label>
      <label>${t("phone")}<input name="phone" inputmode="tel"></label>
      <label>${t("parties")}<select name="side"><option value="applicant">${t("applicant")}</option><option value="respondent">${t("respondent")}</option><option value="other">${t("other")}</option></select></label>
      <button class="secondary" type="submit">${t("add")}</button></form>` : ""}
    <h3>${t("mediations")}</h3><ul class="list" id="session-list">${d.sessions.map((x) => `<li><span>${t(x.outcome)} ${esc(x.agreement || x.note)}</span><span class="muted">${esc(x.mediator_name || "")} · ${fmtTime(x.held_at)}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`}</ul>
    ${mediating ? `<form id="mediation-form" class="stack">
      <label>${t("mediator")}<select name="mediator_id"><option value="">${t("choose")}</option>${pool.items.map((m) => `<option value="${m.id}">${esc(m.name)} (${esc(m.tags)})</option>`).join("")}</select></label>
      <label>${t("place")}<input name="place"></label>
      <label>${t("outcome")}<select name="outcome"><option value="adjourned">${t("adjourned")}</option><option value="success">${t("success")}</option><option value="failure">${t("failure")}</option></select></label>
      <label>${t("agreement")}<textarea name="agreement" rows="2"></textarea></label>
      <label>${t("note")}<input name="note"></label>
      <button class="primary" type="submit">${t("record")}</button></form>` : ""}`;
  $("#party-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", `/api/v1/cases/${c.id}/parties`, Object.fromEntries(new FormData(e.target).entries()));
      await disputeCard(c, id);
    } catch (err) {
      showError(e.target, err);
    }
  });
  $("#mediation-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(e.target).entries());
    if (!body.mediator_id) delete body.mediator_id;
    try {
      await api("POST", `/api/v1/cases/${c.id}/mediations`, body);
      await viewCase(id);
    } catch (err) {
      showError(e.target, err);
    }
  });
}

// ---------- staff intake ----------

async function viewNewCase() {
  const sources = me.role === "agent" || me.role === "dispatcher" || me.role === "admin"
    ? `<label>${t("source")}<select name="source"><option value="hotline">${t("hotline")}</option><option value="window">${t("window")}</option><option value="api">${t("api")}</option></select></label>` : "";
  app().innerHTML = `<div class="card"><h1>${t("new_case")}</h1><form id="case-form" class="stack">
    <label>${t("category")}<select name="category_code" id="c-category" required>${await categoryOptions()}</select></label>
    <label>${t("title")}<input name="title" id="c-title"></label>
    <label>${t("description")}<textarea name="description" id="c-description" rows="3" required></textarea></label>
    <label>${t("address")}<input name="address" id="c-address"></label>
    <label>${t("region")}<input name="region_code" id="c-region" value="${esc(me.grid_code ? "" : me.scope_code)}" inputmode="numeric"></label>
    <label>${t("grid_code")}<input name="grid_code" id="c-grid" value="${esc(me.grid_code || "")}" inputmode="numeric"></label>
    <label>${t("priority")}<select name="priority"><option value="">${t("choose")}</option><option value="normal">${t("normal")}</option><option value="urgent">${t("urgent")}</option><option value="emergency">${t("emergency")}</option></select></label>
    <label>${t("reporter")}<input name="reporter_name"></label>
    <label>${t("reporter_phone")}<input name="reporter_phone" inputmode="tel"></label>
    ${sources}
    <input type="hidden" name="lat"><input type="hidden" name="lng">
    <div id="similar"></div>
    <div class="actions"><button type="button" class="secondary" id="c-locate">${t("locate")}</button>
    <button class="primary" id="c-submit" type="submit">${t("submit")}</button></div>
  </form></div>`;
  const hint = () => {
    const f = $("#case-form");
    showSimilar($("#similar"), { category_code: f.category_code.value, region_code: f.region_code.value, grid_code: f.grid_code.value, lat: f.lat.value, lng: f.lng.value }, false);
  };
  ["c-category", "c-region", "c-grid"].forEach((id) => $("#" + id).addEventListener("change", hint));
  hint();
  $("#c-locate").addEventListener("click", () => navigator.geolocation?.getCurrentPosition((pos) => {
    const f = $("#case-form");
    f.lat.value = pos.coords.latitude;
    f.lng.value = pos.coords.longitude;
    toast(`${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)}`);
  }));
  $("#case-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = Object.fromEntries(new FormData(f).entries());
    body.lat = body.lat ? Number(body.lat) : null;
    body.lng = body.lng ? Number(body.lng) : null;
    try {
      const c = await api("POST", "/api/v1/cases", body);
      toast(`${c.number} · ${t("secret")} ${c.secret}`);
      location.hash = `#/case/${c.id}`;
    } catch (err) {
      showError(f, err);
    }
  });
}

// ---------- public pages ----------

async function publicApi(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json", "Idempotency-Key": publicApi.key, "X-Form-Nonce": publicApi.nonce } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({ message: res.statusText }));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function publicShell(title, inner) {
  $("#usernav").innerHTML = `<a href="#/login">${t("login")}</a>`;
  app().innerHTML = `<div class="card narrow"><h1>${title}</h1>${inner}</div>`;
}

// A cascade of selects from the top region down to a village.
async function placePicker(box) {
  const level = async (code, depth) => {
    const kids = (await publicApi("GET", `/api/v1/public/regions/${code}/children`)).items;
    [...box.querySelectorAll("select")].slice(depth).forEach((s) => s.remove());
    if (!kids.length) return;
    const sel = document.createElement("select");
    sel.className = "place";
    sel.id = `place-${depth}`;
    sel.innerHTML = `<option value="">${t("choose")}</option>` + kids.map((k) => `<option value="${k.code}">${esc(k.name)}</option>`).join("");
    box.appendChild(sel);
    sel.addEventListener("change", () => sel.value && level(sel.value, depth + 1));
    if (kids.length === 1) {
      sel.value = kids[0].code;
      await level(kids[0].code, depth + 1);
    }
  };
  await level("root", 0);
}

function pickedPlace(box) {
  const vals = [...box.querySelectorAll("select")].map((s) => s.value).filter(Boolean);
  return vals[vals.length - 1] || "";
}

async function viewReport() {
  publicApi.key = "web-" + Math.random().toString(36).slice(2) + Date.now();
  publicApi.nonce = (await publicApi("GET", "/api/v1/public/form-nonce")).nonce;
  publicShell(t("report_title"), `<form id="report-form" class="stack">
    <label>${t("category")}<select name="category_code" id="r-category" required>${await categoryOptions()}</select></label>
    <label>${t("description")}<textarea name="description" id="r-description" rows="4" required></textarea></label>
    <label>${t("region")}<span id="r-place" class="places"></span></label>
    <label>${t("address")}<input name="address" id="r-address"></label>
    <label>${t("attachments")}<input type="file" id="r-photo" accept="image/jpeg,image/png,image/webp" capture="environment"></label>
    <p class="muted">${t("anonymous")}</p>
    <label>${t("reporter")}<input name="reporter_name" id="r-name"></label>
    <label>${t("reporter_phone")}<input name="reporter_phone" id="r-phone" inputmode="tel"></label>
    <div id="similar"></div>
    <button class="primary" id="r-submit" type="submit">${t("submit")}</button></form>`);
  await placePicker($("#r-place"));
  const hint = () => showSimilar($("#similar"), { category_code: $("#r-category").value, region_code: pickedPlace($("#r-place")) }, true);
  $("#r-category").addEventListener("change", hint);
  $("#r-place").addEventListener("change", hint);
  $("#report-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = Object.fromEntries(new FormData(f).entries());
    body.region_code = pickedPlace($("#r-place"));
    try {
      const r = await publicApi("POST", "/api/v1/public/cases", body);
      const photo = $("#r-photo").files[0];
      // A photo that could not be sent is said so on the receipt, never dropped silently.
      let photoNote = "";
      if (photo) {
        const why = await fetch(`/api/v1/public/cases/${encodeURIComponent(r.number)}/attachments?secret=${r.secret}&name=${encodeURIComponent(photo.name)}`,
          { method: "POST", headers: { "Content-Type": photo.type }, body: photo })
          .then(async (res) => (res.ok ? "" : (await res.json().catch(() => ({}))).message || res.status))
          .catch((e) => e.message || String(e));
        if (why) photoNote = `<p class="error" id="receipt-photo">${t("photo_not_sent")}：${esc(String(why))}</p>`;
      }
      publicShell(t("receipt"), `<dl class="kv" id="receipt"><dt>${t("number")}</dt><dd id="receipt-number">${esc(r.number)}</dd>
        <dt>${t("secret")}</dt><dd id="receipt-secret">${esc(r.secret)}</dd></dl>${photoNote}
        <p><a id="receipt-track" href="#/track/${encodeURIComponent(r.number + "~" + r.secret)}">${t("track_title")}</a>
        · <a id="receipt-again" href="#/report">${t("file_another")}</a></p>`);
      $("#receipt-again").addEventListener("click", (e) => {
        e.preventDefault();
        viewReport();
      });
    } catch (err) {
      showError(f, err);
    }
  });
}


/** A public timeline: each step, and what the unit reported or why the case was rejected. */
function trackEvents(events) {
  return events.map((e) => `<li><span>${t("a_" + e.action)} ${esc(e.unit_name || "")}${e.note ? `<br><span class="track-note">${esc(e.note)}</span>` : ""}</span><span class="muted">${fmtTime(e.at)}</span></li>`).join("");
}
async function viewTrack(arg) {
  const [number, secret] = decodeURIComponent(arg || "").split("~");
  publicShell(t("track_title"), `<form id="track-form" class="grid">
    <label>${t("number")}<input name="number" id="t-number" value="${esc(number || "")}" required></label>
    <label>${t("secret")}<input name="secret" id="t-secret" value="${esc(secret || "")}" required></label>
    <button class="primary" id="t-go" type="submit">${t("track")}</button></form><div id="track-result"></div>`);
  const show = async (n, s) => {
    const box = $("#track-result");
    try {
      const c = await publicApi("GET", `/api/v1/public/cases/${encodeURIComponent(n)}?secret=${encodeURIComponent(s)}`);
      let html = `<div class="stats"><div class="stat"><span class="muted">${t("state")}</span><b id="track-state">${esc(stateName(c))}</b></div>
        <div class="stat"><span class="muted">${t("unit")}</span><b>${esc(c.unit_name || "—")}</b></div>
        <div class="stat"><span class="muted">${t("category")}</span><b>${esc(c.category_name || "")}</b></div></div>
        <ul class="list" id="track-events">${trackEvents(c.events)}</ul>`;
      if (c.merged_into) {
        const m = c.merged_into;
        html += `<div class="card" id="track-merged"><p>${t("merged_into")}：<b>${esc(m.number)}</b> · ${esc(stateName(m))}</p>
          <ul class="list">${trackEvents(m.events)}</ul></div>`;
      }
      if (c.state === "closed" && !c.satisfaction) {
        html += `<h2>${t("rate_title")}</h2><div class="actions" id="rate-buttons">${["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"].map((v) => `<button type="button" class="secondary rate" data-v="${v}">${t(v)}</button>`).join("")}</div>`;
      } else if (c.satisfaction) {
        html += `<p id="track-rated">${t("rate_title")}：<b>${t(c.satisfaction)}</b></p>`;
      }
      if (c.state === "closed") {
        html += `<form id="reopen-form" class="stack"><label>${t("reopen_note")}<input name="note" id="reopen-note"></label>
          <button class="secondary" type="submit">${t("a_reopen")}</button></form>`;
      }
      box.innerHTML = html;
      const act = async (body, form) => {
        try {
          await publicApi("POST", `/api/v1/public/cases/${encodeURIComponent(n)}/actions`, { secret: s, ...body });
          await show(n, s);
        } catch (err) {
          if (form) showError(form, err);
          else toast(err.message);
        }
      };
      box.querySelectorAll("button.rate").forEach((b) => b.addEventListener("click", () => act({ action: "rate", satisfaction: b.dataset.v })));
      $("#reopen-form")?.addEventListener("submit", (e) => {
        e.preventDefault();
        act({ action: "reopen", note: e.target.note.value }, e.target);
      });
    } catch (err) {
      box.innerHTML = `<p class="error">${esc(err.status === 404 ? t("not_found") : err.message)}</p>`;
    }
  };
  $("#track-form").addEventListener("submit", (e) => {
    e.preventDefault();
    show(e.target.number.value.trim(), e.target.secret.value.trim());
  });
  if (number && secret) await show(number, secret);
}

// ---------- inbox ----------

async function viewInbox(arg, page = 1) {
  const r = await api("GET", `/api/v1/inbox?page=${page}`);
  app().innerHTML = `<div class="card"><h1>${t("inbox")}</h1>
    <button class="secondary" id="inbox-read-all" type="button">${t("read_all")}</button>
    <ul class="list" id="inbox-list">${r.items.map((n) => `<li class="${n.read ? "muted" : "unread"}"><span>${n.case_id ? `<a href="#/case/${n.case_id}" data-id="${n.id}" class="inbox-link">${esc(n.text)}</a>` : esc(n.text)}</span>
      <span class="muted">${fmtTime(n.at)}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`}</ul>
    ${pager(page, r.has_more, (p) => viewInbox(arg, p))}</div>`;
  $("#inbox-read-all").addEventListener("click", async () => {
    await api("POST", "/api/v1/inbox/read-all");
    renderNav();
    viewInbox(arg, page);
  });
  document.querySelectorAll("a.inbox-link").forEach((a) => a.addEventListener("click", () => {
    api("POST", `/api/v1/inbox/${a.dataset.id}/read`).catch(() => {});
  }));
}

// ---------- Open311 API keys (administrators) ----------

async function viewApiKeys() {
  const r = await api("GET", "/api/v1/api-keys");
  app().innerHTML = `<div class="card"><h1>${t("api_keys")}</h1>
    <form id="key-form" class="grid"><label>${t("key_name")}<input name="name" id="key-name" required></label>
      <label>${t("scope")}<input name="scope" id="key-scope" value="${esc(me.scope_code)}" inputmode="numeric"></label>
      <button class="primary" id="key-create" type="submit">${t("create")}</button></form>
    <div id="key-new"></div>
    <table id="key-table"><thead><tr><th>${t("key_name")}</th><th>${t("scope")}</th><th>${t("time")}</th><th></th></tr></thead><tbody>${
      r.items.map((k) => `<tr><td>${esc(k.name)}</td><td>${esc(k.scope_code)}</td><td>${fmtTime(k.created_at)}</td>
        <td>${k.revoked ? t("revoked") : `<button class="secondary revoke" data-id="${k.id}" type="button">${t("revoke")}</button>`}</td></tr>`).join("")
    }</tbody></table></div>`;
  $("#key-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const k = await api("POST", "/api/v1/api-keys", { name: e.target.name.value, scope: e.target.scope.value });
      await viewApiKeys();
      $("#key-new").innerHTML = `<p>${t("key_shown_once")}</p><pre id="key-value">${esc(k.key)}</pre>`;
    } catch (err) {
      showError(e.target, err);
    }
  });
  document.querySelectorAll("button.revoke").forEach((b) => b.addEventListener("click", async () => {
    await api("DELETE", `/api/v1/api-keys/${b.dataset.id}`);
    viewApiKeys();
  }));
}

// ---------- the catalog (administrators) ----------

async function viewCatalog() {
  const year = new Date().getFullYear();
  const [all, rules, cal] = await Promise.all([categories(), api("GET", "/api/v1/routing-rules"), api("GET", `/api/v1/calendar/${year}`)]);
  const subs = all.filter((k) => k.parent_code);
  app().innerHTML = `<div class="card"><h1>${t("catalog")}</h1><h2>${t("categories_t")}</h2>
    <form id="cat-form" class="grid">
      <label>${t("category")}<select name="code" id="cat-code">${subs.map((k) => `<option value="${k.code}">${k.code} ${esc(k.name)}</option>`).join("")}</select></label>
      <label>${t("priority")}<select name="priority"><option value="normal">${t("normal")}</option><option value="urgent">${t("urgent")}</option><option value="emergency">${t("emergency")}</option></select></label>
      <label>${t("limit")}<input name="limit_value" type="number" min="1"></label>
      <label>&nbsp;<select name="limit_unit"><option value="working_days">${t("working_days")}</option><option value="working_hours">${t("working_hours")}</option></select></label>
      <label>${t("a_dispatch")} (${t("working_hours")})<input name="dispatch_hours" type="number" min="1"></label>
      <label>${t("a_sign")} (${t("working_hours")})<input name="sign_hours" type="number" min="1"></label>
      <label>${t("verify")} (${t("working_hours")})<input name="verify_hours" type="number" min="1"></label>
      <label class="check"><input type="checkbox" name="auto_escalate">${t("auto_escalate")}</label>
      <label class="check"><input type="checkbox" name="active">${t("active")}</label>
      <button class="primary" type="submit">${t("save")}</button></form></div>
    <div class="card"><h2>${t("rules")}</h2><table id="rule-table"><tbody>${rules.items.map((r) => `<tr><td>${esc(r.subcategory)}</td><td>${esc(r.region_prefix || "*")}</td><td>${esc(r.unit_name || r.unit_id)}</td>
      <td><button class="secondary rule-del" data-id="${r.id}" type="button">${t("delete")}</button></td></tr>`).join("") || `<tr><td class="muted">${t("none")}</td></tr>`}</tbody></table>
      <form id="rule-form" class="grid"><label>${t("category")}<select name="subcategory">${subs.map((k) => `<option value="${k.code}">${k.code} ${esc(k.name)}</option>`).join("")}</select></label>
      <label>${t("prefix")}<input name="region_prefix" inputmode="numeric"></label>
      <label>${t("unit")}<select name="unit_id" id="rule-unit"></select></label>
      <button class="primary" type="submit">${t("add")}</button></form></div>
    <div class="card"><h2>${t("calendar")} ${year}</h2><ul class="list" id="cal-list">${cal.items.map((d) => `<li><span>${d.date}</span><span class="muted">${t(d.kind)}</span></li>`).join("") || `<li class="muted">${t("none")}</li>`}</ul>
      <form id="cal-form" class="grid"><label>${t("year")}<input name="year" type="number" value="${year}"></label>
      <label>${t("import_csv")}<input type="file" name="file" id="cal-file" accept=".csv,text/csv"></label>
      <button class="primary" type="submit">${t("import_csv")}</button></form></div>`;
  const f = $("#cat-form");
  const fill = () => {
    const k = subs.find((x) => x.code === f.code.value);
    f.priority.value = k.priority;
    f.limit_value.value = k.limit_value;
    f.limit_unit.value = k.limit_unit;
    f.auto_escalate.checked = k.auto_escalate;
    for (const n of ["dispatch_hours", "sign_hours", "verify_hours"]) f[n].value = k[n] ?? "";
    f.active.checked = k.active;
  };
  f.code.addEventListener("change", fill);
  fill();
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const k = subs.find((x) => x.code === f.code.value);
    const body = { ...k, priority: f.priority.value, limit_value: Number(f.limit_value.value), limit_unit: f.limit_unit.value,
      auto_escalate: f.auto_escalate.checked, active: f.active.checked };
    for (const n of ["dispatch_hours", "sign_hours", "verify_hours"]) body[n] = f[n].value ? Number(f[n].value) : null;
    try {
      await api("PUT", `/api/v1/case-categories/${k.code}`, body);
      categoryCache = null;
      toast(t("created"));
      await viewCatalog();
    } catch (err) {
      showError(f, err);
    }
  });
  unitOptions([me.scope_code]).then((o) => ($("#rule-unit").innerHTML = o));
  $("#rule-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/api/v1/routing-rules", Object.fromEntries(new FormData(e.target).entries()));
      await viewCatalog();
    } catch (err) {
      showError(e.target, err);
    }
  });
  document.querySelectorAll("button.rule-del").forEach((b) => b.addEventListener("click", async () => {
    await api("DELETE", `/api/v1/routing-rules/${b.dataset.id}`);
    viewCatalog();
  }));
  $("#cal-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = $("#cal-file").files[0];
    if (!file) return;
    try {
      const r = await api("POST", `/api/v1/calendar/${e.target.year.value}`, undefined, file);
      toast(`${t("imported")} ${r.imported}`);
      await viewCatalog();
    } catch (err) {
      showError(e.target, err);
    }
  });
}

Object.assign(VIEWS, { catalog: viewCatalog, inbox: viewInbox, "api-keys": viewApiKeys, cases: viewCases, case: viewCase, "new-case": viewNewCase, report: viewReport, track: viewTrack });
PUBLIC.add("report");
PUBLIC.add("track");
