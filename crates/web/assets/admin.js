// Administration of cases: Open311 API keys, and the case catalog (categories and their time
// limits, routing rules, the working-day calendar).
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api, session, can } from "./core/api.js";
import { $, app, toast, onSubmit, onClick, listOr, fmtTime } from "./core/ui.js";
import { view, nav } from "./core/router.js";
import { categories, clearCategories, unitOptions } from "./cases/shared.js";
import { pickerField, wirePickers, regionPrefix } from "./core/picker.js";

strings(
  {
    api_keys: "Open311 密钥", key_name: "客户端名称", key_shown_once: "密钥只显示这一次，请妥善保存：", revoke: "停用",
    revoked: "已停用", create: "新建", catalog: "案件目录", categories_t: "类别与时限", rules: "分派规则", calendar: "工作日历",
    limit: "处置时限", working_hours: "工作小时", working_days: "工作日", active: "启用", auto_escalate: "超时自动上报",
    prefix: "区划代码前缀", rule_region: "适用地区（含下级）", year: "年份", import_csv: "导入 CSV（date,kind）", delete: "删除", holiday: "放假", workday: "调休上班",
  },
  {
    api_keys: "Open311 keys", key_name: "Client name", key_shown_once: "The key is shown only now; keep it safe:", revoke: "Revoke",
    revoked: "revoked", create: "Create", catalog: "Case catalog", categories_t: "Categories and limits", rules: "Routing rules",
    calendar: "Working-day calendar", limit: "Handling limit", working_hours: "working hours", working_days: "working days",
    active: "Active", auto_escalate: "Escalate when overdue", prefix: "Region code prefix", rule_region: "Where it applies (and below)", year: "Year",
    import_csv: "Import CSV (date,kind)", delete: "Delete", holiday: "Holiday", workday: "Working day (swapped)",
  },
);

// ---------- Open311 API keys ----------

async function viewApiKeys() {
  const r = await api("GET", "/api/v1/api-keys");
  render(app(), html`<div class="card"><h1>${t("api_keys")}</h1>
    <form id="key-form" class="grid"><label>${t("key_name")}<input name="name" id="key-name" required></label>
      ${pickerField({ id: "key-scope", name: "scope", label: t("scope"), value: session.me.scope_code, kind: "region" })}
      <button class="primary" id="key-create" type="submit">${t("create")}</button></form>
    <div id="key-new"></div>
    <table id="key-table"><thead><tr><th>${t("key_name")}</th><th>${t("scope")}</th><th>${t("time")}</th><th></th></tr></thead><tbody>${
      r.items.map((k) => html`<tr><td>${k.name}</td><td>${k.scope_code}</td><td>${fmtTime(k.created_at)}</td>
        <td>${k.revoked ? t("revoked") : html`<button class="secondary revoke" data-id="${k.id}" type="button">${t("revoke")}</button>`}</td></tr>`)
    }</tbody></table></div>`);
  wirePickers($("#key-form"));
  onSubmit("#key-form", async (f) => {
    const k = await api("POST", "/api/v1/api-keys", { name: f.name.value, scope: f.scope.value });
    await viewApiKeys();
    render("#key-new", html`<p>${t("key_shown_once")}</p><pre id="key-value">${k.key}</pre>`);
  });
  onClick("button.revoke", async (b) => {
    await api("DELETE", `/api/v1/api-keys/${b.dataset.id}`);
    viewApiKeys();
  });
}

// ---------- the catalog ----------

