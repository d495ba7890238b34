// The JSON API: the session (who is logged in), errors with the field they name, and the
// language the server should answer in.
import { lang } from "./i18n.js";

export const session = { me: null };

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || String(status));
    this.status = status;
    this.body = body;
  }
}

export const can = (p) => !!session.me && session.me.permissions.includes(p);

/** Headers every call carries; `extra` wins. */
export function baseHeaders(method, extra = {}) {
  const h = { "Accept-Language": lang === "en" ? "en" : "zh-CN", ...extra };
  if (session.me && method !== "GET") h["X-CSRF-Token"] = session.me.csrf_token;
  return h;
}

/**
 * Calls the API. `raw` (a Blob or File) is sent as the body with its own type; `headers` adds
 * e.g. an Idempotency-Key. A network failure throws the browser's TypeError (the outbox uses that
 * to tell "offline" from a refusal).
 */
export async function api(method, path, body, raw, headers = {}) {
  const h = baseHeaders(method, headers);
  let payload;
  if (raw) {
    payload = raw;
    h["Content-Type"] = raw.type || "text/csv";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["Content-Type"] = "application/json";
  }
  const res = await fetch(path, { method, headers: h, body: payload, credentials: "same-origin" });
  if (res.status === 204) return null;
  // A copy kept on the phone answered (no network): the page says its data may be old.
  if (res.headers.get("X-Tongchou-Kept")) document.getElementById("kept")?.removeAttribute("hidden");
  const data = await res.json().catch(() => ({ code: "bad_response", message: res.statusText }));
  // The session's token changed (a login since the kept copy of /me): take the current one, once.
  if (res.status === 403 && data.code === "csrf_failed" && !headers["X-Tongchou-Fresh"]) {
    session.me = await api("GET", "/api/v1/me", undefined, undefined, { "X-Tongchou-Fresh": "1" });
    return api(method, path, body, raw, { ...headers, "X-Tongchou-Fresh": "1" });
  }
  if (res.status === 401 && path !== "/api/v1/auth/login") {
    session.me = null;
    location.hash = "#/login";
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** The public (anonymous) side: an idempotency key and a server-signed nonce per form. */
export const publicForm = { key: "", nonce: "" };

export async function publicApi(method, path, body) {
  const headers = { "Accept-Language": lang === "en" ? "en" : "zh-CN" };
  if (body) Object.assign(headers, { "Content-Type": "application/json", "Idempotency-Key": publicForm.key, "X-Form-Nonce": publicForm.nonce });
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => ({ message: res.statusText }));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Forgets what the phone kept for offline use (the service worker's reads, the open patrol). */
export async function forgetKept() {
  if (window.caches) await caches.delete("data");
  localStorage.removeItem("tc_patrol");
  sessionStorage.removeItem("tc_kept");
}

/** After a login: another account on the same phone does not see what the last one read. Done
 * here, with the login form, not by a listener in a module that may still be loading. */
export async function loggedIn(me) {
  const last = localStorage.getItem("tc_user");
  if (last && last !== String(me.id)) await forgetKept();
  localStorage.setItem("tc_user", String(me.id));
}
