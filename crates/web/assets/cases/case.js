// One case: its facts, the actions the caller's role may take, attachments, the timeline and,
// for a dispute, its parties and mediation sessions.
import { html, render } from "../core/html.js";
import { t } from "../core/i18n.js";
import { api, session, can } from "../core/api.js";
import { $, app, toast, showError, onSubmit, onClick, crumbs, listOr, fmtTime } from "../core/ui.js";
import { view } from "../core/router.js";
import { SATISFACTION, lightDot, stateName, unitOptions } from "./shared.js";
import { sendOrKeep } from "../field/outbox.js";
import { shrink } from "../field/photo.js";
import { mapIn, mapBlock, LIGHT_COLOURS } from "../core/map.js";

/** What a grid worker or handler may do in the field with no network. */
const OFFLINE_ACTIONS = new Set(["verify_pass", "verify_fail", "handle", "comment"]);

// Which actions to offer: what the transition table allows this role in this state (the server
// checks again and answers 409 otherwise).
export function offered(c) {
  const me = session.me;
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
  const me = session.me;
  const d = await api("GET", `/api/v1/cases/${id}`);
  const c = d.case;
  const acts = offered(c);
  render(app(), html`${crumbs([{ name: t("cases"), href: "#/cases" }, { name: c.number }])}<div class="card">
    <h1 id="case-title">${c.title}</h1>
    <div class="muted">${c.number} · ${c.category_name || c.category_code} · ${t(c.priority)}</div>
    <div class="stats"><div class="stat"><span class="muted">${t("state")}</span><b id="case-state">${stateName(c)}</b></div>
      <div class="stat"><span class="muted">${t("deadline")}</span><b>${lightDot(c.light)} ${fmtTime(c.deadline_at) || "—"}</b></div>
      <div class="stat"><span class="muted">${t("unit")}</span><b id="case-unit">${c.unit_name || "—"}</b></div>
      <div class="stat"><span class="muted">${t("level")}</span><b>${t("level_" + c.level)}</b></div></div>
    ${c.suspend_requested ? html`<p class="badge warn">${t("suspend_asked")}</p>` : ""}
    ${d.followers ? html`<p class="badge" id="case-followers">${t("n_followers")}${t("colon")}${d.followers}</p>` : ""}
    <dl class="kv">
      <dt>${t("description")}</dt><dd>${c.description}</dd>
      <dt>${t("address")}</dt><dd>${c.address}</dd>
      <dt>${t("region")}</dt><dd>${c.region_name || c.region_code}</dd>
      <dt>${t("reporter")}</dt><dd>${c.reporter_name || "—"} <span id="reporter-phone">${c.reporter_phone || ""}</span>
        ${c.reporter_phone && can("reveal_contacts") ? html`<button id="reveal-contacts" class="link" type="button">${t("reveal")}</button>` : ""}</dd>
      <dt>${t("source")}</dt><dd>${t(c.source)}</dd>
      ${c.secret ? html`<dt>${t("secret")}</dt><dd><b id="case-secret">${c.secret}</b> <span class="muted">${t("secret_for_caller")}</span>
        ${c.reporter_phone ? html`<button id="receipt-sms" class="link" type="button">${t("receipt_sms")}</button>` : ""}</dd>` : ""}
      <dt>${t("route_by")}</dt><dd>${t("route_" + c.route_by)}</dd>
      <dt>${t("returns")} / ${t("reworks")} / ${t("escalations")}</dt><dd>${c.returns} / ${c.reworks} / ${c.escalations}</dd>
      ${c.closed_level ? html`<dt>${t("closed_level")}</dt><dd>${t("level_" + c.closed_level)}</dd>` : ""}
      ${c.satisfaction ? html`<dt>${t("rate_title")}</dt><dd>${t(c.satisfaction)}</dd>` : ""}
      ${c.supervise_deadline ? html`<dt>${t("a_supervise")}</dt><dd>${fmtTime(c.supervise_deadline)}</dd>` : ""}
    </dl>${c.lat != null ? mapBlock("case-map") : ""}</div>
    ${acts.length > 0 && html`<div class="card"><form id="case-actions">
      <label>${t("note")}<textarea id="act-note" name="note" rows="2"></textarea></label>
      ${acts.includes("dispatch") && html`<label>${t("unit")}<select id="act-unit" name="unit_id"><option value="">${t("routed_unit")}</option></select></label>`}
      ${acts.includes("merge") && html`<label>${t("duplicate_of")}<input id="act-dup" name="duplicate_number" placeholder="320722-20261122-000123"></label>`}
      ${acts.includes("rate") && html`<label>${t("rate_title")}<select id="act-sat">${SATISFACTION.map((v) => html`<option value="${v}">${t(v)}</option>`)}</select></label>`}
      ${acts.includes("supervise") && html`<label>${t("supervise_days")}<input id="act-days" name="deadline" type="number" min="1" value="3"></label>`}
      <div class="actions">${acts.map((a) => html`<button type="button" class="${a === "comment" ? "secondary" : "primary"} act" id="act-${a}" data-action="${a}">${t("a_" + a)}</button>`)}</div>
    </form></div>`}
    ${c.dispute ? html`<div class="card" id="dispute-card"></div>` : ""}
    <div class="card"><h2>${t("attachments")}</h2><ul class="list" id="attachments">${listOr(d.attachments, (f) =>
      html`<li><a href="/api/v1/attachments/${f.id}" target="_blank" rel="noopener">${f.name}</a><span class="muted">${Math.ceil(f.size / 1024)} KB · ${f.uploaded_by}</span></li>`)}</ul>
    ${can("file_cases") && html`<form id="att-form" class="actions"><input type="file" id="att-file" accept="image/jpeg,image/png,image/webp,application/pdf" capture="environment">
      <button class="secondary" id="att-upload" type="submit">${t("upload")}</button></form>`}</div>
    <div class="card"><h2>${t("timeline")}</h2><ul class="list" id="timeline">${d.events.map((e) => html`<li><span><b>${t("a_" + e.action)}</b> ${e.unit_name || ""}
    <span class="muted">${e.note}</span></span><span class="muted">${t("actor_" + e.actor)}${e.actor_id ? ` ${e.actor_name}` : ""} · ${fmtTime(e.at)}</span></li>`)}</ul></div>`);
  if (c.lat != null) {
    // The case's pin on its grid (or village) boundary.
    mapIn($("#case-map"), { height: "14rem" }).then(async (m) => {
      const fc = await api("GET", `/api/v1/map/${c.grid_code || c.region_code}`).catch(() => null);
      if (fc?.features.length) m.shapes({ type: "FeatureCollection", features: fc.features.slice(0, 1) });
      m.pins([{ lat: c.lat, lng: c.lng, colour: LIGHT_COLOURS[c.light] || LIGHT_COLOURS.blue, label: c.number }]);
      if (!fc?.features.length) m.map.setView([c.lat, c.lng], 16);
    });
  }
  if ($("#act-unit")) {
    // Keeps the first "as routed" option and adds the units of the case's level, its place and the caller's scope.
    unitOptions([c.level_code, c.region_code, me.scope_code]).then((o) => $("#act-unit")?.insertAdjacentHTML("beforeend", String(o)));
  }
  if (c.dispute) disputeCard(c, id);
  // Full phones to call back: each read is written to the audit log.
  $("#reveal-contacts")?.addEventListener("click", async () => {
    const full = await api("POST", `/api/v1/cases/${c.id}/reveal`);
    render("#reporter-phone", full.reporter_phone ? html`<a href="tel:${full.reporter_phone}">${full.reporter_phone}</a>` : "");
    $("#reveal-contacts").remove();
  });
  // The number and secret again, by SMS, for a caller who lost them (only the filer sees this).
  $("#receipt-sms")?.addEventListener("click", async () => {
    const r = await api("POST", `/api/v1/cases/${c.id}/receipt-sms`);
    toast(`${t("receipt_sent")} ${r.phone}`);
  });
  onSubmit("#att-form", async () => {
    const photo = await shrink($("#att-file").files[0]);
    if (!photo) return;
    // With no network the photo waits in the outbox (it is never dropped silently).
    const label = `${t("a_attach")} · ${c.number}`;
    if (await sendOrKeep({ label, stage: "photo", caseId: c.id, photo, result: { number: c.number } })) await viewCase(id);
  });
  onClick("button.act", async (b) => {
    const form = $("#case-actions");
    const body = { action: b.dataset.action, note: $("#act-note").value, version: c.version };
    if (b.dataset.action === "dispatch" && $("#act-unit").value) body.unit_id = $("#act-unit").value;
    if (b.dataset.action === "merge") body.duplicate_number = $("#act-dup").value.trim();
    if (b.dataset.action === "rate") body.satisfaction = $("#act-sat").value;
    if (b.dataset.action === "supervise") body.deadline = Date.now() + Number($("#act-days").value || 3) * 86400000;
    try {
      // Field actions made with no network wait in the outbox; the case's version makes a
      // late one that meets a case moved meanwhile a plain refusal there.
      const label = `${t("a_" + b.dataset.action)} · ${c.number}`;
      const done = OFFLINE_ACTIONS.has(b.dataset.action)
        ? await sendOrKeep({ label, method: "POST", path: `/api/v1/cases/${c.id}/actions`, body })
        : await api("POST", `/api/v1/cases/${c.id}/actions`, body);
      if (!done) return;
      toast(t("a_" + b.dataset.action));
      await viewCase(id);
    } catch (err) {
      showError(form, err);
    }
  });
}

