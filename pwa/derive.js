// Visit state from its events: the desk app's port of sync/rules.py derive_visit, tested
// against sync/test_vectors/derive.json. The same set of events in any order, with any
// duplicates, gives the same visit; stages only move forward.
import { sha256 } from "./sha256.js";

export const STAGES = ["registered", "verified", "host_notified", "host_received", "admitted", "finished",
  "host_unavailable", "checked_out", "refused", "cancelled"];
const RANK = Object.fromEntries(STAGES.map((s, i) => [s, i]));
export const FINAL_STAGES = ["host_unavailable", "checked_out", "refused", "cancelled"];
// Where a guest on site is, and how a visit ended (sync/PROTOCOL.md, "The visit lifecycle").
export const LOCATIONS = ["desk", "waiting", "screening", "with_host", "finished"];
export const OUTCOMES = ["checked_out", "turned_away", "refused", "cancelled"];
export const CUSTODY_ITEMS = ["card", "id_document", "locker"];
const CHECKOUT_RETURNS = { card_returned: "card", ktp_returned: "id_document", locker_returned: "locker" };
const KIND_LOCATION = { arrived: "desk", registration: "desk", waiting: "waiting", locker: "screening", admitted: "with_host", finished: "finished" };
const KIND_STAGE = {
  registration: "registered", host_notified: "host_notified", host_received: "host_received",
  host_unavailable: "host_unavailable", admitted: "admitted", finished: "finished",
  checked_out: "checked_out", cancelled: "cancelled",
};
// The payload values that decide which SOP branch a step took (kept with each step's last completion).
const OUTCOME_FIELDS = { verification: ["ok"], screening: ["result"], service_feedback: ["sufficient"] };
const REGISTRATION = ["queue_number", "id_type", "id_number", "name", "phone", "institution", "address",
  "purpose", "host_id", "service_id", "photo_sha", "signature_sha", "consent_version", "consent_at", "appointment_id"];

