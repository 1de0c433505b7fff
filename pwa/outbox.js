// The outbox: every write waiting for the server, FIFO, written in the same transaction as its
// record. An entry leaves only when a push acknowledgement names its id (or a blob upload is
// answered 200/201), never on a bare success.
import { openDb, write } from "./db.js";
import { deriveVisit } from "./derive.js";

/** Add an entry inside an open transaction `tx` that includes the "outbox" store. */
export function enqueue(tx, kind, rid, body) {
  return tx.objectStore("outbox").add({ kind, rid, body, created_at: Date.now(), attempts: 0 });
}

/** Return up to `limit` waiting entries of the given kinds, oldest first. */
export async function peek(kinds, limit = 200) {
  const db = await openDb();
  const found = [];
  let cursor = await db.transaction("outbox").store.openCursor();
  while (cursor && found.length < limit) {
    if (kinds.includes(cursor.value.kind)) found.push(cursor.value);
    cursor = await cursor.continue();
  }
  return found;
}

/** Return how many entries wait, by kind and in total. */
export async function pending() {
  const db = await openDb();
  const entries = await db.getAll("outbox");
  const byKind = { event: 0, survey: 0, blob: 0 };
  for (const e of entries) byKind[e.kind] = (byKind[e.kind] || 0) + 1;
  return { total: entries.length, ...byKind };
}

/** Return the record ids that still wait for the server (to know which visits are unsynced). */
export async function pendingRecordIds() {
  const db = await openDb();
  return new Set((await db.getAll("outbox")).map((e) => e.rid));
}

/**
 * Apply a push acknowledgement: delete every entry whose id is named in any of its lists,
 * and keep a problem note for the quarantined and conflicting ones. Return the count removed.
 */
export async function applyAck(entries, ack) {
  const named = new Map();
  for (const id of ack?.stored || []) named.set(id, null);
  for (const id of ack?.duplicate || []) named.set(id, null);
  for (const q of ack?.quarantined || []) named.set(q.id, { type: "quarantined", fields: q.fields || {} });
  for (const c of ack?.conflict || []) named.set(c.id, { type: "conflict", message: c.message || "" });
  let removed = 0;
  await write(["outbox", "problems", "events", "visits"], async (tx) => {
    const rederive = new Set();
    for (const entry of entries) {
      if (!named.has(entry.rid)) continue;
      await tx.objectStore("outbox").delete(entry.oid);
      removed += 1;
      const problem = named.get(entry.rid);
      if (problem) {
        await tx.objectStore("problems").add({ ...problem, kind: entry.kind, rid: entry.rid, at: Date.now() });
      }
      if (problem?.type === "conflict" && entry.kind === "event" && problem.message.startsWith("same id")) {
        // Another version of this event id won (the smaller content hash, sync/PROTOCOL.md):
        // this tablet drops its own, so its view follows the server's instead of overriding it.
        const event = await tx.objectStore("events").get(entry.rid);
        if (event) {
          await tx.objectStore("events").delete(entry.rid);
          rederive.add(event.visit_id);
        }
      }
    }
    for (const visitId of rederive) {
      const record = await tx.objectStore("visits").get(visitId);
      if (!record) continue;
      const events = await tx.objectStore("events").index("visit_id").getAll(visitId);
      await tx.objectStore("visits").put({ ...record, local: events.length ? deriveVisit(events) : {}, updated_at: Date.now() });
    }
  });
  return removed;
}

/** Delete one entry (a blob the server stored, or one it refused for good). */
export async function remove(oid, problem = null) {
  await write(["outbox", "problems"], async (tx) => {
    const entry = await tx.objectStore("outbox").get(oid);
    await tx.objectStore("outbox").delete(oid);
    if (problem && entry) await tx.objectStore("problems").add({ ...problem, kind: entry.kind, rid: entry.rid, at: Date.now() });
  });
}

/** Move entries to a local quarantine (a whole request the server refused as malformed). */
export async function quarantineLocally(entries, reason) {
  await write(["outbox", "problems"], async (tx) => {
    for (const entry of entries) {
      await tx.objectStore("problems").add({ type: "local", reason, kind: entry.kind, rid: entry.rid, body: entry.body, at: Date.now() });
      await tx.objectStore("outbox").delete(entry.oid);
    }
  });
}

/** Count an attempt on entries that failed (kept at the front of the queue). */
export async function noteAttempt(entries) {
  await write(["outbox"], async (tx) => {
    for (const entry of entries) {
      const current = await tx.objectStore("outbox").get(entry.oid);
      if (current) { current.attempts += 1; await tx.objectStore("outbox").put(current); }
    }
  });
}

/** Return the problems needing attention. */
export async function problems() {
  return (await openDb()).getAll("problems");
}
