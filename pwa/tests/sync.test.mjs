// The sync loop against an in-memory protocol server: what is sent, what is kept, what is
// pulled, and what happens offline, behind a captive portal, on 413 and on revocation.
import "fake-indexeddb/auto";
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { all, get, getMeta } from "../db.js";
import { pending, problems } from "../outbox.js";
import { registerVisit, saveSurvey, visitsOfDay } from "../records.js";
import { backoffDelay, syncNow } from "../sync.js";
import { checkPin } from "../pin.js";
import { enrolledDesk } from "./fake_server.mjs";
import { localDay } from "../util.js";
import { pbkdf2Sync, randomBytes } from "node:crypto";

let server;
const guest = (name) => ({ id_type: "ktp", id_number: "6171011505900001", name, phone: "", institution: "",
  address: "", purpose: "Rapat", host_id: "3" });

beforeEach(async () => {
  server = await enrolledDesk();
});

test("a sync pushes every waiting record and empties the outbox", async () => {
  await registerVisit(guest("Budi"));
  await registerVisit(guest("Sari"));
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.equal(server.events.size, 2);
  assert.equal((await pending()).total, 0);
  assert.ok(await getMeta("last_sync"));
});

test("offline: nothing is lost and the loop reports offline", async () => {
  await registerVisit(guest("Budi"));
  server.mode = "offline";
  const result = await syncNow();
  assert.equal(result.reason, "offline");
  assert.equal((await pending()).total, 1);
  server.mode = "ok";
  await syncNow();
  assert.equal((await pending()).total, 0);
});

test("a captive portal's 200 page is not an acknowledgement", async () => {
  await registerVisit(guest("Budi"));
  server.mode = "captive";
  await syncNow();
  assert.equal((await pending()).total, 1);
});

test("a bare 200 without an ack keeps the outbox", async () => {
  await registerVisit(guest("Budi"));
  server.mode = "bare200";
  await syncNow();
  assert.equal((await pending()).total, 1);
});

test("a 5xx keeps the outbox for a retry", async () => {
  await registerVisit(guest("Budi"));
  server.mode = "error500";
  const result = await syncNow();
  assert.equal(result.ok, false);
  assert.equal((await pending()).total, 1);
});

test("a re-sent batch is acknowledged as duplicate and removed", async () => {
  await registerVisit(guest("Budi"));
  const [entry] = await all("outbox");
  server.events.set(entry.rid, entry.body);
  await syncNow();
  assert.equal((await pending()).total, 0);
  assert.equal(server.events.size, 1);
});

test("413 splits the batch until it fits", async () => {
  for (let i = 0; i < 5; i += 1) await registerVisit(guest(`Tamu ${i}`));
  server.maxBatch = 2;
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.equal(server.events.size, 5);
});

test("a quarantined record leaves the outbox and needs attention", async () => {
  await registerVisit(guest("Budi"));
  const [entry] = await all("outbox");
  server.quarantine = new Set([entry.rid]);
  await syncNow();
  assert.equal((await pending()).total, 0);
  assert.equal((await problems()).length, 1);
});

test("concurrent sync calls share one flusher", async () => {
  await registerVisit(guest("Budi"));
  const [a, b] = await Promise.all([syncNow(), syncNow()]);
  assert.equal(a, b);
  assert.equal(server.requests.filter((r) => r.path === "/push").length, 1);
});

test("surveys are pushed with the events", async () => {
  await saveSurvey({ visit_id: null, answers: { persyaratan: 4 }, profile: {} });
  await syncNow();
  assert.equal(server.surveys.size, 1);
});

test("pull stores office, hosts and staff, follows `more`, and keeps the cursor", async () => {
  server.changes = [
    { entity: "office", id: "1", op: "put", data: { id: 1, name: "Kantor X", timezone: "Asia/Makassar", device_retention_days: 0 } },
    { entity: "host", id: "3", op: "put", data: { id: 3, name: "Pak Kepala", tier: "pimpinan", available: true } },
    { entity: "host", id: "4", op: "put", data: { id: 4, name: "Bu Sekretaris", available: false } },
    { entity: "staff", id: "9", op: "put", data: { id: 9, name: "Resepsionis", pin_hash: "pbkdf2$1$00$00" } },
    { entity: "host", id: "4", op: "delete" },
  ];
  await syncNow();
  assert.equal((await get("pulled", "office:current")).data.timezone, "Asia/Makassar");
  assert.deepEqual((await all("pulled", "entity", "host")).map((h) => h.id), ["3"]);
  assert.equal(await getMeta("cursor"), "5");
  assert.ok(server.requests.filter((r) => r.path.startsWith("/pull")).length >= 3);
});

