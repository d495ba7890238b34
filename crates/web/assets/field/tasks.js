// The grid worker's phone lands here: cases to verify, households due a visit, a patrol to start
// or end, and a report to file. Opening it with a network also keeps what the worker needs for
// the day on the phone (see /sw.js), so it still opens in a village with no signal.
import { html, render } from "../core/html.js";
import { strings, t } from "../core/i18n.js";
import { api, session } from "../core/api.js";
import { $, app, fmtTime, listOr, onSubmit, toast } from "../core/ui.js";
import { view, nav, landing } from "../core/router.js";
import { tagList } from "../registry.js";
import "./visits.js";
import "./outbox.js";

strings(
  {
    tasks: "今日任务", to_verify: "待核查", due_visits: "待走访", patrol: "巡查", start_patrol: "开始巡查", end_patrol: "结束巡查",
    patrol_since: "巡查中，开始于", patrol_notes: "巡查情况", patrol_ended: "巡查已结束", kept_for_offline: "已保存到手机，可离线使用",
  },
  {
    tasks: "Today's tasks", to_verify: "To verify", due_visits: "Due a visit", patrol: "Patrol", start_patrol: "Start a patrol",
    end_patrol: "End the patrol", patrol_since: "Patrolling since", patrol_notes: "What was seen", patrol_ended: "Patrol ended",
    kept_for_offline: "Kept on the phone for offline use",
  },
);

const PATROL = "tc_patrol";
const openPatrol = () => JSON.parse(localStorage.getItem(PATROL) || "null");

/** Remembers a case filed during a patrol, to list it when the patrol ends. */
export function noteCaseForPatrol(id) {
  const p = openPatrol();
  if (!p || !id) return;
  p.case_ids = [...new Set([...(p.case_ids || []), String(id)])];
  localStorage.setItem(PATROL, JSON.stringify(p));
}
document.addEventListener("tc:case-filed", (e) => noteCaseForPatrol(e.detail.id));

async function viewTasks() {
  const me = session.me;
  const [verify, due] = await Promise.all([
    api("GET", "/api/v1/cases?state=handled&page_size=50"),
    // The longest overdue first: a phone shows a screenful, the count is the grid's.
    me.grid_code ? api("GET", "/api/v1/visits/due?limit=30").catch(() => ({ items: [], total: 0 })) : { items: [], total: 0 },
  ]);
  const patrol = openPatrol();
  render(app(), html`<div class="card"><h1>${t("tasks")}</h1>
      <div class="actions"><a class="button primary" id="task-report" href="#/new-case">${t("new_case")}</a>
      ${me.grid_code && !patrol && html`<button class="secondary" id="patrol-start" type="button">${t("start_patrol")}</button>`}</div>
      ${patrol && html`<form id="patrol-end" class="stack"><p class="muted">${t("patrol_since")} ${fmtTime(patrol.started_at)}</p>
        <label>${t("patrol_notes")}<textarea name="notes" rows="2"></textarea></label>
        <button class="secondary" type="submit">${t("end_patrol")}</button></form>`}</div>
    <div class="card"><h2>${t("to_verify")} <span class="muted">${verify.items.length}</span></h2><ul class="list" id="verify-list">${listOr(verify.items, (c) => html`<li>
      <a class="case-link" href="#/case/${c.id}">${c.title}</a><span class="muted">${c.number} · ${c.region_name || ""}</span></li>`)}</ul></div>
    <div class="card"><h2>${t("due_visits")} <span class="muted" id="due-total">${due.total}</span></h2><ul class="list" id="due-list">${listOr(due.items, (d) => html`<li>
      <span><a class="due-link" href="#/visit/${d.household_id}">${d.address}</a> <span class="tags">${tagList(d.tags)}</span>
      <div class="muted">${d.head_name || ""} · ${d.last_visit_at ? html`${t("last_visit")} ${fmtTime(d.last_visit_at)}` : t("never")}</div></span>
      <span class="badge warn">${t("overdue_by")} ${d.overdue_days} ${t("days")}</span></li>`)}</ul></div>`);
  $("#patrol-start")?.addEventListener("click", async () => {
    const p = await api("POST", "/api/v1/patrols", { grid_code: me.grid_code }, undefined, { "Idempotency-Key": "patrol-" + Date.now() })
      .catch((err) => void toast(err.message));
    if (!p) return;
    localStorage.setItem(PATROL, JSON.stringify({ id: p.id, started_at: p.started_at, case_ids: [] }));
    viewTasks();
  });
  onSubmit("#patrol-end", async (f) => {
    await api("POST", `/api/v1/patrols/${patrol.id}/end`, { notes: f.notes.value, case_ids: patrol.case_ids || [] });
    localStorage.removeItem(PATROL);
    toast(t("patrol_ended"));
    viewTasks();
  });
  keepForOffline(me, due.items, verify.items);
}

// Reads what the day may need with no network, so the service worker keeps a copy: the catalog,
// the grid, its village, its households and their members, and each household due a visit.
// Quietly, and once per hour.
async function keepForOffline(me, due, verify) {
  const last = Number(sessionStorage.getItem("tc_kept") || 0);
  if (!navigator.serviceWorker?.controller || Date.now() - last < 3600e3) return;
  sessionStorage.setItem("tc_kept", String(Date.now()));
  const get = (p) => api("GET", p).catch(() => null);
  await get("/api/v1/case-categories");
  if (me.grid_code) {
    const g = await get(`/api/v1/grids/${me.grid_code}`);
    // The village, for the household pages' trail.
    if (g) await get(`/api/v1/regions/${g.region_code}`);
    for (let page = 1; page <= 10; page++) {
      const r = await get(`/api/v1/households?grid=${me.grid_code}&page=${page}`);
      if (!r || !r.has_more) break;
    }
    // Its people, a page of 200 at a time: a household's page finds its members here offline.
    for (let page = 1; page <= 20; page++) {
      const r = await get(`/api/v1/persons?grid=${me.grid_code}&page=${page}&page_size=200`);
      if (!r || !r.has_more) break;
    }
  }
  // Each case to verify, so it can be verified with no network.
  for (const c of verify) await get(`/api/v1/cases/${c.id}`);
  for (const d of due.slice(0, 60)) {
    await get(`/api/v1/households/${d.household_id}`);
    await get(`/api/v1/households/${d.household_id}/visits`);
  }
}

view("tasks", viewTasks);
nav("nav-tasks", "#/tasks", "tasks", (me) => me.role === "grid_worker");
landing((me) => (me.role === "grid_worker" ? "#/tasks" : undefined), 5);
