// Tongchou web UI: each area module registers its views, navigation links and landing; the
// router then draws the page. The login form and the public pages need only what is imported
// here; the other areas load right after the first view is drawn, in the order of the
// navigation (AREAS), and a logged-in view waits for them.
import "./accounts.js";
import "./public.js";
import { start, areasFrom, ensureAreas } from "./core/router.js";
import { toast } from "./core/ui.js";

const AREAS = [
  "./assess.js",
  "./cases/queue.js",
  "./cases/intake.js",
  "./cases/case.js",
  "./field/tasks.js",
  "./territory.js",
  "./registry.js",
  "./inbox.js",
  "./accounts_admin.js",
  "./admin.js",
];

// Nothing fails silently: a refused or lost request nobody else caught is said.
window.addEventListener("unhandledrejection", (e) => {
  const err = e.reason;
  if (err && err.status === 401) return;
  toast((err && err.message) || String(err));
});

/** Every module of the import map not loaded yet, fetched at once (not one import level per
 * round trip), then the areas run in the navigation's order. */
async function loadAreas() {
  const map = JSON.parse(document.querySelector("script[type=importmap]").textContent).imports;
  const have = new Set([...document.querySelectorAll("link[rel=modulepreload]")].map((l) => l.href));
  for (const url of Object.values(map)) {
    const u = new URL(url, location.href);
    const href = u.href;
    if (!u.pathname.endsWith(".js") || u.pathname.includes("/vendor/") || have.has(href)) continue;
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = href;
    document.head.append(link);
  }
  for (const m of AREAS) await import(m);
}

areasFrom(loadAreas);
// A failure here is shown by the view that needs the areas, not on the public pages.
start()
  .then(ensureAreas)
  .catch(() => {});
// Kept for use with no network (see /sw.js); a browser without service workers still works online.
// Registered once a logged-in view is drawn: on a village link the worker's precache (the map
// library included) would otherwise share the line with the login and the first screen. The
// public pages need no offline copy (a report is sent, not queued).
document.addEventListener(
  "tc:drawn",
  () => {
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
  },
  { once: true },
);
