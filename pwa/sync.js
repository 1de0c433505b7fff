// The sync loop: push the outbox, upload blobs, then pull until nothing more, one flusher at a
// time. Runs on start, on `online`, on visibility change, on a timer, by Background Sync and
// from the "Sinkronkan sekarang" button. A weak link is the ordinary case: after a failed
// request the run retries soon (short backoff with full jitter, reset by any request that
// succeeds) as long as it is making progress; a cut blob upload resumes from the bytes the
// server holds. The long wait is only for an empty outbox or a link that is really down.
import * as api from "./api.js";
import { get, getMeta, openDb, setMeta, write } from "./db.js";
import { applyAck, noteAttempt, peek, pending, problems, quarantineLocally, remove } from "./outbox.js";
import { purgeOld, putServerVisit, wipeSynced } from "./records.js";

const BASE_DELAY = 1000;
const MAX_DELAY = 5 * 60 * 1000;
const PERIOD = 60 * 1000;
// Failed requests in a row a run retries itself (after making progress) before it waits.
const QUICK_TRIES = 6;
// Whole-blob SHA-256 mismatches (the bytes on the tablet are not what they are named) before
// the blob is set aside. Network failures never count towards this.
const MAX_BLOB_MISMATCHES = 3;
const PULLED = new Set(["office", "host", "service", "staff", "survey_link", "appointment"]);

const status = {
  online: globalThis.navigator?.onLine ?? true, pending: 0, lastSync: null, error: null,
  running: false, attention: 0, upgradeRequired: false, revoked: false,
  waiting: { records: 0, blobs: 0, bytes: 0 }, etaSeconds: null,
};
const listeners = new Set();
let failures = 0; // failed requests in a row; any request that succeeds resets it
let progress = false; // a request of the running sync succeeded
let timer = null;
let running = null;
let sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Upload speed seen on this link (bytes/s, smoothed), for the time-left estimate.
let rate = null;
const resumeFirst = new Set(); // blobs whose last upload was cut: ask the server's offset first
const held = new Map(); // blob sha -> bytes the server said it holds
const sizes = new Map(); // blob sha -> its size (for the bytes waiting)

/** Subscribe to status changes; return the unsubscribe function. */
export function onStatus(fn) {
  listeners.add(fn);
  fn({ ...status });
  return () => listeners.delete(fn);
}

function emit(changes = {}) {
  Object.assign(status, changes);
  for (const fn of listeners) fn({ ...status });
}

/** Return what waits to be sent: records, blobs and the blobs' bytes. */
export async function waiting() {
  const db = await openDb();
  const entries = await db.getAll("outbox");
  const out = { records: 0, blobs: 0, bytes: 0 };
  for (const e of entries) {
    if (e.kind !== "blob") { out.records += 1; out.bytes += 400; continue; }
    out.blobs += 1;
    if (!sizes.has(e.rid)) sizes.set(e.rid, e.body?.size || (await db.get("blobs", e.rid))?.data?.size || 0);
    out.bytes += sizes.get(e.rid);
  }
  return out;
}

/** Return the seconds the waiting bytes need at the upload speed seen, or null if unknown. */
export function estimateSeconds(bytes, bytesPerSecond = rate) {
  if (!bytes) return 0;
  if (!bytesPerSecond) return null;
  return Math.ceil(bytes / bytesPerSecond);
}

/** Refresh the counters shown in the status bar. */
export async function refreshStatus() {
  const w = await waiting();
  lastRefresh = Date.now();
  emit({ pending: w.records + w.blobs, attention: (await problems()).length, lastSync: await getMeta("last_sync", null),
    waiting: w, etaSeconds: estimateSeconds(w.bytes) });
}

// While blobs drain, the counters are refreshed at most once a second (each refresh reads the outbox).
let lastRefresh = 0;
const refreshSoon = () => (Date.now() - lastRefresh >= 1000 ? refreshStatus() : null);

/** Return the backoff delay for the n-th consecutive failure (full jitter), in ms. */
export function backoffDelay(n, random = Math.random) {
  return Math.floor(random() * Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.max(0, n - 1)));
}

/** Return the number of failed requests in a row (tests, status). */
export function consecutiveFailures() { return failures; }

