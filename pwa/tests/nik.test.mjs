// Offline NIK rules per shared/reference/nik-and-privacy.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crossCheck, maskNik, parseNik } from "../nik.js";

const today = new Date("2026-11-23T00:00:00Z");

test("a man's NIK gives his birth date and sex", () => {
  const r = parseNik("6171011505900001", today);
  assert.equal(r.ok, true);
  assert.equal(r.sex, "L");
  assert.equal(r.birthDate, "1990-05-15");
  assert.equal(r.province, "Kalimantan Barat");
});

test("a woman's NIK has 40 added to the day", () => {
  const r = parseNik("6171015505900002", today);
  assert.equal(r.ok, true);
  assert.equal(r.sex, "P");
  assert.equal(r.birthDate, "1990-05-15");
});

test("two-digit years after this year belong to the last century", () => {
  assert.equal(parseNik("3171010101270001", today).birthDate, "1927-01-01");
  assert.equal(parseNik("3171010101050001", today).birthDate, "2005-01-01");
});

test("spaces, dots and dashes between groups are ignored", () => {
  assert.equal(parseNik("6171 01 150590 0001", today).ok, true);
  assert.equal(parseNik("6171.01.150590-0001", today).ok, true);
});

for (const [nik, error] of [
  ["617101150590001", "length"], ["61710115059000011", "length"], ["61710115059O0001", "digits"],
  ["9971011505900001", "province"], ["2071011505900001", "province"], ["6171013202900001", "date"],
  ["6171017102900001", "date"], ["6171013002900001", "date"], ["6171010013900001", "date"],
  ["6171012902250001", "date"], ["6171011505900000", "serial"],
]) {
  test(`NIK ${nik} is refused for ${error}`, () => {
    const r = parseNik(nik, today);
    assert.equal(r.ok, false);
    assert.ok(r.errors.includes(error), JSON.stringify(r.errors));
  });
}

test("29 February is valid only in leap years, for women too", () => {
  assert.equal(parseNik("6171016902240001", today).ok, true);
  assert.equal(parseNik("6171012902240001", today).birthDate, "2024-02-29");
});

test("unknown kabupaten and kecamatan codes are not refused", () => {
  assert.equal(parseNik("6199991505900001", today).ok, true);
});

test("sex and birth date typed by the guest are cross-checked against the NIK", () => {
  const r = parseNik("6171015505900002", today);
  assert.deepEqual(crossCheck(r, { sex: "P", birthDate: "1990-05-15" }), []);
  assert.deepEqual(crossCheck(r, { sex: "L" }), ["sex"]);
  assert.deepEqual(crossCheck(r, { birthDate: "1990-05-16" }), ["birth_date"]);
});

test("a masked NIK shows only its serial", () => {
  assert.equal(maskNik("6171011505900001"), "•••• •••• •••• 0001");
  assert.ok(!maskNik("6171011505900001").includes("150590"));
});
