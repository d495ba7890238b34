// The assessment: a region's live dashboard (every indicator with its definition, month over
// month, year over year, urban vs rural), its children ranked in their peer groups with the
// indicator that cost each the most and six months of ranks, a map coloured by an indicator
// (a tap drills down), the warnings with their follow-up, a large-screen mode for a command
// center and the monthly report (XLSX, or printed). A leader lands here.
import { html, render, options } from "./core/html.js";
import { strings, t, lang } from "./core/i18n.js";
import { api, session } from "./core/api.js";
import { $, app, onSubmit, toast, fmtTime, crumbs } from "./core/ui.js";
import { view, nav, landing } from "./core/router.js";
import { mapIn } from "./core/map.js";

strings(
  {
    assess: "考核", period: "期间", big_screen: "大屏", leave_big: "退出大屏", report_xlsx: "月度报告（XLSX）", report_print: "打印版",
    mom: "环比", yoy: "同比", urban: "城", rural: "乡", gap: "城乡差", ranking: "排名", rank: "名次", score: "得分", volume: "件数",
    weakest: "失分最多", trend: "近六月名次", warning: "预警", too_few: "件数过少不排名", warnings: "预警与整改", no_warnings: "没有预警",
    w_blue: "蓝色·提醒谈话", w_yellow: "黄色·警示谈话", w_red: "红色·问责", s_issued: "待约谈", s_talk_held: "已约谈", s_plan_filed: "已报整改方案", s_closed: "已销号",
    step_talk: "记录约谈", step_plan: "报整改方案", step_close: "销号", note: "说明", causes: "原因", responsible: "责任人", map_by: "地图指标",
    of_scale: "满分", min_volume: "最低件数", peers: "同类组", refreshed: "更新于", unassigned: "未指定", printed_at: "生成时间", definition: "定义",
  },
  {
    assess: "Assessment", period: "Period", big_screen: "Big screen", leave_big: "Leave big screen", report_xlsx: "Monthly report (XLSX)", report_print: "Printable",
    mom: "MoM", yoy: "YoY", urban: "Urban", rural: "Rural", gap: "Gap", ranking: "Ranking", rank: "Rank", score: "Score", volume: "Cases",
    weakest: "Cost most", trend: "Ranks, 6 months", warning: "Warning", too_few: "Too few cases to rank", warnings: "Warnings and follow-up", no_warnings: "No warnings",
    w_blue: "Blue · reminder talk", w_yellow: "Yellow · warning talk", w_red: "Red · accountability", s_issued: "Talk due", s_talk_held: "Talk held", s_plan_filed: "Plan filed", s_closed: "Closed",
    step_talk: "Record the talk", step_plan: "File the plan", step_close: "Close", note: "Note", causes: "Causes", responsible: "Responsible", map_by: "Map by",
    of_scale: "Full marks", min_volume: "Minimum cases", peers: "Peer group", refreshed: "Updated", unassigned: "not assigned", printed_at: "Made", definition: "Definition",
  },
);

const NEXT_STEP = { issued: "talk", talk_held: "plan", plan_filed: "close" };
let refresh = null;