/** Replace the pause between quick retries (tests). */
export function setSleep(fn) { sleep = fn; }

async function noteClock(result) {
  const offset = api.clockOffset(result);
  if (offset !== null) await setMeta("clock_offset_ms", offset);
}

class Stop extends Error {
  constructor(reason, result) { super(reason); this.reason = reason; this.result = result; }
}

function failure(result) {
  if (result.status === 401) return new Stop("revoked", result);
  if (result.status === 426) return new Stop("upgrade", result);
  if (result.notOurs) return new Stop("portal", result);
  return new Stop(result.network ? "offline" : `http_${result.status || "bad"}`, result);
}

function succeeded() {
  failures = 0;
  progress = true;
}

/** A request failed in a way that may pass (cut link, timeout, 5xx, 429): wait a little and
 * return to retry it, or throw to end the run when it made no progress or failed too often. */
async function retrySoon(result) {
  failures += 1;
  const passing = result.network || result.status >= 500 || result.status === 429 || result.status === 408;
  if (!passing || !progress || failures > QUICK_TRIES || globalThis.navigator?.onLine === false) throw failure(result);
  await sleep(result.retryAfter ? result.retryAfter * 1000 : backoffDelay(failures));
}

async function pushRecords(token) {
  let size = 200;
  for (;;) {
    const entries = await peek(["event", "survey"], size);
    if (!entries.length) return;
    const events = entries.filter((e) => e.kind === "event").map((e) => e.body);
    const surveys = entries.filter((e) => e.kind === "survey").map((e) => e.body);
    const result = await api.push(token, events, surveys);
    await noteClock(result);
    if (result.ok && result.data?.ack) {
      succeeded();
      const removed = await applyAck(entries, result.data.ack);
      if (removed === 0) throw new Stop("ack_missing", result);
      if (result.data.acked_seq !== undefined) await setMeta("acked_seq", result.data.acked_seq);
      await refreshStatus();
      size = Math.min(200, size * 2);
      continue;
    }
    if (result.status === 413 || ((result.status === 400 || result.status === 403) && entries.length > 1)) {
      if (entries.length === 1) { await quarantineLocally(entries, "too_large"); continue; }
      size = Math.max(1, Math.floor(entries.length / 2));
      continue;
    }
    if (result.status === 400 || result.status === 403) {
      await quarantineLocally(entries, result.data?.error?.code || `http_${result.status}`);
      await refreshStatus();
      continue;
    }
    await noteAttempt(entries);
    await retrySoon(result);
  }
}

/** Upload one blob, resuming a cut upload; return "stored", "again", or the refusal's status. */
async function uploadBlob(token, entry, blob) {
  let offset = held.get(blob.sha) ?? 0;
  if (resumeFirst.has(blob.sha) || (entry.attempts > 0 && !held.has(blob.sha))) {
    const head = await api.headBlob(token, blob.sha);
    if (head.status === 200) { succeeded(); return "stored"; }
    if (head.status !== 404) { await retrySoon(head); return "again"; }
    resumeFirst.delete(blob.sha);
    const before = offset;
    offset = Math.min(head.uploadOffset || 0, blob.data.size - 1);
    // Bytes that arrived before the cut are progress; an answer alone is not.
    if (offset > before) succeeded();
    held.set(blob.sha, offset);
  }
  const started = Date.now();
  const result = await api.putBlob(token, blob.sha, blob.data, blob.type, blob.kind || "photo", offset);
  const code = result.data?.error?.code;
  if (result.status === 200 || result.status === 201) {
    succeeded();
    resumeFirst.delete(blob.sha);
    held.delete(blob.sha);
    const seconds = Math.max(0.05, (Date.now() - started) / 1000);
    const speed = (blob.data.size - offset) / seconds;
    rate = rate ? 0.7 * rate + 0.3 * speed : speed;
    return "stored";
  }
  if (result.status === 202) {
    // A part arrived (a blob bigger than one part): the next one follows.
    succeeded();
    held.set(blob.sha, result.uploadOffset ?? result.data?.offset ?? offset);
    return "again";
  }
  if (result.status === 413 || result.status === 415) return result.status;
  if (result.status === 409 || code === "incomplete_upload") {
    // The server holds a different number of bytes than we thought: ask it, send the rest.
    succeeded();
    resumeFirst.add(blob.sha);
    return "again";
  }
  if (code === "hash_mismatch") {
    succeeded();
    resumeFirst.delete(blob.sha);
    held.delete(blob.sha);
    const mismatches = (entry.mismatches || 0) + 1;
    if (mismatches >= MAX_BLOB_MISMATCHES) return 400;
    await write(["outbox"], async (tx) => {
      const current = await tx.objectStore("outbox").get(entry.oid);
      if (current) await tx.objectStore("outbox").put({ ...current, mismatches });
    });
    return "again";
  }
  if (result.status === 401 || result.status === 426 || result.notOurs) throw failure(result);
  // A cut or a timeout: the server kept what arrived; the next try resumes from there.
  resumeFirst.add(blob.sha);
  await noteAttempt([entry]);
  await retrySoon(result);
  return "again";
}

