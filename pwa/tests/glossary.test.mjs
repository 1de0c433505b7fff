// The desk's dictionaries use the glossary's word for each term (sync/glossary.json,
// docs/glossary.md), the same words as the web pages: "pejabat" / "official", never "tuan rumah"
// or "host". The rule is the one tests/web/test_glossary.py applies to the web catalog.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import id from "../i18n/id.js";
import en from "../i18n/en.js";

const glossary = JSON.parse(readFileSync(new URL("../../sync/glossary.json", import.meta.url), "utf8"));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// \b is ASCII-only in JS; these words are ASCII.
const word = (w) => new RegExp(`\\b${escape(w)}\\b`, "i");

function flat(value, key = "", out = {}) {
  if (Array.isArray(value)) value.forEach((v, i) => flat(v, `${key}[${i}]`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) flat(v, key ? `${key}.${k}` : k, out);
  else out[key] = String(value);
  return out;
}

export function disagreements(pairs) {
  const words = (t) => [t.id, ...(t.id_also || [])];
  const terms = [...glossary.terms].sort((a, b) => Math.max(...words(b).map((w) => w.length)) - Math.max(...words(a).map((w) => w.length)));
  const found = [];
  for (const [where, indonesian, english] of pairs) {
    let rest = indonesian;
    for (const term of terms) {
      for (const w of term.avoid?.id || []) if (word(w).test(indonesian)) found.push([where, `avoid ${w}`, indonesian]);
      for (const w of term.avoid?.en || []) if (word(w).test(english)) found.push([where, `avoid ${w}`, english]);
      let named = false;
      for (const w of words(term).sort((a, b) => b.length - a.length)) {
        if (word(w).test(rest)) { named = true; rest = rest.replace(new RegExp(word(w).source, "gi"), " "); }
      }
      const excepted = (term.except || []).some((e) => indonesian.includes(e));
      if (named && !excepted && !new RegExp(`\\b${escape(term.en)}`, "i").test(english)) found.push([where, term.id, indonesian, english]);
    }
  }
  return found;
}

test("the desk's dictionaries use the glossary's words in both languages", () => {
  const ids = flat(id), ens = flat(en);
  assert.deepEqual(disagreements(Object.entries(ids).map(([k, v]) => [k, v, ens[k] ?? ""])), []);
});

test("a word the glossary avoids, or a term translated otherwise, is found", () => {
  assert.equal(disagreements([["x", "Menghubungi tuan rumah", "Contacting the official"]])[0][1], "avoid tuan rumah");
  assert.equal(disagreements([["x", "Kartu tamu", "Visitor card"]])[0][1], "avoid visitor card");
  assert.equal(disagreements([["x", "Pejabat bersedia", "Host will receive"]]).length, 2);
  assert.deepEqual(disagreements([["x", "Di meja penerima tamu", "At the desk"]]), []);
});
