// The office's SOP walk, read from the pulled template (never hard-coded per office).

const tr = (value, lang) => (value && typeof value === "object" ? value[lang] || value.id || value.en || "" : value || "");

/** Return the steps a visit follows: the tier's steps for tiered templates (from the host's tier). */
export function stepsFor(template, tier) {
  if (!template) return [];
  let steps = template.steps;
  if (template.tiers) {
    const tiers = template.tiers;
    const fallback = template.default_tier;
    const chosen = Array.isArray(tiers)
      ? tiers.find((t) => t.key === tier) || tiers.find((t) => t.key === fallback) || tiers[tiers.length - 1]
      : tiers[tier] || tiers[fallback] || tiers[Object.keys(tiers).pop()];
    steps = Array.isArray(chosen) ? chosen : chosen?.steps;
  }
  return (steps || []).map((s, i) => ({
    key: s.key, no: s.no ?? i + 1, title: s.title, actor: s.actor, minutes: s.minutes ?? s.standard_minutes ?? null,
    kind: s.event || s.kind || s.event_kind || "step_done", optional: !!s.optional, survey: !!s.survey,
    marker: !!s.marker, branches: s.branches || [], needs: s.needs, produces: s.produces,
  }));
}

/** Return the display name of an actor key in the template's language. */
export function actorName(template, key, lang = "id") {
  const actors = template?.actors;
  if (!actors) return key || "";
  const found = Array.isArray(actors) ? actors.find((a) => a.key === key) : actors[key];
  return tr(found?.name ?? found?.title ?? found, lang) || key || "";
}

/** Return a step's title in a language. */
export function stepTitle(step, lang = "id") {
  return tr(step.title, lang) || step.key;
}

const takes = (branch, completion) => Object.entries(branch.on || {}).every(([name, value]) => completion[name] === value);

/**
 * Return where a visit stands in its SOP: `{current, done, started}` (port of sync/rules.py
 * walk_steps, tested against sync/test_vectors/walk.json). `current` is the step to do now (a
 * step object) or null; `done` maps each step key that counts as done to the completion that
 * counts; `started` maps the done steps and the current one to when their latest round started.
 * A branch back (e.g. "service not sufficient: back to the officer") opens the steps from its
 * goto through the branching step again; a branch forward makes its goto due and passes over
 * the steps in between. The visit's stage never goes back; only this walk does.
 */
export function walk(steps, visit) {
  const keys = steps.map((s) => s.key);
  const index = new Map(keys.map((k, n) => [k, n]));
  const has = (object, key) => Object.hasOwn(object, key);
  const recorded = visit.step_last || {};
  const first = visit.steps || {};
  const last = new Map();
  for (const key of keys) {
    if (has(recorded, key) && recorded[key]) last.set(key, recorded[key]);
    else if (has(first, key) && first[key]) last.set(key, { at: first[key] }); // a visit derived before step_last was kept
  }
  const due = new Map();
  const dueAt = (key) => due.get(key) ?? "";
  const passed = new Set();
  const order = [...last].map(([key, completion]) => [completion.at, index.get(key)])
    .sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : b[1] - a[1]));
  // Latest completion first, so a loop back undoes the branches of the rounds before it.
  for (const [at, n] of order) {
    const step = steps[n];
    if (at <= dueAt(step.key)) continue;
    const branch = (step.branches || []).find((b) => b && typeof b === "object" &&
      (b.goto === null || b.goto === undefined || index.has(b.goto)) && takes(b, last.get(step.key)));
    if (!branch) continue;
    const target = branch.goto === null || branch.goto === undefined ? keys.length : index.get(branch.goto);
    if (target <= n) {
      for (const key of keys.slice(target, n + 1)) if (at > dueAt(key)) due.set(key, at);
    } else {
      if (target < keys.length && at > dueAt(keys[target])) due.set(keys[target], at);
      for (const key of keys.slice(n + 1, target)) passed.add(key);
    }
  }
  const correcting = visit.verified === false && (visit.fields_to_correct || []).length > 0;
  const done = {};
  const started = {};
  let current = null;
  let clock = visit.registered_at || null; // the latest completion of the steps so far
  for (const step of steps) {
    const key = step.key;
    const completion = last.get(key);
    let begin = clock;
    if (due.get(key) && (begin === null || due.get(key) > begin)) begin = due.get(key);
    if (completion && completion.at > dueAt(key)) done[key] = completion.at;
    else if (step.kind === "registration" && visit.has_registration !== false && (visit.registered_at || visit.queue_number)) done[key] = visit.registered_at || "";
    if (has(done, key)) started[key] = begin;
    else if (current === null && !step.marker && !passed.has(key) &&
             (!step.optional || due.has(key) || (step.kind === "correction" && correcting))) {
      current = step;
      started[key] = begin;
    }
    if (completion && (clock === null || completion.at > clock)) clock = completion.at;
  }
  const outcome = visit.outcome;
  if (outcome && !(outcome === "refused" && current && current.kind === "checked_out" && !visit.checked_out_at)) {
    // A visit that ended has nothing left to do, except the card a refused guest returns on the template's way out.
    if (current) delete started[current.key];
    current = null;
  }
  return { current, done, started };
}

/** Return true when a step counts as done (give the walk when you have it). */
export function stepDone(step, visit, walked = walk([step], visit)) {
  return Object.hasOwn(walked.done, step.key);
}

/** Return the step to do now (skipping markers, steps a branch passed over, untaken optional steps), or null. */
export function currentStep(steps, visit) {
  return walk(steps, visit).current;
}

/** Return when a step's latest round started: the completion before it, or the branch that sent the walk to it. */
export function stepStartedAt(steps, visit, step) {
  const { started } = walk(steps, visit);
  return Object.hasOwn(started, step.key) ? started[step.key] : null;
}

/** Return the resolved SOP template the pull delivered with the office, or null. */
export function templateOf(office) {
  if (!office) return null;
  for (const key of ["sop", "sop_template", "template"]) {
    if (office[key] && typeof office[key] === "object") return office[key];
  }
  return null;
}