const RECORD_CHECK_MS = 5000;
let lastRecordCheck = 0;

async function pushBlobs(token) {
  const db = await openDb();
  lastRecordCheck = Date.now();
  for (;;) {
    const entries = await peek(["blob"], 50);
    if (!entries.length) return;
    for (const stale of entries) {
      let entry = stale;
      // Records made meanwhile go first (looked for every few seconds): they are small and the
      // desk's work depends on them.
      if (Date.now() - lastRecordCheck > RECORD_CHECK_MS) {
        lastRecordCheck = Date.now();
        if ((await peek(["event", "survey"], 1)).length) await pushRecords(token);
      }
      const blob = await db.get("blobs", entry.rid);
      if (!blob) { await remove(entry.oid); continue; }
      for (;;) {
        const outcome = await uploadBlob(token, entry, blob);
        if (outcome === "stored") { await remove(entry.oid); break; }
        if (typeof outcome === "number") {
          await remove(entry.oid, { type: "blob_refused", status: outcome });
          break;
        }
        entry = (await db.get("outbox", entry.oid)) || entry;
      }
      await refreshSoon();
    }
  }
}

async function applyChanges(changes, timezone) {
  await write(["pulled", "visits", "events", "blobs", "outbox"], async (tx) => {
    const waiting = new Set((await tx.objectStore("outbox").getAll()).map((e) => e.rid));
    for (const change of changes) {
      const id = String(change.id);
      if (change.entity === "visit") {
        if (change.op === "delete") {
          const events = await tx.objectStore("events").index("visit_id").getAll(id);
          if (events.some((e) => waiting.has(e.id))) continue;
          for (const e of events) await tx.objectStore("events").delete(e.id);
          await tx.objectStore("visits").delete(id);
        } else {
          await putServerVisit(tx, { ...change.data, id }, timezone);
        }
      } else if (PULLED.has(change.entity)) {
        const key = change.entity === "office" ? "office:current" : `${change.entity}:${id}`;
        if (change.op === "delete" && change.entity === "appointment") {
          // Cancelled, declined or moved: kept as a tombstone (with the day it had), so its ticket is refused offline.
          const old = (await tx.objectStore("pulled").get(key))?.data || {};
          await tx.objectStore("pulled").put({ key, entity: change.entity, id, data: { id, date: old.date ?? null, office_code: old.office_code, status: "cancelled", tombstone: true } });
        } else if (change.op === "delete") await tx.objectStore("pulled").delete(key);
        else await tx.objectStore("pulled").put({ key, entity: change.entity, id, data: change.data });
      }
    }
  });
}

async function pullAll(token) {
  for (let page = 0; page < 1000; page += 1) {
    const cursor = await getMeta("cursor", "");
    const result = await api.pull(token, cursor);
    await noteClock(result);
    if (!result.ok || !result.data) {
      if (result.notOurs) throw failure(result);
      await retrySoon(result);
      continue;
    }
    succeeded();
    const data = result.data;
    if (data.reset) {
      // Drop pulled data (never the outbox) and start again from an empty cursor.
      await write(["pulled", "visits", "meta"], async (tx) => {
        await tx.objectStore("pulled").clear();
        for (const v of await tx.objectStore("visits").getAll()) {
          if (v.local) { delete v.server; await tx.objectStore("visits").put(v); } else await tx.objectStore("visits").delete(v.id);
        }
        await tx.objectStore("meta").put("", "cursor");
      });
      continue;
    }
    const office = (await get("pulled", "office:current"))?.data;
    const device = await getMeta("device", null);
    const zone = data.changes?.find((c) => c.entity === "office")?.data?.timezone || office?.timezone || device?.office?.timezone;
    await applyChanges(data.changes || [], zone || "Asia/Jakarta");
    await setMeta("cursor", data.cursor ?? cursor);
    if (!data.more) return;
  }
}

