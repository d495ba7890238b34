// Tongchou web UI: each area module registers its views, navigation links and landing; the
// router then draws the page. The order here is the order of the navigation.
import "./cases/queue.js";
import "./cases/intake.js";
import "./cases/case.js";
import "./field/tasks.js";
import "./territory.js";
import "./registry.js";
import "./inbox.js";
import "./accounts.js";
import "./accounts_admin.js";
import "./admin.js";
import "./public.js";
import { start } from "./core/router.js";
import { toast } from "./core/ui.js";

// Nothing fails silently: a refused or lost request nobody else caught is said.
window.addEventListener("unhandledrejection", (e) => {
  const err = e.reason;
  if (err && err.status === 401) return;
  toast((err && err.message) || String(err));
});
// Kept for use with no network (see /sw.js); a browser without service workers still works online.
// Registered once the first view is drawn: on a village link the worker's precache (the map
// library included) would otherwise share the line with the page the user is waiting for.
start().finally(() => {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
});
