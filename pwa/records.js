// What the desk records: visits (as events), survey responses, photos and signatures.
// Each record is written with its outbox entry in one transaction.
import { all, get, getMeta, isQuotaError, openDb, write } from "./db.js";
import { FINAL_STAGES, STAGES, deriveVisit, mergeLifecycle, onSite, statusOf } from "./derive.js";
import { enqueue } from "./outbox.js";
import { daysBetween, isoNow, localDay, sha256Hex, uuid } from "./util.js";
import { cleanNik } from "./nik.js";

export const CONSENT_VERSION = "2026-11-id-1";

async function deviceAndZone() {
  const device = await getMeta("device", null);
  const office = (await get("pulled", "office:current"))?.data || {};
  const timezone = office.timezone || device?.office?.timezone || "Asia/Jakarta";
  return { device, office, timezone };
}

async function nextSeq(tx) {
  const meta = tx.objectStore("meta");
  const seq = ((await meta.get("seq")) || 0) + 1;
  await meta.put(seq, "seq");
  return seq;
}

/** Take the next queue number of the day ("A-007"), inside a transaction with "meta". */
async function nextQueueNumber(tx, letter, day) {
  const meta = tx.objectStore("meta");
  const current = (await meta.get("queue")) || { day, n: 0 };
  const n = current.day === day ? current.n + 1 : 1;
  await meta.put({ day, n }, "queue");
  return `${letter || "A"}-${String(n).padStart(3, "0")}`;
}

async function addEvent(tx, { visit_id, kind, step = null, actor = "guest", payload = {} }, offset) {
  const event = {
    id: uuid(), visit_id, seq: await nextSeq(tx), kind, actor, device_time: isoNow(),
    clock_offset_ms: offset, payload,
  };
  if (step) event.step = step;
  await tx.objectStore("events").put(event);
  await enqueue(tx, "event", event.id, event);
  return event;
}

async function refreshVisit(tx, visitId, day) {
  const events = await tx.objectStore("events").index("visit_id").getAll(visitId);
  const existing = (await tx.objectStore("visits").get(visitId)) || { id: visitId, day };
  const record = { ...existing, local: deriveVisit(events), updated_at: Date.now() };
  await tx.objectStore("visits").put(record);
  return record;
}

/**
 * Register a guest: the registration event, the visit, its blobs and outbox entries in one
 * transaction, with a queue number unique per office per day (device letter + daily counter).
 * If storage is full the visit is saved without its photo and `photoDropped` is true.
 */
export async function registerVisit(form, { photo = null, signature = null } = {}) {
  const blobs = [];
  for (const [blob, field] of [[photo, "photo_sha"], [signature, "signature_sha"]]) {
    if (blob) blobs.push({ sha: await sha256Hex(blob), type: blob.type, data: blob, field });
  }
  // One transaction reads the device, office and clock and writes everything: fewer round trips.
  const attempt = async (withBlobs) => write(["meta", "pulled", "events", "outbox", "visits", "blobs"], async (tx) => {
    const meta = tx.objectStore("meta");
    const device = await meta.get("device");
    const office = (await tx.objectStore("pulled").get("office:current"))?.data || {};
    const offset = (await meta.get("clock_offset_ms")) || 0;
    const day = localDay(new Date(), office.timezone || device?.office?.timezone || "Asia/Jakarta");
    // A guest received at the lobby first (an `arrived` visit) fills in the guest book for that visit.
    const joined = form.visit_id ? await tx.objectStore("visits").get(form.visit_id) : null;
    const visitId = joined ? joined.id : uuid();
    const payload = {
      queue_number: joined?.local?.queue_number || joined?.server?.queue_number
        || (/^[A-Za-z0-9-]{1,16}$/.test(form.queue_number || "") ? form.queue_number : await nextQueueNumber(tx, device?.letter, day)),
      id_type: form.id_type, id_number: form.id_type === "ktp" ? cleanNik(form.id_number) : (form.id_number || "").trim(),
      name: form.name.trim(), phone: (form.phone || "").trim(), institution: (form.institution || "").trim(),
      address: (form.address || "").trim(), purpose: (form.purpose || "").trim(),
      photo_sha: null, signature_sha: null, consent_version: CONSENT_VERSION, consent_at: isoNow(),
    };
    if (form.host_id) payload.host_id = Number(form.host_id); else payload.service_id = Number(form.service_id);
    // A guest who checked in with an appointment ticket (screens/checkin.js).
    if (form.appointment_id) payload.appointment_id = form.appointment_id;
    for (const b of withBlobs) {
      payload[b.field] = b.sha;
      await tx.objectStore("blobs").put({ sha: b.sha, type: b.type, data: b.data, visit_id: visitId, kind: b.field === "photo_sha" ? "photo" : "signature" });
      await enqueue(tx, "blob", b.sha, { sha: b.sha, type: b.type });
    }
    await addEvent(tx, { visit_id: visitId, kind: "registration", step: form.step || null, actor: "guest", payload }, offset);
    return refreshVisit(tx, visitId, day);
  });
  try {
    return { visit: await attempt(blobs), photoDropped: false };
  } catch (error) {
    if (!isQuotaError(error) || !blobs.length) throw error;
    // Keep the visit even if its photo and signature cannot be stored.
    return { visit: await attempt([]), photoDropped: true };
  }
}

