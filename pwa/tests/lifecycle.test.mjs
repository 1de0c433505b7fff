// The desk app's lifecycle is the server's: for random walks of every tier of the shipped SOP
// templates (sync/test_vectors/lifecycle_walks.json, made by sync/rules.py through
// `python -m sync.test_vectors.generate_lifecycle`), deriveVisit gives the same outcome,
// location, status and custody, and walk the same current step, whatever the order of the
// events and with duplicates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deriveVisit } from "../derive.js";
import { stepsFor, walk } from "../sop.js";

const cases = JSON.parse(readFileSync(new URL("../../sync/test_vectors/lifecycle_walks.json", import.meta.url)));
const templates = new Map([...new Set(cases.map((c) => c.template))].map((key) =>
  [key, JSON.parse(readFileSync(new URL(`../../server/sop/templates/${key}.json`, import.meta.url)))]));

// A small seeded generator (mulberry32), so a failing order can be run again.
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledWithDuplicates(events, random) {
  const sent = [...events];
  for (let n = Math.floor(random() * 4); n > 0; n--) sent.push({ ...events[Math.floor(random() * events.length)] });
  for (let i = sent.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sent[i], sent[j]] = [sent[j], sent[i]];
  }
  return sent;
}

test("the vectors cover every tier of every shipped template", () => {
  assert.ok(cases.length >= 200);
  for (const [key, template] of templates) {
    for (const tier of template.tiers) {
      assert.ok(cases.some((c) => c.template === key && c.tier === tier.key), `${key}/${tier.key}`);
    }
  }
});

cases.forEach((vector, n) => {
  test(`the lifecycle matches the server rules in any order: ${vector.name}`, () => {
    const steps = stepsFor(templates.get(vector.template), vector.tier);
    const random = seeded(n + 1);
    const orders = [vector.events, [...vector.events].reverse(), shuffledWithDuplicates(vector.events, random)];
    for (const events of orders) {
      const visit = deriveVisit(events);
      const derived = Object.fromEntries(Object.keys(vector.expected.visit).map((key) => [key, visit[key]]));
      assert.deepEqual(derived, vector.expected.visit);
      const { current, done, started } = walk(steps, visit);
      assert.deepEqual({ current: current?.key ?? null, done, started }, vector.expected.walk);
    }
  });
});
