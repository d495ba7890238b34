// Accounts in the browser: an administrator lists, creates, disables, enables and resets the
// accounts of its scope; everyone changes their own password (first of all when it is temporary).
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, can, session } from "./core/api.js";
import { $, app, onClick, onSubmit, pager, toast } from "./core/ui.js";
import { view, nav } from "./core/router.js";
import { pickerField, wirePickers } from "./core/picker.js";
import { unitOptions } from "./cases/shared.js";

const ROLES = ["resident", "grid_worker", "agent", "dispatcher", "handler", "leader", "party_officer", "admin"];

strings(
  {
    accounts: "账号管理", new_account: "新建账号", display_name: "显示名称", role: "角色", temp_password: "临时密码（首次登录须修改）",
    disable: "停用", enable: "启用", reset_password: "重置密码", disabled: "已停用", locked: "已锁定", must_change: "待改密码",
    reset_prompt: "为该账号设置的临时密码：", password_reset: "已重置，对方下次登录须修改密码", my_password: "修改密码",
    current_password: "当前密码", new_password: "新密码", repeat_password: "再输一次新密码", password_rule: "至少 8 位，且包含字母和数字",
    password_changed: "密码已修改", password_mismatch: "两次输入的新密码不一致", change_first: "这是临时密码，请先设置自己的密码",
    account_created: "账号已建立", grid_optional: "网格代码（网格员填写）", own_unit: "所属单位（处置人员）", choose_unit: "请选择单位",
  },
  {
    accounts: "Accounts", new_account: "New account", display_name: "Display name", role: "Role", temp_password: "Temporary password (changed at first login)",
    disable: "Disable", enable: "Enable", reset_password: "Reset password", disabled: "disabled", locked: "locked", must_change: "must change password",
    reset_prompt: "Temporary password for this account:", password_reset: "Reset: a new password is asked at the next login", my_password: "Change password",
    current_password: "Current password", new_password: "New password", repeat_password: "New password again", password_rule: "At least 8 characters with letters and digits",
    password_changed: "Password changed", password_mismatch: "The two new passwords differ", change_first: "This password is temporary: set your own first",
    account_created: "Account created", grid_optional: "Grid code (for a grid worker)", own_unit: "Unit (for a handler)", choose_unit: "Choose the unit",
  },
);

async function viewAccounts(_arg, page = 1) {
  const me = session.me;
  const list = await api("GET", `/api/v1/users?page=${page}&page_size=50`);
  const state = (u) => [u.disabled && t("disabled"), u.locked_until > Date.now() && t("locked"), u.must_change_password && t("must_change")].filter(Boolean).join(" · ");
  render(app(), html`<div class="card"><h1>${t("accounts")}</h1><div class="scroll"><table id="account-table"><thead><tr>
      <th>${t("username")}</th><th>${t("role")}</th><th class="hide-sm">${t("scope")}</th><th></th></tr></thead>
    <tbody>${list.items.map((u) => html`<tr class="account-row" data-name="${u.username}"><td><b>${u.username}</b><div class="muted">${u.display_name}</div></td>
      <td>${t("r_" + u.role)}<div class="muted">${state(u)}</div></td><td class="hide-sm">${u.scope_code} ${u.grid_code || ""}</td>
      <td class="actions">${u.id !== String(me.id) && html`<button type="button" class="secondary toggle" data-id="${u.id}" data-on="${u.disabled ? "enable" : "disable"}">${t(u.disabled ? "enable" : "disable")}</button>
        <button type="button" class="secondary reset" data-id="${u.id}">${t("reset_password")}</button>`}</td></tr>`)}</tbody></table></div>
    ${pager(page, list.has_more, (p) => viewAccounts(null, p))}</div>
    <div class="card"><h2>${t("new_account")}</h2><form id="account-form" class="grid">
      <label>${t("username")}<input name="username" id="a-username" autocomplete="off" required></label>
      <label>${t("display_name")}<input name="display_name" id="a-display"></label>
      <label>${t("role")}<select name="role" id="a-role">${ROLES.map((r) => html`<option value="${r}">${t("r_" + r)}</option>`)}</select></label>
      ${pickerField({ id: "a-scope", name: "scope", label: t("scope"), value: me.scope_code, kind: "region" })}
      ${pickerField({ id: "a-grid", name: "grid_code", label: t("grid_optional"), kind: "grid" })}
      <label id="a-unit-box" hidden>${t("own_unit")}<select name="unit_id" id="a-unit" disabled></select></label>
      <label>${t("temp_password")}<input name="password" id="a-password" autocomplete="new-password" required></label>
      <p class="muted">${t("password_rule")}</p>
      <button class="primary" id="a-submit" type="submit">${t("create")}</button></form></div>`);
  wirePickers($("#account-form"));
  // A handler works for a unit: the units of the scope picked, offered once the role is handler.
  let asked = 0;
  const units = async () => {
    const handler = $("#a-role").value === "handler";
    // Hidden and disabled (so not sent) unless the account is a handler's.
    $("#a-unit-box").hidden = !handler;
    $("#a-unit").disabled = !handler;
    const scope = $("#a-scope").value;
    if (!handler || !scope) return;
    const mine = ++asked;
    const options = await unitOptions([scope]);
    if (mine === asked) render($("#a-unit"), html`<option value="">${t("choose_unit")}</option>${options}`);
  };
  $("#a-role").addEventListener("change", units);
  $("#a-scope").addEventListener("change", units);
  onSubmit("#account-form", async (f) => {
    const body = Object.fromEntries(new FormData(f).entries());
    if (!body.unit_id) delete body.unit_id;
    await api("POST", "/api/v1/users", body);
    toast(t("account_created"));
    viewAccounts(null, page);
  });
  onClick("button.toggle", async (b) => {
    await api("POST", `/api/v1/users/${b.dataset.id}/${b.dataset.on}`);
    viewAccounts(null, page);
  });
  onClick("button.reset", async (b) => {
    const password = prompt(t("reset_prompt"));
    if (!password) return;
    await api("POST", `/api/v1/users/${b.dataset.id}/password`, { password });
    toast(t("password_reset"));
    viewAccounts(null, page);
  });
}

function viewPassword() {
  const temporary = session.me.must_change_password;
  render(app(), html`<div class="card narrow"><h1>${t("my_password")}</h1>
    ${temporary && html`<p class="badge warn" id="change-first">${t("change_first")}</p>`}
    <form id="password-form" class="stack">
      <label>${t("current_password")}<input type="password" name="current_password" id="pw-current" autocomplete="current-password" required></label>
      <label>${t("new_password")}<input type="password" name="new_password" id="pw-new" autocomplete="new-password" required></label>
      <label>${t("repeat_password")}<input type="password" name="repeat" id="pw-repeat" autocomplete="new-password" required></label>
      <p class="muted">${t("password_rule")}</p>
      <button class="primary" id="pw-submit" type="submit">${t("save")}</button></form></div>`);
  onSubmit("#password-form", async (f) => {
    if (f.new_password.value !== f.repeat.value) throw new Error(t("password_mismatch"));
    session.me = await api("POST", "/api/v1/auth/password", { current_password: f.current_password.value, new_password: f.new_password.value });
    toast(t("password_changed"));
    location.hash = "#/";
  });
}

view("accounts", viewAccounts);
view("password", viewPassword);
// The audit log (its view is in accounts.js, which the first view loads) comes before accounts.
nav("nav-audit", "#/audit", "audit", () => can("manage_accounts"));
nav("nav-accounts", "#/accounts", "accounts", () => can("manage_accounts"));
nav("nav-password", "#/password", "my_password");
