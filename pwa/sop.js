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

/** Return true when a step is completed by the visit (an event named it, or its kind happened). */
export function stepDone(step, visit) {
  if (visit.steps?.[step.key]) return true;
  if (step.kind === "registration") return !!visit.registered_at || !!visit.queue_number;
  return false;
}

/** Return the first step still to do (skipping markers and untaken optional steps), or null. */
export function currentStep(steps, visit) {
  for (const step of steps) {
    if (step.marker || stepDone(step, visit)) continue;
    const correcting = visit.verified === false && (visit.fields_to_correct || []).length > 0;
    if (step.optional && !(step.kind === "correction" && correcting)) continue;
    return step;
  }
  return null;
}

/** Return when the current step started: the completion of the step before, or registration. */
export function stepStartedAt(steps, visit, step) {
  let started = visit.registered_at || null;
  for (const s of steps) {
    if (s === step) break;
    const t = visit.steps?.[s.key];
    if (t && (!started || t > started)) started = t;
  }
  return started;
}

/** Return the resolved SOP template the pull delivered with the office, or null. */
export function templateOf(office) {
  if (!office) return null;
  for (const key of ["sop", "sop_template", "template"]) {
    if (office[key] && typeof office[key] === "object") return office[key];
  }
  return null;
}
