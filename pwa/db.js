// The desk app's IndexedDB: the only module that opens it, and the home of its versioned upgrades.
import { openDB, deleteDB } from "./vendor/idb.js";

export const DB_NAME = "sitamu-desk";
export const DB_VERSION = 1;

// Stores that hold personal data, wiped when a tablet is revoked (after its outbox is kept).
export const PERSONAL_STORES = ["visits", "events", "blobs", "surveys"];

let dbPromise = null;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore("meta");
    const visits = db.createObjectStore("visits", { keyPath: "id" });
    visits.createIndex("day", "day");
    const events = db.createObjectStore("events", { keyPath: "id" });
    events.createIndex("visit_id", "visit_id");
    // FIFO queue of records waiting for a push acknowledgement (Workbox-style queue).
    const outbox = db.createObjectStore("outbox", { keyPath: "oid", autoIncrement: true });
    outbox.createIndex("rid", "rid");
    db.createObjectStore("blobs", { keyPath: "sha" });
    const surveys = db.createObjectStore("surveys", { keyPath: "id" });
    surveys.createIndex("visit_id", "visit_id");
    // What the server sends by pull: office, host, service, staff, survey_link ("entity:id").
    const pulled = db.createObjectStore("pulled", { keyPath: "key" });
    pulled.createIndex("entity", "entity");
    // Records the server refused (quarantine, conflict, dropped blobs): "perlu perhatian".
    db.createObjectStore("problems", { keyPath: "pid", autoIncrement: true });
  }
  // Future upgrades go here as `if (oldVersion < 2) { ... }`.
}

/** Return the open database (opened once per page or worker). */
export function openDb() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade,
      blocked() { /* an older tab holds the database; it reloads on versionchange */ },
      blocking() { dbPromise?.then((db) => db.close()); dbPromise = null; },
    });
  }
  return dbPromise;
}

/** Close and forget the database (tests and wipes). */
export async function closeDb() {
  if (dbPromise) {
    const db = await dbPromise;
    db.close();
    dbPromise = null;
  }
}

/** Delete the whole database. */
export async function destroyDb() {
  await closeDb();
  await deleteDB(DB_NAME);
}

/** Return a value of the meta store. */
export async function getMeta(key, fallback = undefined) {
  const value = await (await openDb()).get("meta", key);
  return value === undefined ? fallback : value;
}

/** Set a value of the meta store. */
export async function setMeta(key, value) {
  await (await openDb()).put("meta", value, key);
}

/** Run fn(tx) in one readwrite transaction over the named stores and wait for it to commit. */
export async function write(stores, fn) {
  const db = await openDb();
  const tx = db.transaction(stores, "readwrite");
  let result;
  try {
    result = await fn(tx);
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    await tx.done.catch(() => {});
    throw error;
  }
  await tx.done;
  return result;
}

/** Return every record of a store (optionally of an index value). */
export async function all(store, index = null, value = undefined) {
  const db = await openDb();
  if (index) return db.getAllFromIndex(store, index, value);
  return db.getAll(store);
}

/** Return one record. */
export async function get(store, key) {
  return (await openDb()).get(store, key);
}

/** Return the number of records in a store. */
export async function count(store) {
  return (await openDb()).count(store);
}

/** Clear the named stores in one transaction. */
export async function clear(stores) {
  await write(stores, async (tx) => {
    await Promise.all(stores.map((s) => tx.objectStore(s).clear()));
  });
}

/** Ask the browser to keep our storage; return "granted", "denied" or "unsupported". */
export async function requestPersistence() {
  const storage = globalThis.navigator?.storage;
  if (!storage?.persist) return "unsupported";
  try {
    if (await storage.persisted()) return "granted";
    return (await storage.persist()) ? "granted" : "denied";
  } catch {
    return "denied";
  }
}

/** Return true for the error a full disk raises. */
export function isQuotaError(error) {
  return error?.name === "QuotaExceededError" || /quota/i.test(String(error?.message || ""));
}
