// The sync loop: push the outbox, upload blobs, then pull until nothing more, one flusher at a
// time. Runs on start, on `online`, on visibility change, on a timer, by Background Sync and
// from the "Sinkronkan sekarang" button; failures back off exponentially with full jitter.
import * as api from "./api.js";
import { get, getMeta, openDb, setMeta, write } from "./db.js";
import { applyAck, noteAttempt, peek, pending, problems, quarantineLocally, remove } from "./outbox.js";
import { purgeOld, putServerVisit, wipeSynced } from "./records.js";

const BASE_DELAY = 1000;
const MAX_DELAY = 5 * 60 * 1000;
const PERIOD = 60 * 1000;
const MAX_BLOB_ATTEMPTS = 5;
const PULLED = new Set(["office", "host", "service", "staff", "survey_link"]);

const status = {
  online: globalThis.navigator?.onLine ?? true, pending: 0, lastSync: null, error: null,
  running: false, attention: 0, upgradeRequired: false, revoked: false,
};
const listeners = new Set();
let failures = 0;
let timer = null;
let running = null;

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

/** Refresh the counters shown in the status bar. */
export async function refreshStatus() {
  const p = await pending();
  emit({ pending: p.total, attention: (await problems()).length, lastSync: await getMeta("last_sync", null) });
}

/** Return the backoff delay for the n-th consecutive failure (full jitter), in ms. */
export function backoffDelay(n, random = Math.random) {
  return Math.floor(random() * Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.max(0, n - 1)));
}

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
    throw failure(result);
  }
}

async function pushBlobs(token) {
  const db = await openDb();
  for (const entry of await peek(["blob"], 1000)) {
    const blob = await db.get("blobs", entry.rid);
    if (!blob) { await remove(entry.oid); continue; }
    const result = await api.putBlob(token, blob.sha, blob.data, blob.type, blob.kind || "photo");
    if (result.status === 200 || result.status === 201) { await remove(entry.oid); continue; }
    if (result.status === 413 || result.status === 415) {
      await remove(entry.oid, { type: "blob_refused", status: result.status });
      continue;
    }
    if (result.status === 400) {
      // A cut-off upload is retried; one that keeps failing is set aside for attention.
      if (entry.attempts + 1 >= MAX_BLOB_ATTEMPTS) await remove(entry.oid, { type: "blob_refused", status: 400 });
      else await noteAttempt([entry]);
      continue;
    }
    // A failing blob never blocks event sync: stop uploading blobs only.
    if (result.status === 401) throw failure(result);
    return;
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
        if (change.op === "delete") await tx.objectStore("pulled").delete(key);
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
    if (!result.ok || !result.data) throw failure(result);
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
    schedule(PERIOD);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof Stop)) {
      emit({ error: String(error?.message || error) });
      failures += 1;
      schedule(backoffDelay(failures));
      return { ok: false, reason: "error" };
    }
    if (error.reason === "revoked") { await onRevoked(); return { ok: false, reason: "revoked" }; }
    if (error.reason === "upgrade") { emit({ upgradeRequired: true, error: "upgrade" }); return { ok: false, reason: "upgrade" }; }
    failures += 1;
    const retry = error.result?.retryAfter ? error.result.retryAfter * 1000 : backoffDelay(failures);
    emit({ error: error.reason === "offline" ? null : error.reason, online: error.reason === "offline" ? false : status.online });
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
