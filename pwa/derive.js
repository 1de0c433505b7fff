// Visit state from its events: a pure function, the desk app's port of sync/rules.py
// (same events in any order, with duplicates, give the same visit).

export const STAGES = ["registered", "correction_needed", "verified", "host_notified", "host_unavailable",
  "host_received", "waiting", "screened", "admitted", "served", "finished", "checked_out", "cancelled"];
const FINAL = new Set(["checked_out", "cancelled"]);

const REG_FIELDS = ["queue_number", "id_type", "id_number", "name", "phone", "institution", "address",
  "purpose", "host_id", "service_id", "photo_sha", "signature_sha", "consent_version", "consent_at"];

function order(a, b) {
  return (a.device_time < b.device_time ? -1 : a.device_time > b.device_time ? 1 : 0) ||
    ((a.seq ?? 0) - (b.seq ?? 0)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Return the derived state of one visit from its events. */
export function deriveVisit(events) {
  const seen = new Map();
  for (const e of events) if (!seen.has(e.id)) seen.set(e.id, e);
  const list = [...seen.values()].sort(order);
  const v = {
    stage: "registered", steps: {}, corrections: 0, correction_fields: [],
    card_number: "", ktp_held: false, locker_number: "", screening: "", unavailable_reason: "",
    card_returned: false, ktp_returned: false, locker_returned: false, cancel_reason: "",
    registered_at: null, admitted_at: null, finished_at: null, checked_out_at: null,
    time_limit_minutes: null, feedback: null,
  };
  for (const e of list) {
    const p = e.payload || {};
    if (!v.id && e.visit_id) v.id = e.visit_id;
    if (e.step) v.steps[e.step] = e.device_time;
    if (FINAL.has(v.stage) && e.kind !== "checked_out" && e.kind !== "cancelled") continue;
    switch (e.kind) {
      case "registration":
        for (const f of REG_FIELDS) if (p[f] !== undefined) v[f] = p[f];
        v.registered_at = e.device_time;
        break;
      case "verification":
        v.stage = p.ok ? "verified" : "correction_needed";
        v.correction_fields = p.ok ? [] : (p.fields || []);
        break;
      case "correction":
        for (const [k, val] of Object.entries(p.fields || {})) if (REG_FIELDS.includes(k)) v[k] = val;
        v.corrections += 1; v.correction_fields = []; v.stage = "verified";
        break;
      case "host_notified": v.stage = "host_notified"; break;
      case "host_received": v.stage = "host_received"; v.unavailable_reason = ""; break;
      case "host_unavailable": v.stage = "host_unavailable"; v.unavailable_reason = p.reason || ""; break;
      case "card_issued": v.card_number = p.card_number || ""; v.ktp_held = !!p.ktp_held; v.stage = "waiting"; break;
      case "locker": v.locker_number = p.locker_number || ""; v.stage = "waiting"; break;
      case "waiting": v.stage = "waiting"; break;
      case "screening": v.screening = p.result || ""; v.stage = "screened"; break;
      case "admitted": v.stage = "admitted"; v.admitted_at = e.device_time; v.time_limit_minutes = p.time_limit_minutes ?? null; break;
      case "service_feedback": v.feedback = p; v.stage = p.sufficient ? "served" : "admitted"; break;
      case "finished": v.stage = "finished"; v.finished_at = e.device_time; break;
      case "checked_out":
        v.stage = "checked_out"; v.checked_out_at = e.device_time;
        v.card_returned = !!p.card_returned; v.ktp_returned = !!p.ktp_returned; v.locker_returned = !!p.locker_returned;
        break;
      case "cancelled": if (!FINAL.has(v.stage)) { v.stage = "cancelled"; v.cancel_reason = p.reason || ""; } break;
      default: break;
    }
  }
  return v;
}

/** Return true while the guest is still in the building. */
export function onSite(visit) {
  return !FINAL.has(visit.stage);
}

/** Return what the guest still holds or the desk still keeps (the end-of-day reconciliation). */
export function outstanding(visit) {
  const left = [];
  if (visit.card_number && !visit.card_returned) left.push("card");
  if (visit.ktp_held && !visit.ktp_returned) left.push("ktp");
  if (visit.locker_number && !visit.locker_returned) left.push("locker");
  return left;
}