function thisMonth() {
  const d = new Date(Date.now() + (session.me?.utc_offset_minutes ?? 480) * 60000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The twelve months up to this one, newest first. */
function months() {
  const out = [];
  let [y, m] = thisMonth().split("-").map(Number);
  for (let i = 0; i < 12; i++) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (--m === 0) [y, m] = [y - 1, 12];
  }
  return out;
}

const num = (v, unit = "") => (v === null || v === undefined ? "—" : `${Math.round(v * 10) / 10}${unit}`);
const name = (i) => (lang === "en" ? i.en : i.zh);
const signed = (v) => (v === null || v === undefined ? "—" : `${v > 0 ? "+" : ""}${Math.round(v * 10) / 10}`);
const diff = (a, b) => (a === null || b === null || a === undefined || b === undefined ? null : a - b);

/** `code@period` → [code, period]. */
function parseArg(arg) {
  const [code, period] = decodeURIComponent(arg || "").split("@");
  return [code || session.me.scope_code, period || thisMonth()];
}

/** A row of ranks as a small line (rank 1 at the top); gaps where it was not ranked. */
function sparkline(history, size) {
  const w = 96, h = 24;
  const pts = history.map((p, i) => (p.rank ? [4 + (i * (w - 8)) / Math.max(1, history.length - 1), 3 + ((p.rank - 1) * (h - 6)) / Math.max(1, size - 1)] : null));
  const path = pts.reduce((acc, p, i) => (p ? acc + `${acc && pts[i - 1] ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}` : acc), "");
  const title = history.map((p) => `${p.period}: ${p.rank ?? "—"}`).join(" · ");
  return html`<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}"><title>${title}</title><path d="${path}" fill="none" stroke="#1565c0" stroke-width="2"/>${pts.filter(Boolean).map((p) => html`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="2" fill="#1565c0"/>`)}</svg>`;
}

const badge = (w) => w && html`<span class="wbadge ${w.color}" title="${t("s_" + w.state)}">${t("w_" + w.color)}</span>`;

function kpis(d) {
  return d.indicators.map((i) => html`<div class="kpi" data-code="${i.code}" title="${name(i)}${t("colon")}${lang === "en" ? i.definition_en : i.definition_zh}">
    <span class="kpi-name">${name(i)}</span><b class="kpi-value">${num(i.value, i.unit === "%" ? "%" : "")}</b>
    <small>${t("mom")} ${signed(diff(i.value, i.previous))} · ${t("yoy")} ${signed(diff(i.value, i.year_before))}</small>
    <small>${t("urban")} ${num(i.urban)} / ${t("rural")} ${num(i.rural)} · ${t("gap")} ${signed(i.gap)}</small>
    <small class="def">${lang === "en" ? i.definition_en : i.definition_zh}</small></div>`);
}

function rankingTable(r, indicators) {
  const label = (code) => {
    const i = indicators.find((x) => x.code === code);
    return i ? name(i) : code;
  };
  return r.groups.map((g) => html`<h3>${t("peers")}${t("colon")}${lang === "en" ? g.en : g.zh} <span class="muted">(${g.size})</span></h3>
    <div class="scroll"><table class="ranking" data-group="${g.key}"><thead><tr><th>${t("rank")}</th><th></th><th>${t("score")}</th><th>${t("volume")}</th><th>${t("weakest")}</th><th>${t("trend")}</th><th>${t("warning")}</th></tr></thead>
    <tbody>${g.rows.map((row) => html`<tr data-code="${row.code}"><td class="rank">${row.rank ?? html`<span class="muted" title="${t("too_few")}">—</span>`}</td>
      <td><a href="#/assess/${row.code}@${r.period}" class="drill">${row.name}</a>${row.too_few && html` <span class="muted">${t("too_few")}</span>`}</td>
      <td>${num(row.score)}</td><td>${row.reported}</td><td class="weakest">${row.weakest ? label(row.weakest) : ""}</td>
      <td>${sparkline(row.history, g.size)}</td><td>${badge(row.warning)}</td></tr>`)}</tbody></table></div>`);
}

function warningList(items, indicators) {
  if (!items.length) return html`<p class="muted">${t("no_warnings")}</p>`;
  const label = (code) => {
    const i = indicators.find((x) => x.code === code);
    return i ? name(i) : code;
  };
  return html`<ul class="list warnings">${items.map((w) => html`<li data-id="${w.id}" class="warning ${w.color}">
    <div><b>${w.region_name}</b> ${badge(w)} <span class="muted">${w.period} · ${t("s_" + w.state)}</span></div>
    <div class="cause">${t("causes")}${t("colon")}${w.causes.split(",").filter(Boolean).map(label).join("、")} · ${t("score")} ${num(w.score)} · ${t("responsible")}${t("colon")}${w.responsible || t("unassigned")}</div>
    ${w.steps.map((s) => html`<div class="muted">${fmtTime(s.at)} ${t("s_" + s.step)} · ${s.actor}${t("colon")}${s.note}</div>`)}
    ${NEXT_STEP[w.state] && html`<form class="filters step-form" data-id="${w.id}" data-step="${NEXT_STEP[w.state]}"><input name="note" required maxlength="1000" placeholder="${t("note")}"><button class="secondary">${t("step_" + NEXT_STEP[w.state])}</button></form>`}
  </li>`)}</ul>`;
}

/** The children on the map, coloured by one indicator (darker is better); a tap drills down. */
async function drawMap(code, period, d, indicator) {
  const el = $("#assess-map");
  if (!el) return;
  const fc = await api("GET", `/api/v1/map/${code}`).catch(() => null);
  if (!fc || fc.features.length < 2) return void ($("#assess-map-card").hidden = true);
  $("#assess-map-card").hidden = false;
  const values = Object.fromEntries(d.children.map((c) => [c.code, c.values[indicator]]));
  const better = d.indicators.find((i) => i.code === indicator)?.better || "higher";
  const shade = (v) => {
    if (v === null || v === undefined) return "#e5e7eb";
    const x = Math.max(0, Math.min(1, (better === "higher" ? v : 100 - v) / 100));
    return `hsl(212, 70%, ${Math.round(88 - x * 50)}%)`;
  };
  el.innerHTML = "";
  delete el.tcMap;
  const m = await mapIn(el, { height: "20rem" });
  const own = fc.features[0]?.properties.code;
  const layer = m.L.geoJSON(fc, {
    style: (f) => (f.properties.code === own ? { color: "#c8102e", weight: 2, fill: false } : { color: "#fff", weight: 1, fillColor: shade(values[f.properties.code]), fillOpacity: 0.9 }),
    onEachFeature: (f, l) => {
      if (f.properties.code === own) return;
      l.bindTooltip(`${f.properties.name}${t("colon")}${num(values[f.properties.code])}`, { sticky: true });
      l.on("click", () => (location.hash = `#/assess/${f.properties.code}@${period}`));
    },
  }).addTo(m.map);
  if (layer.getBounds().isValid()) m.map.fitBounds(layer.getBounds(), { padding: [8, 8] });
}

async function viewAssess(arg) {
  clearInterval(refresh);
  const [code, period] = parseArg(arg);
  const q = `region=${code}&period=${period}`;
  const d = await api("GET", `/api/v1/assess/dashboard?${q}`);
  const r = d.level === "village" ? null : await api("GET", `/api/v1/assess/ranking?${q}`);
  // The month's warnings (a quarter or a year: every month's, newest first).
  const w = await api("GET", `/api/v1/assess/warnings?region=${code}${d.period.length === 7 ? `&period=${d.period}` : ""}`);
  const big = document.body.classList.contains("big");
  render(app(), html`<div class="card assess-head">
    ${crumbs([{ name: t("assess"), href: `#/assess/${session.me.scope_code}@${period}` }, { name: d.name }])}
    <h1 id="assess-title">${d.name} · ${d.period}</h1>
    <form class="filters" id="assess-form"><label>${t("period")} <select name="period" id="assess-period">${options(months().map((m) => [m, m]), period)}</select></label>
      <button class="secondary" type="button" id="assess-big">${big ? t("leave_big") : t("big_screen")}</button>
      ${d.period.length === 7 && html`<a class="button" id="assess-xlsx" href="/api/v1/assess/report?${q}" download>${t("report_xlsx")}</a>
      <a class="button" id="assess-print" href="#/assess-report/${code}@${period}">${t("report_print")}</a>`}
      <span class="muted">${t("refreshed")} ${fmtTime(Date.now())}</span></form>
    <div class="kpis" id="assess-kpis">${kpis(d)}</div></div>
    ${r && html`<div class="card" id="assess-ranking"><h2>${t("ranking")} <span class="muted">${t("of_scale")} ${r.scale} · ${t("min_volume")} ${r.min_volume}</span></h2>${rankingTable(r, d.indicators)}</div>`}
    <div class="card" id="assess-map-card" hidden><h2>${t("map")}</h2><label>${t("map_by")} <select id="assess-map-by">${options(d.indicators.filter((i) => i.unit === "%").map((i) => [i.code, name(i)]), "satisfaction_rate")}</select></label><div id="assess-map"></div></div>
    <div class="card" id="assess-warnings"><h2>${t("warnings")}</h2>${warningList(w.items, d.indicators)}</div>`);
  // A drill-down starts at the top of the new region's page; a refresh keeps the place.
  if (viewAssess.last !== arg) window.scrollTo(0, 0);
  viewAssess.last = arg;
  $("#assess-period").addEventListener("change", (e) => (location.hash = `#/assess/${code}@${e.target.value}`));
  $("#assess-big").addEventListener("click", () => {
    const on = document.body.classList.toggle("big");
    if (on) document.documentElement.requestFullscreen?.().catch(() => {});
    else if (document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    viewAssess(arg);
  });
  onSubmit(".step-form", async (f) => {
    await api("POST", `/api/v1/assess/warnings/${f.dataset.id}/steps`, { step: f.dataset.step, note: f.note.value });
    toast(t("s_" + { talk: "talk_held", plan: "plan_filed", close: "closed" }[f.dataset.step]));
    viewAssess(arg);
  });
  const mapBy = $("#assess-map-by");
  mapBy.addEventListener("change", () => drawMap(code, period, d, mapBy.value));
  drawMap(code, period, d, mapBy.value).catch(() => {});
  // A command center's screen refreshes itself; the counts are live.
  if (big) {
    const here = location.hash;
    refresh = setInterval(() => (location.hash === here ? viewAssess(arg).catch(() => {}) : clearInterval(refresh)), 30000);
  }
}

/** The monthly report as a printable page: the same content as the XLSX. */
async function viewReport(arg) {
  clearInterval(refresh);
  const [code, period] = parseArg(arg);
  const q = `region=${code}&period=${period}`;
  const d = await api("GET", `/api/v1/assess/dashboard?${q}`);
  const r = d.level === "village" ? null : await api("GET", `/api/v1/assess/ranking?${q}`);
  const w = await api("GET", `/api/v1/assess/warnings?${q}`);
  render(app(), html`<div class="card report"><h1>${d.name} ${d.period} ${t("assess")}</h1>
    <p class="muted">${d.first_day} – ${d.last_day} · ${t("printed_at")} ${fmtTime(Date.now())} <button class="secondary no-print" type="button" id="report-print">${t("report_print")}</button></p>
    <table><thead><tr><th>${t("assess")}</th><th>%</th><th>${t("mom")}</th><th>${t("yoy")}</th><th>${t("urban")}</th><th>${t("rural")}</th><th>${t("gap")}</th><th>${t("definition")}</th></tr></thead>
    <tbody>${d.indicators.map((i) => html`<tr><td>${name(i)}</td><td>${num(i.value)}</td><td>${signed(diff(i.value, i.previous))}</td><td>${signed(diff(i.value, i.year_before))}</td><td>${num(i.urban)}</td><td>${num(i.rural)}</td><td>${signed(i.gap)}</td><td class="def">${lang === "en" ? i.definition_en : i.definition_zh}</td></tr>`)}</tbody></table>
    ${r && html`<h2>${t("ranking")}</h2>${rankingTable(r, d.indicators)}`}
    <h2>${t("warnings")}</h2>${warningList(w.items, d.indicators)}</div>`);
  window.scrollTo(0, 0);
  $("#report-print").addEventListener("click", () => window.print());
}

view("assess", viewAssess);
view("assess-report", viewReport);
nav("nav-assess", (me) => `#/assess/${me.scope_code}`, "assess", (me) => me.permissions.includes("read_assessment"));
// The leader's landing page is the dashboard.
landing((me) => (me.role === "leader" ? `#/assess/${me.scope_code}` : undefined), 1);
