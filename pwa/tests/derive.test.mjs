// The JavaScript derivation gives exactly what sync/rules.py gives for the shared test vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deriveVisit, outstanding } from "../derive.js";
import { sha256 } from "../sha256.js";
import { createHash } from "node:crypto";

const vectors = JSON.parse(readFileSync(new URL("../../sync/test_vectors/derive.json", import.meta.url)));

for (const vector of vectors) {
  test(`derive matches the server rules: ${vector.name}`, () => {
    assert.deepEqual(deriveVisit(vector.events), vector.expected);
  });
  test(`derive ignores order and duplicates: ${vector.name}`, () => {
    const shuffled = [...vector.events].reverse();
    assert.deepEqual(deriveVisit([...shuffled, ...vector.events]), vector.expected);
  });
}

test("sha256 agrees with node's crypto on ascii, multibyte and block-boundary inputs", () => {
  for (const text of ["", "abc", "é Ünïcødé 😀", "x".repeat(55), "y".repeat(56), "z".repeat(64), "w".repeat(1000)]) {
    assert.equal(sha256(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
});

test("outstanding lists guest card, identity document and locker not returned (legacy views without custody)", () => {
  assert.deepEqual(outstanding({ card_number: "12", ktp_held: true, locker_number: "L3", returned: {} }), ["card", "id_document", "locker"]);
  assert.deepEqual(outstanding({ card_number: "12", ktp_held: true, locker_number: "L3",
    returned: { card_returned: true, ktp_returned: true, locker_returned: false } }), ["locker"]);
  assert.deepEqual(outstanding({ card_number: "", ktp_held: false, locker_number: "", returned: {} }), []);
});

test("outstanding reads the custody ledger when the view has it, whatever the outcome", () => {
  assert.deepEqual(outstanding({ outcome: "cancelled", custody_outstanding: ["card", "id_document"], card_number: "11" }), ["card", "id_document"]);
  assert.deepEqual(outstanding({ outcome: null, custody_outstanding: [], card_number: "11", returned: {} }), []);
});
