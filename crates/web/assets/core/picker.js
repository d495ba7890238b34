// A place picker: type part of a name (or the code itself) and pick a region or grid of your
// scope; the form sends the code. Staff no longer type 12- and 15-digit codes by hand.
import { html, render } from "./html.js";
import { strings, t } from "./i18n.js";
import { api } from "./api.js";
import { $$ } from "./ui.js";

strings({ pick_ph: "输入名称搜索，或直接输入代码", grid_kind: "网格" }, { pick_ph: "Type part of a name, or the code", grid_kind: "grid" });

/** The markup of a picker field: `name` is the form field that carries the chosen code. */
export const pickerField = ({ id, name, label, value = "", kind = "" }) => html`<label>${label}<span class="picker" data-kind="${kind}">
  <input class="picker-q" id="${id}-q" autocomplete="off" placeholder="${t("pick_ph")}" value="${value}">
  <input type="hidden" name="${name}" id="${id}" value="${value}">
  <ul class="picker-list" role="listbox" hidden></ul></span></label>`;

/** Makes every picker under `root` search as its field is typed into. */
export function wirePickers(root = document) {
  for (const box of $$(".picker", root)) {
    const q = box.querySelector(".picker-q");
    const code = box.querySelector("input[type=hidden]");
    const list = box.querySelector(".picker-list");
    const choose = (value, label) => {
      code.value = value;
      q.value = label;
      list.hidden = true;
      code.dispatchEvent(new Event("change", { bubbles: true }));
    };
    let timer = 0;
    let seq = 0;
    q.addEventListener("input", () => {
      clearTimeout(timer);
      const text = q.value.trim();
      // A code typed in full is taken as it is.
      code.value = /^\d{12}(\d{3})?$/.test(text) ? text : "";
      if (!text || /^\d+$/.test(text)) return void (list.hidden = true);
      timer = setTimeout(async () => {
        const mine = ++seq;
        const kind = box.dataset.kind;
        const r = await api("GET", `/api/v1/places?q=${encodeURIComponent(text)}&kind=${kind}`).catch(() => ({ items: [] }));
        if (mine !== seq) return;
        render(list, r.items.map((p) => html`<li><button type="button" class="picker-hit" data-code="${p.code}" data-label="${p.name}">
          ${p.name} <span class="muted">${p.kind === "grid" ? t("grid_kind") : t(p.level)} · ${p.parent_name || ""} · ${p.code}</span></button></li>`));
        list.hidden = r.items.length === 0;
        list.querySelectorAll(".picker-hit").forEach((b) => b.addEventListener("click", () => choose(b.dataset.code, b.dataset.label)));
      }, 250);
    });
  }
}

/** Sets a picker from elsewhere (a tap on the map): its code, its shown name, and a change. */
export function setPicked(id, code, label) {
  const hidden = document.getElementById(id);
  if (!hidden) return;
  hidden.value = code;
  document.getElementById(id + "-q").value = label;
  hidden.dispatchEvent(new Event("change", { bubbles: true }));
}

/** The code prefix of a region's subtree (`320722101000` → `320722101`), for a routing rule. */
export function regionPrefix(code) {
  const len = [2, 4, 6, 9, 12].find((n) => /^0*$/.test(code.slice(n)));
  return len ? code.slice(0, len) : code;
}