/** Record one SOP event for a visit (staff actions) and return the refreshed visit. */
export async function recordEvent(visitId, kind, payload = {}, { step = null, actor = "system" } = {}) {
  const { timezone } = await deviceAndZone();
  const offset = await getMeta("clock_offset_ms", 0);
  return write(["meta", "events", "outbox", "visits"], async (tx) => {
    await addEvent(tx, { visit_id: visitId, kind, step, actor, payload }, offset);
    return refreshVisit(tx, visitId, localDay(new Date(), timezone));
  });
}

/** Record several events of one visit together (a return of held items and the refusal it goes with). */
export async function recordEvents(visitId, events) {
  const { timezone } = await deviceAndZone();
  const offset = await getMeta("clock_offset_ms", 0);
  return write(["meta", "events", "outbox", "visits"], async (tx) => {
    for (const { kind, payload = {}, step = null, actor = "system" } of events) {
      await addEvent(tx, { visit_id: visitId, kind, step, actor, payload }, offset);
    }
    return refreshVisit(tx, visitId, localDay(new Date(), timezone));
  });
}

/** Record a guest received before the guest book (the lobby step): a new visit with its queue number. */
export async function recordArrival(stepKey, actor) {
  return write(["meta", "pulled", "events", "outbox", "visits"], async (tx) => {
    const meta = tx.objectStore("meta");
    const device = await meta.get("device");
    const office = (await tx.objectStore("pulled").get("office:current"))?.data || {};
    const offset = (await meta.get("clock_offset_ms")) || 0;
    const day = localDay(new Date(), office.timezone || device?.office?.timezone || "Asia/Jakarta");
    const visitId = uuid();
    const queue = await nextQueueNumber(tx, device?.letter, day);
    await addEvent(tx, { visit_id: visitId, kind: "arrived", step: stepKey, actor, payload: { queue_number: queue } }, offset);
    return refreshVisit(tx, visitId, day);
  });
}

/** Return today's guests received at the lobby who have not filled in the guest book yet. */
export async function pendingArrivals(day) {
  return (await visitsOfDay(day)).filter((v) => v.has_registration === false && onSite(v));
}

/** Save one survey response (one per visit) with its outbox entry; return it. */
export async function saveSurvey({ visit_id = null, answers, profile, saran = "", service_id = null, host_id = null, source = "kiosk" }) {
  return write(["surveys", "outbox"], async (tx) => {
    if (visit_id && (await tx.objectStore("surveys").index("visit_id").count(visit_id)) > 0) {
      throw Object.assign(new Error("survey already answered"), { code: "duplicate_survey" });
    }
    const response = { id: uuid(), visit_id, submitted_at: isoNow(), source, answers, profile, service_id, host_id, saran };
    await tx.objectStore("surveys").put(response);
    await enqueue(tx, "survey", response.id, response);
    return response;
  });
}

/** Return true when a visit already has a survey response (here, or by phone through a used link). */
export async function hasSurvey(visitId) {
  const db = await openDb();
  if ((await db.countFromIndex("surveys", "visit_id", visitId)) > 0) return true;
  const links = await db.getAllFromIndex("pulled", "entity", "survey_link");
  return links.some((l) => l.data?.visit_id === visitId && l.data?.used);
}

/** Return the view of a visit: the server's state overlaid with what this tablet recorded. */
export function viewOf(record) {
  const server = record.server ? { ...record.server, ...(record.server.state || {}) } : {};
  const local = record.local || {};
  const view = { id: record.id, day: record.day, ...server };
  for (const [k, v] of Object.entries(local)) {
    if (v === null || v === "" || v === false || (typeof v === "object" && v && !Array.isArray(v) && !Object.keys(v).length)) continue;
    if (Array.isArray(v) && !v.length && view[k] !== undefined) continue;
    view[k] = v;
  }
  if (local.verified === false && server.verified !== true) view.verified = false;
  view.steps = { ...(server.steps || {}), ...(local.steps || {}) };
  // Each step's latest completion, here or on the server (another tablet's, a host's reply).
  view.step_last = { ...(server.step_last || {}) };
  for (const [key, completion] of Object.entries(local.step_last || {})) {
    if (!view.step_last[key] || completion.at >= view.step_last[key].at) view.step_last[key] = completion;
  }
  view.returned = { ...(server.returned || {}), ...(local.returned || {}) };
  // Where the guest is, how the visit ended and what the desk holds: both sides' events count.
  const pulled = record.server ? { ...record.server, ...(record.server.state || {}) } : null;
  if (pulled && pulled.status === undefined && FINAL_STAGES.includes(pulled.stage)) {
    // Pulled from a server without the lifecycle fields: its stage says the visit ended.
    pulled.outcome = statusOf(pulled);
    pulled.outcome_at = pulled.checked_out_at || pulled.cancelled_at || "";
  }
  Object.assign(view, mergeLifecycle(pulled, local.event_count ? local : null));
  view.has_registration = !!(local.has_registration || pulled?.has_registration || (pulled && pulled.has_registration === undefined));
  const rank = (s) => STAGES.indexOf(s);
  view.stage = [server.stage, local.has_registration || local.event_count ? local.stage : null]
    .filter(Boolean).sort((a, b) => rank(b) - rank(a))[0] || "registered";
  view.on_site = onSite(view);
  if (!view.id_number && server.id_number_masked) view.id_number_masked = server.id_number_masked;
  return view;
}

