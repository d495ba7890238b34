// Cases: what the queue, a case, staff intake and the public pages share — strings, state
// groups, the deadline light, the category catalog (cached), unit options and the "similar" hint.
import { html, render } from "../core/html.js";
import { strings, t } from "../core/i18n.js";
import { api, publicApi, session } from "../core/api.js";
import { fmtTime } from "../core/ui.js";

strings(
  {
    cases: "案件", new_case: "上报", queue: "案件队列", pending: "待受理/派遣", working: "处置中", verify: "待核查",
    done: "已办结", all: "全部", category: "类别", overdue: "仅超时", supervised: "仅督办", mine: "本单位",
    keyword: "关键词", filter: "筛选", number: "编号", title: "标题", state: "状态", unit: "处置单位",
    deadline: "时限", light: "灯", bulk_dispatch: "批量派遣", routed_unit: "按路由", description: "问题描述",
    region: "发生地", reporter: "反映人", reporter_phone: "联系电话", priority: "紧急程度", normal: "一般",
    urgent: "紧急", emergency: "特急", source: "来源", submit: "提交", timeline: "办理过程", note: "说明",
    a_accept: "立案", a_reject: "不予立案", a_merge: "合并", a_dispatch: "派遣", a_sign: "签收", a_return: "回退",
    a_handle: "办结反馈", a_escalate: "上报上级", a_suspend: "同意挂账", a_resume: "恢复办理",
    a_verify_pass: "核查通过", a_verify_fail: "核查不通过（返工）", a_reopen: "重新打开", a_request_suspend: "申请挂账",
    a_supervise: "督办", a_comment: "备注", a_rate: "评价", a_report: "上报", duplicate_of: "合并到（案件编号）",
    supervise_days: "督办期限（天）", returns: "回退次数", reworks: "返工次数", escalations: "上报次数",
    first_unit: "首接单位", closed_level: "办结层级", route_by: "分派依据", suspend_asked: "处置单位申请挂账",
    merged_into: "本案已并入以下案件一并处理", photo_not_sent: "照片未能上传（案件已受理）", file_another: "再反映一件",
    report_title: "我要反映", track_title: "进度查询", secret: "查询码", track: "查询", receipt: "已受理，请记下编号和查询码",
    rate_title: "满意度评价", very_satisfied: "非常满意", satisfied: "满意", basically_satisfied: "基本满意",
    dissatisfied: "不满意", very_dissatisfied: "非常不满意", reopen_note: "仍未解决？说明情况后可重新打开",
    locate: "使用当前位置", hotline: "12345热线", window: "窗口受理", grid: "网格巡查", web: "群众上报", api: "接口",
    open311: "Open311", choose: "请选择", level_village: "村级", level_township: "乡镇级", level_county: "县级",
    level_city: "市级", green: "正常", yellow: "临期", red: "超时", anonymous: "可匿名，电话可不填",
    dispatched_ok: "已派遣", failed: "失败",
    dispute: "矛盾纠纷调解", parties: "当事人", applicant: "申请人", respondent: "被申请人", other: "其他",
    mediations: "调解记录", mediator: "调解员", outcome: "结果", success: "调解成功", failure: "调解不成（上报）",
    adjourned: "择日再调", agreement: "协议内容", place: "地点", add: "添加", record: "记录", attachments: "附件",
    upload: "上传", a_attach: "上传附件", level: "层级", similar: "附近近期已有相同问题，可先查看是否已在办理：",
    n_followers: "群众关注（同一问题未重复上报）", follow: "同一问题，关注此件", followed: "已关注，请记下编号和查询码，可随时查询进度", following: "您关注的案件",
    secret_for_caller: "（您受理的来电/来访，可读给反映人）", receipt_sms: "短信重发编号和查询码", receipt_sent: "已发送到",
    st_reported: "待受理", st_accepted: "已立案", st_rejected: "不予立案", st_dispatched: "已派遣", st_in_progress: "处置中",
    st_returned: "已回退", st_handled: "待核查", st_escalated: "已上报", st_suspended: "挂账", st_closed: "已结案",
    route_rule: "派遣规则", route_village: "村（社区）兜底", route_township: "乡镇兜底", route_county: "县级兜底",
    actor_reporter: "反映人", actor_grid_worker: "网格员", actor_dispatcher: "调度", actor_handler: "处置单位", actor_system: "系统",
  },
  {
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
    a_supervise: "Supervise", a_comment: "Comment", a_rate: "Rate", a_report: "Reported", duplicate_of: "Merge into (case number)",
    supervise_days: "Supervision deadline (days)", returns: "Returns", reworks: "Reworks", escalations: "Escalations",
    first_unit: "First unit", closed_level: "Closed at level", route_by: "Routed by", suspend_asked: "The unit asks to suspend",
    merged_into: "This case was merged into the case below", photo_not_sent: "The photo could not be sent (the case is filed)",
    file_another: "Report another", report_title: "Report a problem", track_title: "Track a case", secret: "Secret", track: "Track",
    receipt: "Received. Keep the number and the secret", rate_title: "How satisfied are you?",
    very_satisfied: "Very satisfied", satisfied: "Satisfied", basically_satisfied: "Basically satisfied",
    dissatisfied: "Dissatisfied", very_dissatisfied: "Very dissatisfied", reopen_note: "Not solved? Say why and reopen",
    locate: "Use my location", hotline: "Hotline", window: "Window", grid: "Grid patrol", web: "Web", api: "API",
    open311: "Open311", choose: "Choose", level_village: "Village", level_township: "Township", level_county: "County",
    level_city: "City", green: "On time", yellow: "Due soon", red: "Overdue", anonymous: "Name and phone are optional",
    dispatched_ok: "Dispatched", failed: "Failed",
    dispute: "Dispute mediation", parties: "Parties", applicant: "Applicant", respondent: "Respondent",
    other: "Other", mediations: "Mediation sessions", mediator: "Mediator", outcome: "Outcome", success: "Agreed",
    failure: "Failed (escalate)", adjourned: "Adjourned", agreement: "Agreement", place: "Place", add: "Add", record: "Record",
    attachments: "Attachments", upload: "Upload", a_attach: "Attached", level: "Level",
    similar: "Open cases of the same kind nearby — it may already be in hand:",
    n_followers: "Residents following (same problem, not filed again)", follow: "Same problem: follow this one", followed: "Following. Keep the number and the secret to track it",
    following: "A case you follow", secret_for_caller: "(you filed this for a caller: read it out to them)", receipt_sms: "Send number and secret by SMS again",
    receipt_sent: "Sent to", st_reported: "Reported", st_accepted: "Accepted", st_rejected: "Rejected", st_dispatched: "Dispatched",
    st_in_progress: "In progress", st_returned: "Returned", st_handled: "Handled, to verify", st_escalated: "Escalated",
    st_suspended: "Suspended", st_closed: "Closed",
    route_rule: "a dispatch rule", route_village: "the village (default)", route_township: "the township (default)",
    route_county: "the county (default)",
    actor_reporter: "Reporter", actor_grid_worker: "Grid worker", actor_dispatcher: "Dispatcher", actor_handler: "Handling unit", actor_system: "System",
  },
);

