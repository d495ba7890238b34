// Hash routes: each area module registers its views and navigation links; the router draws the
// view named by `#/<view>/<arg>`, logs in first unless the view is public, and sends each role to
// its own work when no view is named.
import { html, render } from "./html.js";
import { t, lang, setLang, strings } from "./i18n.js";
import { api, session, can } from "./api.js";
import { $, app, toast } from "./ui.js";

strings(
  { kept_copy: "没有网络：显示的是手机上保存的数据，可能不是最新", colon: "：", doc_title: "统筹 · 城乡一体化基层治理", reload_needed: "页面没有完整加载（网络中断），请重新打开", reload: "重新打开", r_resident: "居民", r_grid_worker: "网格员", r_agent: "受理员", r_dispatcher: "调度员", r_handler: "处置人员", r_leader: "领导", r_party_officer: "党务干部", r_admin: "管理员", home: "首页", logout: "退出", not_found: "未找到或不在您的管辖范围内", search: "搜索", search_ph: "姓名或身份证号", tagline: "城乡一体化基层治理", prev: "上一页", next: "下一页", none: "没有记录" },
  { kept_copy: "No network: showing what the phone kept, which may not be current", colon: ": ", doc_title: "Tongchou · grassroots governance", reload_needed: "The page did not load completely (the network went): open it again", reload: "Open again", r_resident: "Resident", r_grid_worker: "Grid worker", r_agent: "Intake agent", r_dispatcher: "Dispatcher", r_handler: "Handler", r_leader: "Leader", r_party_officer: "Party officer", r_admin: "Administrator", home: "Home", logout: "Log out", not_found: "Not found or outside your scope", search: "Search", search_ph: "Name or ID number", tagline: "Urban–rural grassroots governance", prev: "Previous", next: "Next", none: "Nothing here" },
);

// No inherited keys: `#/constructor` is no view.
const VIEWS = Object.create(null);
const PUBLIC = new Set();
const NAV = [];
const LANDINGS = [];
const LEAVING = [];
const GUARDS = [];

let loadAreas = async () => {};
let areas = null;

/** How the area modules load (main.js): after the first view, or as soon as a view needs them. */
export function areasFrom(load) {
  loadAreas = load;
}

/** The area modules, loaded once; a logged-in view waits for them. */
export function ensureAreas() {
  // A browser keeps a failed module fetch: a load cut off needs the page reloaded (draw says so).
  areas ||= loadAreas();
  return areas;
}

/** Registers a view: `#/<name>/<arg>` calls `draw(arg)`; a public view needs no login. */
export function view(name, draw, { isPublic = false } = {}) {
  VIEWS[name] = draw;
  if (isPublic) PUBLIC.add(name);
}

/** A navigation link shown to the logged-in user when `show(me)` holds; `href` may be `(me) => …`. */
export function nav(id, href, label, show = () => true) {
  NAV.push({ id, href, label, show });
}

/** Where a role lands: of the `pick(me)`s that answer a hash, the lowest `rank` wins. */
export function landing(pick, rank = 0) {
  LANDINGS.push({ pick, rank });
  LANDINGS.sort((a, b) => a.rank - b.rank);
}

/** Asked before logging out: `guard()` answers false to stay (e.g. writes not yet sent). */
export function beforeLogout(guard) {
  GUARDS.push(guard);
}

/** Runs on logout (e.g. to forget data kept for offline use). */
export function onLogout(fn) {
  LEAVING.push(fn);
}

function applyStatic() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("doc_title");
  document.querySelectorAll("[data-t]").forEach((el) => (el.textContent = t(el.dataset.t)));
  document.querySelectorAll("[data-tp]").forEach((el) => (el.placeholder = t(el.dataset.tp)));
  $("#lang").textContent = lang === "zh" ? "EN" : "中文";
}

export function renderNav() {
  const me = session.me;
  $("#search-form").hidden = !can("read_registry");
  render("#usernav", html`<span class="hide-sm">${me.display_name} · ${t("r_" + me.role)}</span>
    ${NAV.filter((n) => n.show(me)).map((n) => html`<a id="${n.id}" href="${typeof n.href === "function" ? n.href(me) : n.href}">${t(n.label)}${n.id === "nav-inbox" && html`<b id="unread"></b>`}</a>`)}
    <span id="outbox-state"></span>
    <button id="logout" class="link" type="button">${t("logout")}</button>`);
  api("GET", "/api/v1/inbox?unread=true&page_size=1")
    .then((r) => { if (r.unread && $("#unread")) $("#unread").textContent = ` ${r.unread}`; })
    .catch(() => {});
  $("#logout").addEventListener("click", async () => {
    for (const guard of GUARDS) if (!(await guard())) return;
    // Offline the server's session would stay: say so and stay logged in.
    try {
      await api("POST", "/api/v1/auth/logout");
    } catch (err) {
      return toast(err.message);
    }
    for (const fn of LEAVING) await fn();
    session.me = null;
    location.hash = "#/login";
  });
  document.dispatchEvent(new CustomEvent("tc:nav"));
}

export async function route() {
  // A newer navigation wins: an older one that is still loading does not redirect.
  const token = (route.seq = (route.seq || 0) + 1);
  await draw(token);
  // A logged-in view is on the screen (what waits for that: main.js, the service worker).
  if (session.me && token === route.seq) document.dispatchEvent(new CustomEvent("tc:drawn"));
  // An older navigation that was still loading may finish after a newer one and draw over it:
  // when the newest has been drawn and a stale one finishes, draw the newest again.
  if (token === route.seq) route.drawn = token;
  else if (route.drawn === route.seq) {
    route.drawn = 0;
    route();
  }
}

function showFailure(err) {
  render(app(), html`<div class="card"><p class="error">${err.status === 404 ? t("not_found") : err.message}</p><a href="#/">${t("home")}</a></div>`);
}

async function draw(token) {
  applyStatic();
  $("#kept").hidden = true;
  const [, name, arg] = (location.hash || "#/").split("/");
  if (PUBLIC.has(name) || name === "login") {
    $("#search-form").hidden = true;
    try {
      return await VIEWS[name](arg);
    } catch (err) {
      return showFailure(err);
    }
  }
  if (!session.me) {
    try {
      session.me = await api("GET", "/api/v1/me");
    } catch {
      return VIEWS.login();
    }
  }
  try {
    await ensureAreas();
  } catch {
    return render(app(), html`<div class="card"><p class="error">${t("reload_needed")}</p><a href="/">${t("reload")}</a></div>`);
  }
  if (token !== route.seq) return;
  // A temporary password is changed before anything else.
  if (session.me.must_change_password && name !== "password") return void (location.hash = "#/password");
  renderNav();
  try {
    if (VIEWS[name]) return await VIEWS[name](arg);
    if (token !== route.seq) return;
    for (const { pick } of LANDINGS) {
      const to = pick(session.me);
      if (to) return void (location.hash = to);
    }
  } catch (err) {
    if (err.status === 401) return;
    showFailure(err);
  }
}

export function start() {
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("#search-q").value.trim();
    if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
  });
  $("#lang").addEventListener("click", () => {
    setLang(lang === "zh" ? "en" : "zh");
    route();
  });
  window.addEventListener("hashchange", route);
  return route();
}
