// The service worker: keeps the page and every asset so the app opens with no network, and the
// last answer of each API read, so a grid worker's tasks, households and the case catalog are
// there offline. It never handles writes: the page queues those itself (the outbox).
const VERSION = "__VERSION__";
const PRECACHE = "__PRECACHE__";
const SHELL = "shell-" + VERSION;
// API reads; the page empties it on logout and when another account logs in.
const DATA = "data";
// How long an API read may wait for the network before the kept copy is shown.
const PATIENCE_MS = 4000;

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // The app's own page only: exports and attachments open as themselves.
  if (req.mode === "navigate") return url.pathname === "/" ? e.respondWith(shell(req)) : undefined;
  if (url.pathname.startsWith("/assets/")) return e.respondWith(asset(req));
  if (url.pathname.startsWith("/api/v1/") && keeps(url.pathname)) return e.respondWith(read(req));
});

// The page from the cache first: a village phone opens the app at once, and a new release
// reaches it on the next visit (the browser checks this worker for changes on each navigation).
async function shell(req) {
  const kept = await caches.match("/", { cacheName: SHELL });
  return kept || fetch(req);
}

async function asset(req) {
  const kept = await caches.match(req, { cacheName: SHELL });
  return kept || fetch(req);
}

// Reads worth keeping: not the public side, not files, not exports.
function keeps(path) {
  return !/^\/api\/v1\/(public\/|attachments\/|export\/|auth\/)/.test(path);
}

// The network first; its answer is kept. With no network (or none within PATIENCE_MS when a copy
// is kept) the kept copy answers, marked so the page can say it is not fresh.
async function read(req) {
  const cache = await caches.open(DATA);
  // A full phone that cannot keep a copy still answers from the network.
  const network = fetch(req).then((res) => {
    if (res.ok) cache.put(req, res.clone()).catch(() => {});
    return res;
  });
  // A read right after a write (or of the session) must be current: the network or nothing.
  if (req.headers.get("X-Tongchou-Fresh")) return network.catch(() => offline(req));
  const kept = await cache.match(req);
  const stale = () => kept && marked(kept);
  if (!kept) {
    return network.catch(() => offline(req));
  }
  const timer = new Promise((resolve) => setTimeout(() => resolve(null), PATIENCE_MS));
  const first = await Promise.race([network.catch(() => null), timer]);
  return first || stale();
}

async function marked(res) {
  const headers = new Headers(res.headers);
  headers.set("X-Tongchou-Kept", "1");
  return new Response(await res.blob(), { status: res.status, headers });
}

function offline(req) {
  const en = !(req.headers.get("Accept-Language") || "zh").startsWith("zh");
  const message = en ? "offline, and this was not kept on the phone" : "没有网络，手机上也没有保存这些数据";
  return new Response(JSON.stringify({ code: "offline", message }), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}
