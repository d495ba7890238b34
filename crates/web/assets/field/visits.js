// Household visits (走访): a household's visit history, and the visit form a grid worker fills in
// at the door — with no network it waits in the outbox. A finding opens a case in one tap.
import { html, render } from "../core/html.js";
import { strings, t } from "../core/i18n.js";
import { api, can, session } from "../core/api.js";
import { $, app, crumbs, fmtTime, listOr, onSubmit, toast } from "../core/ui.js";
import { view } from "../core/router.js";
import { sendOrKeep } from "./outbox.js";

strings(
  {
    visits: "走访记录", record_visit: "记录走访", purpose: "事由", notes: "情况", findings: "发现的问题", visited_at: "走访时间",
    p_routine: "日常走访", p_elderly_care: "关爱老人", p_left_behind_child: "关爱留守儿童", p_dispute_followup: "纠纷回访",
    p_policy_publicity: "政策宣传", p_other: "其他", visit_saved: "走访已记录", report_finding: "据此上报问题",
    last_visit: "上次走访", never: "从未走访", overdue_by: "已超期", days: "天", visitor: "走访人",
  },
  {
    visits: "Visits", record_visit: "Record a visit", purpose: "Purpose", notes: "Notes", findings: "Findings", visited_at: "Visited at",
    p_routine: "Routine", p_elderly_care: "Elderly care", p_left_behind_child: "Left-behind child", p_dispute_followup: "Dispute follow-up",
    p_policy_publicity: "Policy publicity", p_other: "Other", visit_saved: "Visit recorded", report_finding: "Report this as a case",
    last_visit: "Last visit", never: "Never visited", overdue_by: "Overdue by", days: "days", visitor: "Visitor",
  },
);

export const PURPOSES = ["routine", "elderly_care", "left_behind_child", "dispute_followup", "policy_publicity", "other"];
const mayRead = () => can("write_registry") || session.me?.role === "leader";

/** What a new case form starts with (set by "report this", read once by the intake form). */
export function prefillCase(fields) {
  sessionStorage.setItem("tc_prefill", JSON.stringify(fields));
  location.hash = "#/new-case";
}

const visitList = (items) => html`<ul class="list" id="visit-list">${listOr(items, (v) => html`<li><span><b>${t("p_" + v.purpose)}</b> ${v.notes}
  ${v.findings && html`<div class="finding">${t("findings")}: ${v.findings}</div>`}</span><span class="muted">${v.visitor_name} · ${fmtTime(v.visited_at)}</span></li>`)}</ul>`;

// The visit card on a household's page.
document.addEventListener("tc:household", async (e) => {
  const h = e.detail;
  if (!mayRead() || !$("#household-visits")) return;
  const r = await api("GET", `/api/v1/households/${h.id}/visits`).catch(() => ({ items: [] }));
  render("#household-visits", html`<div class="card"><h2>${t("visits")}</h2>${visitList(r.items)}
    ${can("write_registry") && html`<p><a class="button primary" id="go-visit" href="#/visit/${h.id}">${t("record_visit")}</a></p>`}</div>`);
});

async function viewVisit(id) {
  const h = await api("GET", `/api/v1/households/${id}`);
  const history = await api("GET", `/api/v1/households/${id}/visits`).catch(() => ({ items: [] }));
  render(app(), html`${crumbs([{ name: t("tasks"), href: "#/tasks" }, { name: h.address, href: `#/household/${h.id}` }, { name: t("record_visit") }])}
    <div class="card"><h1>${h.address}</h1><div class="muted">${t("head")} ${h.head_name || "—"}</div></div>
    <div class="card"><h2>${t("record_visit")}</h2><form id="visit-form" class="stack">
      <label>${t("purpose")}<select name="purpose" id="v-purpose">${PURPOSES.map((p) => html`<option value="${p}">${t("p_" + p)}</option>`)}</select></label>
      <label>${t("notes")}<textarea name="notes" id="v-notes" rows="3"></textarea></label>
      <label>${t("findings")}<textarea name="findings" id="v-findings" rows="2"></textarea></label>
      <button class="primary" id="v-submit" type="submit">${t("save")}</button></form><div id="visit-done"></div></div>
    <div class="card"><h2>${t("visits")}</h2>${visitList(history.items)}</div>`);
  onSubmit("#visit-form", async (f) => {
    const body = { purpose: f.purpose.value, notes: f.notes.value, findings: f.findings.value, visited_at: Date.now() };
    const label = `${t("record_visit")} · ${h.address}`;
    const saved = await sendOrKeep({ label, method: "POST", path: `/api/v1/households/${h.id}/visits`, body });
    if (saved) toast(t("visit_saved"));
    const finding = body.findings.trim();
    f.reset();
    render("#visit-done", html`<p class="muted" id="visit-state">${saved ? t("visit_saved") : t("queued")}</p>
      ${finding && html`<button class="primary" id="v-report" type="button">${t("report_finding")}</button>`}`);
    $("#v-report")?.addEventListener("click", () =>
      prefillCase({ description: finding, address: h.address, grid_code: h.grid_code, source: "grid" }));
  });
}

view("visit", viewVisit);