function parseMs(value) {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/** Return the event's time on the server clock (ms): device time minus the clock offset. */
export function correctedMs(event) {
  return parseMs(event.device_time) - (event.clock_offset_ms || 0);
}

const iso = (ms) => new Date(ms).toISOString();

function sortedJson(value) {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Return the SHA-256 of the canonical event (as sync.rules.content_hash). */
export function contentHash(event) {
  return sha256(sortedJson({
    id: event.id, visit_id: event.visit_id, seq: event.seq ?? null, kind: event.kind, actor: event.actor ?? "guest",
    step: event.step || "", device_time: iso(parseMs(event.device_time)), clock_offset_ms: event.clock_offset_ms || 0,
    payload: event.payload || {},
  }));
}

/** Return the visit the events describe (same shape as sync.rules.derive_visit). */
export function deriveVisit(events) {
  const unique = new Map();
  for (const event of events) {
    const kept = unique.get(event.id);
    if (!kept || (kept !== event && contentHash(event) < contentHash(kept))) unique.set(event.id, event);
  }
  const ordered = [...unique.values()].sort((a, b) => (correctedMs(a) - correctedMs(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const visit = {
    id: ordered.length ? ordered[0].visit_id : null,
    stage: "registered", has_registration: false,
    queue_number: "", id_type: "ktp", id_number: "", name: "", phone: "",
    institution: "", address: "", purpose: "", host_id: null, service_id: null,
    photo_sha: null, signature_sha: null, consent_version: "", consent_at: null,
    verified: null, fields_to_correct: [], corrections: {},
    card_number: "", ktp_held: false, locker_number: "", screening: "",
    unavailable_reason: "", cancel_reason: "", time_limit_minutes: null,
    feedback: null, returned: {}, notify_channel: "",
    registered_at: null, verified_at: null, host_notified_at: null,
    host_received_at: null, admitted_at: null, finished_at: null,
    checked_out_at: null, cancelled_at: null, last_event_at: null,
    steps: {}, step_last: {}, event_count: ordered.length, skew_flagged: false,
    arrived_at: null, location: "desk", location_at: null,
    outcome: null, outcome_reason: "", outcome_at: null, status: "desk",
    custody: {}, custody_outstanding: [], skipped: [], time_limit_reminded: false,
    by_appointment: false, appointment_id: null,
  };
  let rank = RANK.registered;
  let registrationSeen = false;
  const corrected = new Map();
  let verificationTime = "";
  const first = (name, when) => { if (visit[name] === null) visit[name] = when; };
  let decision = null; // [outcome, reason, time] of the first event that ended the visit
  const decide = (outcome, reason, when) => { if (decision === null) decision = [outcome, reason, when]; };
  const returnedItems = new Map();
  const issue = (item, when, fields) => {
    if (!Object.hasOwn(visit.custody, item)) visit.custody[item] = { issued_at: when };
    Object.assign(visit.custody[item], fields);
  };
  const giveBack = (item, when) => { if (!returnedItems.has(item)) returnedItems.set(item, when); };
  for (const event of ordered) {
    const kind = event.kind;
    const payload = event.payload || {};
    const when = iso(correctedMs(event));
    visit.last_event_at = when;
    if (Math.abs(event.clock_offset_ms || 0) > 5 * 60 * 1000) visit.skew_flagged = true;
    if (visit.arrived_at === null && (kind === "arrived" || kind === "registration")) {
      const consent = kind === "registration" && typeof payload.consent_at === "string" && Date.parse(payload.consent_at);
      const consentIso = consent || consent === 0 ? iso(consent) : null;
      visit.arrived_at = consentIso && consentIso < when ? consentIso : when;
    }
    let location = KIND_LOCATION[kind] ?? null;
    if (kind === "screening" && payload.result === "clear") location = "screening";
    else if (kind === "service_feedback") location = payload.sufficient ? "finished" : "with_host";
    if (location !== null) { visit.location = location; visit.location_at = when; }
    if (event.step) {
      if (!Object.hasOwn(visit.steps, event.step)) visit.steps[event.step] = when;
      // Events are in time order, so the last one written is the step's latest round.
      const completion = { at: when, kind };
      for (const name of OUTCOME_FIELDS[kind] || []) if (name in payload) completion[name] = payload[name];
      visit.step_last[event.step] = completion;
    }
    let stage = KIND_STAGE[kind] ?? null;
    if (kind === "registration") {
      if (registrationSeen) continue;
      registrationSeen = true;
      visit.has_registration = true;
      for (const name of REGISTRATION) if (payload[name] !== undefined && payload[name] !== null) visit[name] = payload[name];
      visit.registered_at = when;
      visit.by_appointment = visit.appointment_id !== null;
    } else if (kind === "verification") {
      visit.verified = !!payload.ok;
      visit.fields_to_correct = [...(payload.fields || [])].sort();
      verificationTime = when;
      if (payload.ok) { stage = "verified"; first("verified_at", when); }
    } else if (kind === "correction") {
      for (const [name, value] of Object.entries(payload.fields || {})) corrected.set(name, [when, value]);
    } else if (kind === "host_notified") {
      visit.notify_channel = payload.channel || visit.notify_channel;
      first("host_notified_at", when);
    } else if (kind === "host_received") {
      first("host_received_at", when);
    } else if (kind === "host_unavailable") {
      visit.unavailable_reason = payload.reason;
      decide("turned_away", payload.reason, when);
    } else if (kind === "arrived") {
      if (payload.queue_number && !visit.queue_number) visit.queue_number = payload.queue_number;
    } else if (kind === "card_issued") {
      if ("card_number" in payload) {
        visit.card_number = payload.card_number || "";
        if (visit.card_number) issue("card", when, { number: visit.card_number });
      }
      let held = payload.id_held ?? null;
      if (held === null && "ktp_held" in payload && payload.ktp_held !== null) held = payload.ktp_held ? "ktp" : "";
      if (held !== null) {
        visit.ktp_held = !!held;
        if (held) issue("id_document", when, { type: held });
      }
    } else if (kind === "locker") {
      visit.locker_number = payload.locker_number;
      if (payload.locker_number) issue("locker", when, { number: payload.locker_number, items: payload.items || "" });
    } else if (kind === "screening") {
      if (visit.screening !== "refused") visit.screening = payload.result;
      if (payload.result === "refused") { stage = "refused"; decide("refused", payload.note || "", when); }
    } else if (kind === "admitted") {
      first("admitted_at", when);
      if (payload.time_limit_minutes !== undefined && payload.time_limit_minutes !== null) visit.time_limit_minutes = payload.time_limit_minutes;
      if (payload.reminded) visit.time_limit_reminded = true;
    } else if (kind === "service_feedback") {
      visit.feedback = { sufficient: payload.sufficient, need: payload.need || "" };
    } else if (kind === "finished") {
      first("finished_at", when);
    } else if (kind === "checked_out") {
      first("checked_out_at", when);
      for (const [key, item] of Object.entries(CHECKOUT_RETURNS)) {
        if (key in payload) visit.returned[key] = !!payload[key];
        // A check-out returns everything it does not name as kept.
        if (!(key in payload) || payload[key] === null || payload[key]) giveBack(item, when);
      }
    } else if (kind === "returned") {
      for (const item of payload.items || []) giveBack(item, when);
    } else if (kind === "step_skipped") {
      if (!visit.skipped.includes(event.step)) visit.skipped.push(event.step);
    } else if (kind === "cancelled") {
      visit.cancel_reason = payload.reason || "";
      first("cancelled_at", when);
      decide("cancelled", visit.cancel_reason, when);
    }
    if (stage !== null && RANK[stage] > rank) rank = RANK[stage];
  }
  // Python dicts keep insertion order: the first correction of a field sets its place.
  for (const [name, [when, value]] of corrected) {
    visit[name] = value;
    visit.corrections[name] = when;
  }
  if (visit.verified === false) {
    visit.fields_to_correct = visit.fields_to_correct.filter((f) => (visit.corrections[f] ?? "") < verificationTime);
  }
  visit.stage = STAGES[rank];
  if (decision === null && visit.checked_out_at) decision = ["checked_out", "", visit.checked_out_at];
  if (decision !== null) {
    [visit.outcome, visit.outcome_reason, visit.outcome_at] = decision;
    visit.location = "left"; visit.location_at = decision[2];
  }
  for (const [item, held] of Object.entries(visit.custody)) held.returned_at = returnedItems.get(item) ?? null;
  visit.custody_outstanding = CUSTODY_ITEMS.filter((item) => Object.hasOwn(visit.custody, item) && !returnedItems.has(item));
  visit.skipped.sort();
  visit.status = visit.outcome || visit.location;
  visit.on_site = visit.outcome === null;
  return visit;
}

/**
 * Return the visit id that keeps an appointment several visits checked in with (sync/rules.py
 * first_checkin): the earliest registration by corrected time, a tie to the smaller visit id,
 * a visit without a registration time after every one with it; null for none. Any order, any
 * duplicates give the same answer.
 */
export function firstCheckin(checkins) {
  let best = null;
  for (const checkin of checkins) {
    const ms = typeof checkin.registered_at === "string" ? Date.parse(checkin.registered_at) : NaN;
    const key = { none: Number.isNaN(ms), ms: Number.isNaN(ms) ? 0 : ms, id: String(checkin.visit_id) };
    if (best === null || key.none < best.none || (key.none === best.none && (key.ms < best.ms || (key.ms === best.ms && key.id < best.id)))) best = key;
  }
  return best === null ? null : best.id;
}

/** Return true while the guest is still on site (the visit has no outcome). */
export function onSite(visit) {
  if (visit.outcome !== undefined) return !visit.outcome;
  return !FINAL_STAGES.includes(visit.stage); // a view from before the lifecycle fields
}

/** Return true when the desk asked for a correction that has not been made yet. */
export function needsCorrection(visit) {
  return visit.verified === false && (visit.fields_to_correct || []).length > 0;
}

/** Return the custody items issued and not yet returned (the end-of-day reconciliation), whatever the outcome. */
export function outstanding(visit) {
  if (Array.isArray(visit.custody_outstanding)) return visit.custody_outstanding;
  const returned = visit.returned || {}; // a view from before the custody ledger
  const left = [];
  if (visit.card_number && !returned.card_returned) left.push("card");
  if (visit.ktp_held && !returned.ktp_returned) left.push("id_document");
  if (visit.locker_number && !returned.locker_returned) left.push("locker");
  return left;
}

const STAGE_STATUS = { admitted: "with_host", finished: "finished", host_unavailable: "turned_away", checked_out: "checked_out", refused: "refused", cancelled: "cancelled" };

/** Return the one word every screen shows: the outcome, else where the guest is (older views: from the stage). */
export function statusOf(visit) {
  if (visit.status) return visit.status;
  return STAGE_STATUS[visit.stage] || "desk";
}

/**
 * Return the lifecycle of a visit seen both ways: the server's (from every tablet's events and
 * the host inbox) and this tablet's (its own events, maybe not synced yet). The first outcome
 * decided stands (a decision over a plain check-out), the latest location wins, and a custody
 * item is held if either side issued it and returned if either side returned it.
 */
export function mergeLifecycle(server, local) {
  const pick = (a, b) => {
    if (!a?.outcome) return b?.outcome ? b : null;
    if (!b?.outcome) return a;
    if ((a.outcome === "checked_out") !== (b.outcome === "checked_out")) return a.outcome === "checked_out" ? b : a;
    return String(a.outcome_at || "") <= String(b.outcome_at || "") ? a : b;
  };
  const ended = pick(server, local);
  const later = String(local?.location_at || "") >= String(server?.location_at || "") && local?.location_at ? local : server;
  const custody = {};
  for (const side of [server?.custody || {}, local?.custody || {}]) {
    for (const [item, held] of Object.entries(side)) {
      const kept = custody[item];
      custody[item] = { ...(kept || {}), ...held, returned_at: kept?.returned_at || held.returned_at || null };
    }
  }
  const merged = {
    outcome: ended?.outcome ?? null, outcome_reason: ended?.outcome_reason ?? "", outcome_at: ended?.outcome_at ?? null,
    location: ended ? "left" : later?.location || "desk", location_at: ended ? ended.outcome_at : later?.location_at ?? null,
    custody,
    custody_outstanding: CUSTODY_ITEMS.filter((item) => custody[item] && !custody[item].returned_at),
    skipped: [...new Set([...(server?.skipped || []), ...(local?.skipped || [])])].sort(),
    time_limit_reminded: !!(server?.time_limit_reminded || local?.time_limit_reminded),
  };
  merged.status = merged.outcome || merged.location;
  merged.on_site = merged.outcome === null;
  const arrived = [server?.arrived_at, local?.arrived_at].filter(Boolean).sort();
  merged.arrived_at = arrived[0] ?? null;
  return merged;
}