async function viewCatalog() {
  const year = new Date().getFullYear();
  const [all, rules, cal] = await Promise.all([categories(), api("GET", "/api/v1/routing-rules"), api("GET", `/api/v1/calendar/${year}`)]);
  const subs = all.filter((k) => k.parent_code);
  const subOptions = () => subs.map((k) => html`<option value="${k.code}">${k.code} ${k.name}</option>`);
  render(app(), html`<div class="card"><h1>${t("catalog")}</h1><h2>${t("categories_t")}</h2>
    <form id="cat-form" class="grid">
      <label>${t("category")}<select name="code" id="cat-code">${subOptions()}</select></label>
      <label>${t("priority")}<select name="priority"><option value="normal">${t("normal")}</option><option value="urgent">${t("urgent")}</option><option value="emergency">${t("emergency")}</option></select></label>
      <label>${t("limit")}<input name="limit_value" type="number" min="1"></label>
      <label>&nbsp;<select name="limit_unit"><option value="working_days">${t("working_days")}</option><option value="working_hours">${t("working_hours")}</option></select></label>
      <label>${t("a_dispatch")} (${t("working_hours")})<input name="dispatch_hours" type="number" min="1"></label>
      <label>${t("a_sign")} (${t("working_hours")})<input name="sign_hours" type="number" min="1"></label>
      <label>${t("verify")} (${t("working_hours")})<input name="verify_hours" type="number" min="1"></label>
      <label class="check"><input type="checkbox" name="auto_escalate">${t("auto_escalate")}</label>
      <label class="check"><input type="checkbox" name="active">${t("active")}</label>
      <button class="primary" type="submit">${t("save")}</button></form></div>
    <div class="card"><h2>${t("rules")}</h2><table id="rule-table"><tbody>${rules.items.length > 0
      ? rules.items.map((r) => html`<tr><td>${r.subcategory}</td><td>${r.region_prefix || "*"}</td><td>${r.unit_name || r.unit_id}</td>
      <td><button class="secondary rule-del" data-id="${r.id}" type="button">${t("delete")}</button></td></tr>`)
      : html`<tr><td class="muted">${t("none")}</td></tr>`}</tbody></table>
      <form id="rule-form" class="grid"><label>${t("category")}<select name="subcategory">${subOptions()}</select></label>
      ${pickerField({ id: "rule-region", name: "region_prefix", label: t("rule_region"), kind: "region" })}
      <label>${t("unit")}<select name="unit_id" id="rule-unit"></select></label>
      <button class="primary" type="submit">${t("add")}</button></form></div>
    <div class="card"><h2>${t("calendar")} ${year}</h2><ul class="list" id="cal-list">${listOr(cal.items, (d) => html`<li><span>${d.date}</span><span class="muted">${t(d.kind)}</span></li>`)}</ul>
      <form id="cal-form" class="grid"><label>${t("year")}<input name="year" type="number" value="${year}"></label>
      <label>${t("import_csv")}<input type="file" name="file" id="cal-file" accept=".csv,text/csv"></label>
      <button class="primary" type="submit">${t("import_csv")}</button></form></div>`);
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
  onSubmit(f, async () => {
    const k = subs.find((x) => x.code === f.code.value);
    const body = { ...k, priority: f.priority.value, limit_value: Number(f.limit_value.value), limit_unit: f.limit_unit.value,
      auto_escalate: f.auto_escalate.checked, active: f.active.checked };
    for (const n of ["dispatch_hours", "sign_hours", "verify_hours"]) body[n] = f[n].value ? Number(f[n].value) : null;
    await api("PUT", `/api/v1/case-categories/${k.code}`, body);
    clearCategories();
    toast(t("created"));
    await viewCatalog();
  });
  unitOptions([session.me.scope_code]).then((o) => render("#rule-unit", o));
  wirePickers($("#rule-form"));
  onSubmit("#rule-form", async (form) => {
    const body = Object.fromEntries(new FormData(form).entries());
    // A rule governs the region picked and everything under it: its code's prefix.
    body.region_prefix = regionPrefix(body.region_prefix || "");
    await api("POST", "/api/v1/routing-rules", body);
    await viewCatalog();
  });
  onClick("button.rule-del", async (b) => {
    await api("DELETE", `/api/v1/routing-rules/${b.dataset.id}`);
    viewCatalog();
  });
  onSubmit("#cal-form", async (form) => {
    const file = $("#cal-file").files[0];
    if (!file) return;
    const r = await api("POST", `/api/v1/calendar/${form.year.value}`, undefined, file);
    toast(`${t("imported")} ${r.imported}`);
    await viewCatalog();
  });
}

view("api-keys", viewApiKeys);
view("catalog", viewCatalog);
nav("nav-keys", "#/api-keys", "api_keys", () => can("manage_accounts"));
nav("nav-catalog", "#/catalog", "catalog", () => can("manage_catalog"));
