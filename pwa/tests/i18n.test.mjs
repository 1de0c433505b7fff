// Every UI string exists in Bahasa Indonesia and in English.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import id from "../i18n/id.js";
import en from "../i18n/en.js";

const root = new URL("..", import.meta.url);
const sources = ["app.js", ...readdirSync(new URL("screens/", root)).map((f) => `screens/${f}`)];

test("both dictionaries have the same keys", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(id).sort());
});

test("every t(\"key\") used by the screens is in the dictionaries", () => {
  const missing = [];
  for (const file of sources) {
    const text = readFileSync(new URL(file, root), "utf8");
    for (const [, key] of text.matchAll(/\bt\("([a-z0-9_]+)"/g)) if (!(key in id)) missing.push(`${file}: ${key}`);
  }
  assert.deepEqual(missing, []);
});

test("every SKM element has four answer labels in both languages, in scale order", () => {
  for (const key of ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana"]) {
    assert.equal(id[`a_${key}`].length, 4, key);
    assert.equal(en[`a_${key}`].length, 4, key);
    assert.ok(id[`q_${key}`] && en[`q_${key}`], key);
  }
  assert.deepEqual(id.a_biaya, ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]);
  assert.deepEqual(id.a_pengaduan, ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"]);
});
