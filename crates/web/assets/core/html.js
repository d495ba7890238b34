// Rendering with escaping by default: html`<b>${name}</b>` escapes `name`; a value that is itself
// html`…` (or an array of them) is inserted as markup. `false`, `null` and `undefined` render as
// nothing, so `${cond && html`…`}` reads naturally.

export class Html {
  constructor(s) {
    this.s = s;
  }
  toString() {
    return this.s;
  }
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
export const esc = (s) => String(s ?? "").replace(/[&<>"'`]/g, (c) => ENTITIES[c]);

function part(v) {
  if (v instanceof Html) return v.s;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === null || v === undefined || v === false) return "";
  return esc(v);
}

export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Puts `h` into `el` (an element or a CSS selector) and returns the element. */
export function render(el, h) {
  const target = typeof el === "string" ? document.querySelector(el) : el;
  if (target) target.innerHTML = part(h);
  return target;
}

/** `<option>`s from `[value, label]` pairs, with `selected` on the chosen value. */
export function options(pairs, selected) {
  return pairs.map(([v, label]) => html`<option value="${v}" ${String(v) === String(selected ?? "") ? html`selected` : ""}>${label}</option>`);
}