/** The queue's state groups: group → the states it lists (comma-separated; "" is every state). */
export const STATE_GROUPS = {
  pending: "reported,accepted,returned,escalated",
  working: "dispatched,in_progress,suspended",
  verify: "handled",
  done: "closed,rejected",
  all: "",
};

/** The states a case can still be dispatched from (the bulk dispatch offers only these). */
export const DISPATCHABLE = STATE_GROUPS.pending.split(",");

/** The satisfaction values, best first. */
export const SATISFACTION = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"];

export const lightDot = (light) => (light ? html`<span class="light ${light}" title="${t(light)}"></span>` : "");

/** A case's state in the page's language (the UI's own words, not the server's `state_zh`). */
export const stateName = (c) => t("st_" + c.state);

let categoryCache = null;

/** The case categories (parents and subcategories), read once and kept until `clearCategories()`. */
export async function categories() {
  if (!categoryCache) categoryCache = (await api("GET", "/api/v1/case-categories")).items;
  return categoryCache;
}

/** Forgets the cached categories (after the catalog changes). */
export function clearCategories() {
  categoryCache = null;
}

/** A "choose" option, then the active subcategories grouped under their parents. */
export async function categoryOptions(selected) {
  const all = await categories();
  const parents = all.filter((k) => !k.parent_code);
  return html`<option value="">${t("choose")}</option>${parents.map((p) => html`<optgroup label="${p.name}">${
    all.filter((k) => k.parent_code === p.code && k.active).map((k) =>
      html`<option value="${k.code}"${k.code === selected ? html` selected` : ""}>${k.name}</option>`)
  }</optgroup>`)}`;
}

/** `<option>`s for the units of the given regions (each region once; an unreadable one is skipped). */
export async function unitOptions(regions) {
  const seen = new Set();
  const out = [];
  for (const code of regions) {
    if (!code || seen.has(code)) continue;
    seen.add(code);
    const units = await api("GET", `/api/v1/regions/${code}/units`).catch(() => ({ items: [] }));
    out.push(...units.items.map((u) => html`<option value="${u.id}">${u.name}</option>`));
  }
  return html`${out}`;
}

/** Shows, in `box`, open cases the one being filed may duplicate. */
export async function showSimilar(box, query, publicSide) {
  if (!query.category_code || (!query.region_code && !query.grid_code)) {
    render(box, "");
    return;
  }
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const path = `/api/v1/${publicSide ? "public/" : ""}cases/similar?${qs}`;
  const r = await (publicSide ? publicApi("GET", path) : api("GET", path)).catch(() => ({ items: [] }));
  render(box, r.items.length ? html`<p class="badge warn">${t("similar")}</p><ul class="list">${r.items.map((c) =>
    html`<li><span>${publicSide ? c.number : html`<a href="#/case/${c.id}">${c.number}</a> ${c.title}`}</span>
     <span class="muted">${stateName(c)} · ${fmtTime(c.created_at)}</span>
     ${publicSide ? html`<button type="button" class="secondary follow" data-number="${c.number}" data-token="${c.follow_token}">${t("follow")}</button>` : ""}</li>`)}</ul>` : "");
}

/** The queue group a role sees first. */
export function defaultGroup() {
  const role = session.me.role;
  if (role === "grid_worker") return "verify";
  if (role === "handler") return "working";
  if (role === "leader") return "all";
  return "pending";
}
