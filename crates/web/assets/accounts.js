// Logging in (and, for administrators, the audit log).
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, session, can } from "./core/api.js";
import { $, app, onSubmit, pager } from "./core/ui.js";
import { view, nav, route } from "./core/router.js";

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
    document.dispatchEvent(new CustomEvent("tc:login", { detail: session.me }));
    // Already at #/ (an installed app starts there): no hashchange would draw the landing.
    if (location.hash === "#/" || location.hash === "") route();
    else location.hash = "#/";
  });
}

async function viewAudit(_arg, page = 1) {
  const log = await api("GET", `/api/v1/audit?page=${page}&page_size=50`);
  render(app(), html`<div class="card"><h2>${t("audit")}</h2><div class="scroll"><table><thead><tr><th>${t("time")}</th><th>${t("user")}</th>
    <th>${t("action")}</th><th>${t("target")}</th></tr></thead><tbody>${log.items.map((e) => html`<tr><td>${new Date(e.at).toLocaleString()}</td>
    <td>${e.username}</td><td>${e.action}</td><td>${e.target_type} ${e.target_id} ${e.detail}</td></tr>`)}</tbody></table></div>
    ${pager(page, log.has_more, (p) => viewAudit(null, p))}</div>`);
}

view("login", viewLogin);
view("audit", viewAudit);
nav("nav-audit", "#/audit", "audit", () => can("manage_accounts"));