async function onRevoked() {
  await wipeSynced();
  const device = await getMeta("device", null);
  await setMeta("device", device ? { ...device, token: null, revoked: true } : null);
  emit({ revoked: true });
}

/**
 * Run one full sync (push, blobs, pull); concurrent calls share the running one. With
 * `again`, a call made during a run gets a fresh run after it (the "Sinkronkan sekarang" button).
 */
export function syncNow({ again = false } = {}) {
  if (running) return again ? running.then(() => syncNow()) : running;
  running = (async () => {
    const lock = globalThis.navigator?.locks;
    const body = async () => runOnce();
    try {
      return lock ? await lock.request("sitamu-sync", body) : await body();
    } finally {
      running = null;
    }
  })();
  return running;
}

async function runOnce() {
  const device = await getMeta("device", null);
  if (!device?.token) { await refreshStatus(); return { ok: false, reason: "not_enrolled" }; }
  emit({ running: true });
  progress = false;
  try {
    await pushRecords(device.token);
    await pushBlobs(device.token);
    await pullAll(device.token);
    const now = new Date().toISOString();
    await setMeta("last_sync", now);
    failures = 0;
    const office = (await get("pulled", "office:current"))?.data;
    await purgeOld(office?.device_retention_days ?? 0);
    emit({ online: true, error: null, lastSync: now, upgradeRequired: false });
    // Something was written meanwhile: go again soon; else wait the period.
    schedule((await pending()).total ? backoffDelay(1) : PERIOD);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof Stop)) {
      emit({ error: String(error?.message || error) });
      failures = Math.max(failures, 1);
      schedule(backoffDelay(failures));
      return { ok: false, reason: "error" };
    }
    if (error.reason === "revoked") { await onRevoked(); return { ok: false, reason: "revoked" }; }
    if (error.reason === "upgrade") { emit({ upgradeRequired: true, error: "upgrade" }); return { ok: false, reason: "upgrade" }; }
    // retrySoon counted the failed request; a Stop thrown without it counts as one.
    failures = Math.max(failures, 1);
    const retry = error.result?.retryAfter ? error.result.retryAfter * 1000 : backoffDelay(failures);
    // A cut on a link that was working is ordinary: no banner, no "offline", a retry soon.
    const ordinary = error.reason === "offline" || (progress && /^http_5\d\d$/.test(error.reason));
    emit({ error: ordinary ? null : error.reason, online: error.reason === "offline" && !progress ? false : status.online });
    schedule(retry);
    return { ok: false, reason: error.reason };
  } finally {
    emit({ running: false });
    await refreshStatus();
  }
}

function schedule(delay) {
  if (typeof setTimeout !== "function" || !started) return;
  clearTimeout(timer);
  timer = setTimeout(() => { syncNow(); }, delay);
}

let started = false;

/** Start the loop in a page: sync now and on every trigger. */
export function startSyncLoop() {
  if (started) return;
  started = true;
  addEventListener("online", () => { emit({ online: true }); failures = 0; syncNow(); });
  addEventListener("offline", () => emit({ online: false }));
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") syncNow(); });
  navigator.serviceWorker?.addEventListener("message", (event) => { if (event.data?.type === "sync") syncNow(); });
  syncNow();
}

/** Ask for a Background Sync so the worker wakes us when the network returns. */
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    if (reg?.sync) await reg.sync.register("sitamu-outbox");
    return !!reg?.sync;
  } catch {
    return false;
  }
}

/** Stop timers (tests). */
export function stopSyncLoop() {
  clearTimeout(timer);
  started = false;
}