/** Return the visits of a local day, newest queue number last. */
export async function visitsOfDay(day) {
  const records = await all("visits", "day", day);
  return records.map(viewOf).sort((a, b) => String(a.registered_at || "").localeCompare(String(b.registered_at || "")));
}

/** Return one visit's view, or null. */
export async function visitById(id) {
  const record = await get("visits", id);
  return record ? viewOf(record) : null;
}

/** Return the latest registration on this tablet with this identity number (a returning guest). */
export async function findByIdNumber(idNumber) {
  const wanted = cleanNik(idNumber);
  if (!wanted) return null;
  const events = await all("events");
  const hits = events.filter((e) => e.kind === "registration" && cleanNik(e.payload?.id_number) === wanted);
  hits.sort((a, b) => a.device_time.localeCompare(b.device_time));
  return hits.length ? hits[hits.length - 1].payload : null;
}

/** Store a visit the server sent by pull (another tablet's, or a host reply). */
export async function putServerVisit(tx, data, timezone) {
  const store = tx.objectStore("visits");
  const existing = await store.get(data.id);
  const day = existing?.day || (data.registered_at ? localDay(new Date(data.registered_at), timezone) : localDay(new Date(), timezone));
  await store.put({ ...(existing || { id: data.id }), day, server: data, updated_at: Date.now() });
}

/**
 * Remove personal data of visits already synced and older than the device retention
 * (days; 0 = only today's stay), and the pulled appointments of past days (a ticket of a past
 * day is refused by its date anyway). Return the number of visits purged.
 */
export async function purgeOld(retentionDays = 0, today = null) {
  const { timezone } = await deviceAndZone();
  const day = today || localDay(new Date(), timezone);
  let purged = 0;
  await write(["visits", "events", "blobs", "outbox", "surveys", "pulled"], async (tx) => {
    for (const record of await tx.objectStore("pulled").index("entity").getAll("appointment")) {
      if (record.data?.date && record.data.date < day) await tx.objectStore("pulled").delete(record.key);
    }
    const waiting = new Set((await tx.objectStore("outbox").getAll()).map((e) => e.rid));
    for (const visit of await tx.objectStore("visits").getAll()) {
      if (daysBetween(visit.day, day) <= retentionDays) continue;
      const events = await tx.objectStore("events").index("visit_id").getAll(visit.id);
      const blobShas = [visit.local?.photo_sha, visit.local?.signature_sha].filter(Boolean);
      if (onSite(viewOf(visit))) continue;
      if (events.some((e) => waiting.has(e.id)) || blobShas.some((s) => waiting.has(s))) continue;
      const surveys = await tx.objectStore("surveys").index("visit_id").getAll(visit.id);
      if (surveys.some((s) => waiting.has(s.id))) continue;
      for (const e of events) await tx.objectStore("events").delete(e.id);
      for (const s of blobShas) await tx.objectStore("blobs").delete(s);
      for (const s of surveys) await tx.objectStore("surveys").delete(s.id);
      await tx.objectStore("visits").delete(visit.id);
      purged += 1;
    }
  });
  return purged;
}

/** Wipe every personal record that is not waiting in the outbox (a revoked tablet). */
export async function wipeSynced() {
  await write(["visits", "events", "blobs", "surveys", "outbox", "pulled"], async (tx) => {
    const waiting = new Set((await tx.objectStore("outbox").getAll()).map((e) => e.rid));
    for (const e of await tx.objectStore("events").getAll()) if (!waiting.has(e.id)) await tx.objectStore("events").delete(e.id);
    for (const b of await tx.objectStore("blobs").getAll()) if (!waiting.has(b.sha)) await tx.objectStore("blobs").delete(b.sha);
    for (const s of await tx.objectStore("surveys").getAll()) if (!waiting.has(s.id)) await tx.objectStore("surveys").delete(s.id);
    await tx.objectStore("visits").clear();
    await tx.objectStore("pulled").clear();
  });
}
