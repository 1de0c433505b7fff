// The SOP walk reads the office's template: tiers by the host's tier, markers skipped, the
// optional correction step only after a failed check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { actorName, currentStep, stepsFor, stepTitle } from "../sop.js";

const load = (key) => JSON.parse(readFileSync(new URL(`../../server/sop/templates/${key}.json`, import.meta.url)));
const kalbar = load("kalbar-2021");
const tanjabbar = load("tanjabbar-2017");
const kaltim = load("kaltim-2022");

test("Tanjung Jabung Barat screens with the metal detector only for pimpinan and eselon II/III", () => {
  const has = (tier) => stepsFor(tanjabbar, tier).some((s) => s.kind === "screening");
  assert.equal(has("pimpinan"), true);
  assert.equal(has("eselon_2_3"), true);
  assert.equal(has("eselon_4_asn"), false);
  assert.equal(has(undefined), false); // a service visit follows the default tier
});

test("step minutes and actors come from the template", () => {
  const steps = stepsFor(tanjabbar, "pimpinan");
  assert.deepEqual(steps.map((s) => s.minutes), [3, 2, 10, 3, 10, 2]);
  assert.equal(actorName(tanjabbar, steps[4].actor, "id"), "ADC Pimpinan");
  assert.deepEqual(stepsFor(tanjabbar, "eselon_4_asn").map((s) => s.minutes), [3, 2, 10, 10, 2]);
  assert.deepEqual(stepsFor(kaltim).map((s) => s.minutes), [2, 2, 2, 20, 2]);
  assert.ok(stepsFor(kaltim).at(-1).survey);
  assert.ok(stepTitle(stepsFor(kalbar)[1], "en"));
});

test("the walk skips markers and done steps, and the correction step unless a check failed", () => {
  const steps = stepsFor(kalbar);
  const registered = { registered_at: "2026-11-23T02:00:00.000Z", steps: { isi_buku_tamu: "2026-11-23T02:00:00.000Z" } };
  assert.equal(currentStep(steps, registered).key, "cocokkan_identitas");
  const verified = { ...registered, verified: true, steps: { ...registered.steps, cocokkan_identitas: "2026-11-23T02:05:00.000Z" } };
  assert.equal(currentStep(steps, verified).key, "hubungi_petugas");
  const failed = { ...verified, verified: false, fields_to_correct: ["id_number"] };
  assert.equal(currentStep(steps, failed).key, "perbaiki_identitas");
  const all = Object.fromEntries(steps.map((s) => [s.key, "2026-11-23T03:00:00.000Z"]));
  assert.equal(currentStep(steps, { ...registered, steps: all }), null);
});
