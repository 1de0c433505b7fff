// The desk app masks identity numbers exactly as the server does (sync/rules.py
// mask_id_number): the shared cases in sync/test_vectors/mask.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { maskNik } from "../nik.js";

const vectors = JSON.parse(readFileSync(new URL("../../sync/test_vectors/mask.json", import.meta.url)));

test("every shared mask vector gives the server's output", () => {
  assert.ok(vectors.cases.length >= 10);
  for (const { input, masked } of vectors.cases) {
    assert.equal(maskNik(input), masked, JSON.stringify(input));
  }
});
