// Logging in (and, for administrators, the audit log).
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, session, loggedIn } from "./core/api.js";
import { $, app, fmtTime, onSubmit, pager } from "./core/ui.js";
import { view, route } from "./core/router.js";

strings(
  {
    login: "登录", username: "用户名", password: "密码", login_title: "登录统筹", audit: "审计日志", action: "操作",
    time: "时间", user: "用户", target: "对象",
  },
  {
    login: "Log in", username: "Username", password: "Password", login_title: "Log in to Tongchou", audit: "Audit log",
    action: "Action", time: "Time", user: "User", target: "Target",
  },
);

function viewLogin() {
  $("#search-form").hidden = true;
  render("#usernav", "");
  render(app(), html`<div class="card login"><h1>${t("login_title")}</h1>
    <form id="login-form">
      <label>${t("username")}<input id="username" name="username" autocomplete="username" required></label>
      <label>${t("password")}<input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <button id="login-btn" class="primary" type="submit">${t("login")}</button>
    </form></div>
    <div class="card login public-links"><a id="go-report" href="#/report">${t("report_title")}</a> · <a id="go-track" href="#/track">${t("track_title")}</a></div>`);
  onSubmit("#login-form", async (f) => {
    session.me = await api("POST", "/api/v1/auth/login", { username: f.username.value, password: f.password.value });
    await loggedIn(session.me);
    // Already at #/ (an installed app starts there): no hashchange would draw the landing.
    if (location.hash === "#/" || location.hash === "") route();
    else location.hash = "#/";
  });
}

// The audit log's actions and targets by name (codes the server writes).
const ACTIONS = ["login", "login_failed", "logout", "create", "update", "delete", "reveal_pii", "export", "import",
  "reset_password", "change_password", "user.disable", "user.enable", "unlock_user", "revoke", "visit.record",
  "patrol.start", "patrol.end", "add_party", "mediation", "resend_receipt", "follow"];
strings(
  {
    au_login: "登录", au_login_failed: "登录失败", au_logout: "退出", au_create: "新建", au_update: "修改", au_delete: "删除",
    au_reveal_pii: "查看完整信息", au_export: "导出", au_import: "导入", au_reset_password: "重置密码", au_change_password: "修改密码",
    "au_user.disable": "停用账号", "au_user.enable": "启用账号", au_unlock_user: "解除锁定", au_revoke: "停用密钥",
    "au_visit.record": "记录走访", "au_patrol.start": "开始巡查", "au_patrol.end": "结束巡查", au_add_party: "添加当事人",
    au_mediation: "调解记录", au_resend_receipt: "重发查询码短信", au_follow: "群众关注案件", tt_user: "账号", tt_person: "人员", tt_household: "住户", tt_grid: "网格", tt_region: "区划",
    tt_registry: "人口登记", tt_case: "案件", tt_api_key: "接口密钥", tt_category: "案件类别", tt_routing_rule: "分派规则",
    tt_calendar: "工作日历", tt_setting: "设置", tt_mediator: "调解员", tt_patrol: "巡查", tt_regions: "区划", any: "全部",
    from_date: "从", to_date: "到", actor: "操作人", target_id: "对象编号",
  },
  {
    au_login: "Logged in", au_login_failed: "Failed login", au_logout: "Logged out", au_create: "Created", au_update: "Changed",
    au_delete: "Deleted", au_reveal_pii: "Showed in full", au_export: "Exported", au_import: "Imported",
    au_reset_password: "Reset a password", au_change_password: "Changed own password", "au_user.disable": "Disabled an account",
    "au_user.enable": "Enabled an account", au_unlock_user: "Unlocked an account", au_revoke: "Revoked a key",
    "au_visit.record": "Recorded a visit", "au_patrol.start": "Started a patrol", "au_patrol.end": "Ended a patrol",
    au_add_party: "Added a party", au_mediation: "Recorded a mediation", au_resend_receipt: "Sent a tracking secret again", au_follow: "A resident followed a case",
    tt_user: "account", tt_person: "person",
    tt_household: "household", tt_grid: "grid", tt_region: "region", tt_registry: "registry", tt_case: "case",
    tt_api_key: "API key", tt_category: "case category", tt_routing_rule: "routing rule", tt_calendar: "calendar",
    tt_setting: "setting", tt_mediator: "mediator", tt_patrol: "patrol", tt_regions: "regions", any: "Any",
    from_date: "From", to_date: "To", actor: "Who", target_id: "Target id",
  },
);
const label = (prefix, code) => (t(prefix + code) === prefix + code ? code : t(prefix + code));

async function viewAudit(arg, page = 1) {
  const p = new URLSearchParams(arg ? decodeURIComponent(arg) : "");
  // A day starts at midnight in the deployment's time zone, as the server counts days.
  const day = (d) => (d ? Date.parse(d + "T00:00:00Z") - (session.me.utc_offset_minutes ?? 480) * 60000 : 0);
  const qs = new URLSearchParams({ page, page_size: 50 });
  for (const k of ["actor", "action", "target"]) if (p.get(k)) qs.set(k, p.get(k));
  if (p.get("from")) qs.set("from", day(p.get("from")));
  if (p.get("to")) qs.set("to", day(p.get("to")) + 86400000);
  const log = await api("GET", `/api/v1/audit?${qs}`);
  render(app(), html`<div class="card"><h2>${t("audit")}</h2>
    <form id="audit-filters" class="filters">
      <input name="actor" id="au-actor" placeholder="${t("actor")}" value="${p.get("actor") || ""}">
      <select name="action" id="au-action"><option value="">${t("any")}</option>${ACTIONS.map((a) => html`<option value="${a}" ${p.get("action") === a ? html`selected` : ""}>${label("au_", a)}</option>`)}</select>
      <input name="target" id="au-target" placeholder="${t("target_id")}" value="${p.get("target") || ""}">
      <label class="check">${t("from_date")}<input type="date" name="from" value="${p.get("from") || ""}"></label>
      <label class="check">${t("to_date")}<input type="date" name="to" value="${p.get("to") || ""}"></label>
      <button class="secondary" id="au-go" type="submit">${t("filter")}</button></form>
    <div class="scroll"><table id="audit-table"><thead><tr><th>${t("time")}</th><th>${t("user")}</th>
    <th>${t("action")}</th><th>${t("target")}</th></tr></thead><tbody>${log.items.map((e) => html`<tr><td>${fmtTime(e.at)}</td>
    <td>${e.username}</td><td>${label("au_", e.action)}</td><td>${label("tt_", e.target_type)} ${e.target_name ? html`<b>${e.target_name}</b> <span class="muted">${e.target_id}</span>` : e.target_id} <span class="muted">${e.detail}</span></td></tr>`)}</tbody></table></div>
    ${pager(page, log.has_more, (n) => viewAudit(arg, n))}</div>`);
  onSubmit("#audit-filters", async (f) => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(f).entries()) if (v) q.set(k, v);
    location.hash = `#/audit/${encodeURIComponent(q.toString())}`;
  });
}

view("login", viewLogin);
view("audit", viewAudit);
