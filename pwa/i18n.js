// UI strings: one dictionary per language, Bahasa Indonesia first.
import id from "./i18n/id.js";
import en from "./i18n/en.js";

const DICTS = { id, en };
let lang = "id";

/** Set the language ("id" or "en"). */
export function setLang(value) {
  lang = DICTS[value] ? value : "id";
  if (globalThis.document) document.documentElement.lang = lang;
}

/** Return the current language. */
export function getLang() { return lang; }

/** Return the string for a key with {name} placeholders filled. */
export function t(key, vars = {}) {
  const value = DICTS[lang][key] ?? DICTS.id[key] ?? key;
  if (typeof value !== "string") return value;
  return value.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}