test("another tablet's visit arrives by pull and shows on today's board", async () => {
  const now = new Date().toISOString();
  server.changes = [{ entity: "visit", id: "11111111-1111-4111-8111-111111111111", op: "put",
    data: { id: "11111111-1111-4111-8111-111111111111", stage: "registered", queue_number: "B-001", name: "Tamu B",
      registered_at: now, state: { steps: {} } } }];
  await syncNow();
  const board = await visitsOfDay(localDay(new Date(), "Asia/Jakarta"));
  assert.deepEqual(board.map((v) => v.queue_number), ["B-001"]);
});

test("a reset drops pulled data but never the outbox", async () => {
  server.changes = [{ entity: "host", id: "3", op: "put", data: { id: 3, name: "Pak" } }];
  await syncNow();
  await registerVisit(guest("Budi"));
  server.mode = "offline";
  await syncNow();
  server.mode = "ok";
  server.resetOnce = true;
  server.changes = [];
  await syncNow();
  assert.equal(server.cursorResets, 1);
  assert.equal((await all("pulled", "entity", "host")).length, 0);
  assert.equal(server.events.size, 1);
});

test("a revoked tablet keeps its outbox, wipes synced personal data and forgets its token", async () => {
  await registerVisit(guest("Terkirim"));
  await syncNow();
  await registerVisit(guest("Belum terkirim"));
  server.revoked = true;
  const result = await syncNow();
  assert.equal(result.reason, "revoked");
  assert.equal((await getMeta("device")).token, null);
  assert.equal((await all("visits")).length, 0);
  const names = (await all("events")).map((e) => e.payload.name);
  assert.deepEqual(names, ["Belum terkirim"]);
  assert.equal((await pending()).total, 1);
});

test("backoff grows exponentially with full jitter and caps at five minutes", () => {
  assert.equal(backoffDelay(1, () => 0.999999), 999);
  assert.equal(backoffDelay(4, () => 0.5), 4000);
  assert.equal(backoffDelay(30, () => 0.999999), 299999);
  assert.equal(backoffDelay(3, () => 0), 0);
});

test("a staff PIN hashed by the server's format is checked offline", async () => {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync("2468", salt, 1000, 32, "sha256");
  const stored = `pbkdf2$1000$${salt.toString("hex")}$${hash.toString("hex")}`;
  assert.equal(await checkPin("2468", stored), true);
  assert.equal(await checkPin("2469", stored), false);
  assert.equal(await checkPin("2468", "garbage"), false);
});

test("a big batch is sent gzipped and the server's ack still empties the outbox", async () => {
  const sizes = [];
  const real = server.fetch;
  globalThis.fetch = async (url, init = {}) => {
    if (init.headers?.["Content-Encoding"] === "gzip") {
      sizes.push(init.body.byteLength);
      const plain = await new Response(new Blob([init.body]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
      return real(url, { ...init, body: plain });
    }
    return real(url, init);
  };
  for (let i = 0; i < 60; i += 1) await registerVisit({ ...guest(`Tamu ${i}`), purpose: "Rapat koordinasi ".repeat(20) });
  await syncNow();
  assert.equal(sizes.length, 1);
  assert.equal(server.events.size, 60);
  assert.equal((await pending()).total, 0);
});

test("photos and signatures are uploaded by hash after the events; their entries then leave", async () => {
  const photo = new Blob([new Uint8Array([0xff, 0xd8, 1, 2, 3])], { type: "image/jpeg" });
  const signature = new Blob([new Uint8Array([0x89, 0x50, 4, 5])], { type: "image/png" });
  const { visit } = await registerVisit(guest("Budi"), { photo, signature });
  assert.equal((await pending()).blob, 2);
  await syncNow();
  assert.equal((await pending()).total, 0);
  assert.ok(server.blobs.has(visit.local.photo_sha) && server.blobs.has(visit.local.signature_sha));
  const puts = server.requests.filter((r) => r.method === "PUT").map((r) => r.path);
  assert.ok(puts.some((p) => p.endsWith("?kind=photo")) && puts.some((p) => p.endsWith("?kind=signature")));
  const order = server.requests.map((r) => r.method);
  assert.ok(order.indexOf("POST") < order.indexOf("PUT"));
});

test("a refused blob type is dropped and shown; the events still sync", async () => {
  await registerVisit(guest("Budi"), { photo: new Blob([new Uint8Array([1, 2, 3])], { type: "image/jpeg" }) });
  server.blobStatus = 415;
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.equal(server.events.size, 1);
  assert.equal((await pending()).total, 0);
  assert.equal((await problems())[0].type, "blob_refused");
});
