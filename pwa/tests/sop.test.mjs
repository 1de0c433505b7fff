// The SOP walk reads the office's template: tiers by the host's tier, markers skipped, the
// optional correction step only after a failed check, branches (loops back included) followed
// to their goto as sync/rules.py walk_steps does (shared vectors in sync/test_vectors/walk.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deriveVisit } from "../derive.js";
import { actorName, currentStep, stepDone, stepStartedAt, stepsFor, stepTitle, walk } from "../sop.js";

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

const walks = JSON.parse(readFileSync(new URL("../../sync/test_vectors/walk.json", import.meta.url)));
const templates = { "kalbar-2021": kalbar, "tanjabbar-2017": tanjabbar, "kaltim-2022": kaltim };

for (const vector of walks) {
  test(`the walk matches the server rules: ${vector.name}`, () => {
    const steps = stepsFor(templates[vector.template], vector.tier ?? undefined);
    for (const events of [vector.events, [...vector.events].reverse()]) {
      const { current, done, started } = walk(steps, deriveVisit(events));
      assert.deepEqual({ current: current?.key ?? null, done, started }, vector.expected);
    }
  });
}

const T = (minute) => new Date(Date.UTC(2026, 10, 23, 2, minute)).toISOString();
const served = {
  registered_at: T(0), queue_number: "A-001", verified: true, stage: "finished",
  steps: { isi_buku_tamu: T(0), cocokkan_identitas: T(4), hubungi_petugas: T(6), terima_tamu: T(10), beri_pelayanan: T(70) },
};
served.step_last = Object.fromEntries(Object.entries(served.steps).map(([k, at]) => [k, { at, kind: "step_done" }]));

test("service not sufficient: the walk goes back to the officer's service, its timer from the feedback", () => {
  const steps = stepsFor(kalbar);
  const visit = { ...served, step_last: { ...served.step_last, tanya_feedback: { at: T(75), kind: "service_feedback", sufficient: false } } };
  assert.equal(currentStep(steps, visit).key, "beri_pelayanan");
  assert.equal(stepStartedAt(steps, visit, steps.find((s) => s.key === "beri_pelayanan")), T(75));
  assert.equal(stepDone(steps.find((s) => s.key === "beri_pelayanan"), visit, walk(steps, visit)), false);
  // The service again: the feedback is asked again, from the end of the second round.
  const again = { ...visit, step_last: { ...visit.step_last, beri_pelayanan: { at: T(95), kind: "finished" } } };
  assert.equal(currentStep(steps, again).key, "tanya_feedback");
  assert.equal(walk(steps, again).started.tanya_feedback, T(95));
  // Sufficient now: the feedback step is done and the walk continues at the branch's goto.
  const enough = { ...again, step_last: { ...again.step_last, tanya_feedback: { at: T(97), kind: "service_feedback", sufficient: true } } };
  assert.equal(currentStep(steps, enough).key, "hubungi_helpdesk");
  assert.equal(walk(steps, enough).done.tanya_feedback, T(97));
});

test("the loop's goto is read from the template, not from a step key in the code", () => {
  const edited = JSON.parse(JSON.stringify(kalbar));
  edited.tiers[0].steps.find((s) => s.key === "tanya_feedback").branches[0].goto = "terima_tamu";
  const visit = { ...served, step_last: { ...served.step_last, tanya_feedback: { at: T(75), kind: "service_feedback", sufficient: false } } };
  assert.equal(currentStep(stepsFor(edited), visit).key, "terima_tamu");
});

test("a visit pulled before step_last was kept walks by its first completions", () => {
  const { step_last: _, ...old } = served;
  assert.equal(currentStep(stepsFor(kalbar), old).key, "tanya_feedback");
});

test("a step key that is also an Object property name is not taken for done", () => {
  const steps = [{ key: "constructor", kind: "step_done", branches: [] }, { key: "toString", kind: "step_done", branches: [] }];
  assert.equal(currentStep(steps, { steps: {} }).key, "constructor");
});
