// Translations: each area module adds its own strings; one language is shown at a time.
const ZH = Object.create(null);
const EN = Object.create(null);

export let lang = localStorage.getItem("tc_lang") === "en" ? "en" : "zh";

/** Adds an area's strings (the same keys in both languages). */
export function strings(zh, en) {
  Object.assign(ZH, zh);
  Object.assign(EN, en);
}

export const t = (k) => (lang === "en" ? EN[k] : ZH[k]) ?? ZH[k] ?? k;

export function setLang(l) {
  lang = l === "en" ? "en" : "zh";
  localStorage.setItem("tc_lang", lang);
}

/** The keys one language has and the other lacks (checked by the UI tests). */
export function missing() {
  return {
    en: Object.keys(ZH).filter((k) => !(k in EN)),
    zh: Object.keys(EN).filter((k) => !(k in ZH)),
  };
}