// The parties and mediation sessions of a dispute, with forms to add them.
export async function disputeCard(c, id) {
  const me = session.me;
  const d = await api("GET", `/api/v1/cases/${c.id}/dispute`);
  // Without the mediator pool the parties still show; the form offers no names.
  const pool = await api("GET", "/api/v1/mediators").catch(() => ({ items: [] }));
  const mediating = c.state === "in_progress" && (me.role === "grid_worker" || (me.role === "handler" && me.unit_id === c.unit_id));
  render("#dispute-card", html`<h2>${t("dispute")}</h2>
    <h3>${t("parties")}</h3><ul class="list" id="party-list">${listOr(d.parties, (p) => html`<li><span>${p.name}</span><span class="muted">${t(p.side)} ${p.phone || ""}</span></li>`)}</ul>
    ${can("file_cases") && html`<form id="party-form" class="grid"><label>${t("name")}<input name="name" required></label>
      <label>${t("phone")}<input name="phone" inputmode="tel"></label>
      <label>${t("parties")}<select name="side"><option value="applicant">${t("applicant")}</option><option value="respondent">${t("respondent")}</option><option value="other">${t("other")}</option></select></label>
      <button class="secondary" type="submit">${t("add")}</button></form>`}
    <h3>${t("mediations")}</h3><ul class="list" id="session-list">${listOr(d.sessions, (x) => html`<li><span>${t(x.outcome)} ${x.agreement || x.note}</span><span class="muted">${x.mediator_name || ""} · ${fmtTime(x.held_at)}</span></li>`)}</ul>
    ${mediating && html`<form id="mediation-form" class="stack">
      <label>${t("mediator")}<select name="mediator_id"><option value="">${t("choose")}</option>${pool.items.map((m) => html`<option value="${m.id}">${m.name} (${m.tags})</option>`)}</select></label>
      <label>${t("place")}<input name="place"></label>
      <label>${t("outcome")}<select name="outcome"><option value="adjourned">${t("adjourned")}</option><option value="success">${t("success")}</option><option value="failure">${t("failure")}</option></select></label>
      <label>${t("agreement")}<textarea name="agreement" rows="2"></textarea></label>
      <label>${t("note")}<input name="note"></label>
      <button class="primary" type="submit">${t("record")}</button></form>`}`);
  onSubmit("#party-form", async (f) => {
    await api("POST", `/api/v1/cases/${c.id}/parties`, Object.fromEntries(new FormData(f).entries()));
    await disputeCard(c, id);
  });
  onSubmit("#mediation-form", async (f) => {
    const body = Object.fromEntries(new FormData(f).entries());
    if (!body.mediator_id) delete body.mediator_id;
    await api("POST", `/api/v1/cases/${c.id}/mediations`, body);
    await viewCase(id);
  });
}

view("case", viewCase);
