// The sync loop on a weak link: cut uploads resume from the bytes the server holds, a run keeps
// draining while requests succeed (short backoff, reset by progress), and network cuts never
// set a photo aside as refused.
import "fake-indexeddb/auto";
import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { pending, problems } from "../outbox.js";
import { registerVisit } from "../records.js";
import { consecutiveFailures, estimateSeconds, setSleep, syncNow, waiting } from "../sync.js";
import { enrolledDesk } from "./fake_server.mjs";

let server;
let pauses;
const guest = (name) => ({ id_type: "ktp", id_number: "6171011505900001", name, phone: "", institution: "",
  address: "", purpose: "Rapat", host_id: "3" });
const photo = (size, seed = 1) => {
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + seed * 7) % 251);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return new Blob([bytes], { type: "image/jpeg" });
};
const same = async (blob, bytes) => assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);

beforeEach(async () => {
  server = await enrolledDesk();
  pauses = [];
  setSleep(async (ms) => { pauses.push(ms); });
});

afterEach(() => setSleep((ms) => new Promise((r) => setTimeout(r, ms))));

test("a photo cut off after 27 of 30 KB resumes: only the last 3 KB travel again", async () => {
  const picture = photo(30_000);
  const { visit } = await registerVisit(guest("Budi"), { photo: picture });
  server.cutBlobs = 1;
  server.cutAt = 0.9;
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.deepEqual(server.blobBytes, [30_000, 3_000]);
  await same(picture, server.blobs.get(visit.local.photo_sha));
  const resumed = server.requests.filter((r) => r.path.startsWith("/blobs/")).map((r) => r.method);
  assert.deepEqual(resumed, ["PUT", "HEAD", "PUT"]);
  assert.equal((await pending()).total, 0);
});

test("a blob bigger than a part travels in 32 KB parts, each acknowledged with the offset", async () => {
  const picture = photo(150_000);
  const { visit } = await registerVisit(guest("Budi"), { photo: picture });
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.deepEqual(server.blobBytes, [32_768, 32_768, 32_768, 32_768, 18_928]);
  await same(picture, server.blobs.get(visit.local.photo_sha));
  assert.equal(server.requests.filter((r) => r.method === "HEAD").length, 0);
});

test("a cut blob does not end the run: it is retried after a short pause and the others follow", async () => {
  for (let i = 0; i < 3; i += 1) await registerVisit(guest(`Tamu ${i}`), { photo: photo(20_000, i) });
  server.cutBlobs = 1;
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.equal(server.blobs.size, 3);
  assert.equal(pauses.length, 1);
  assert.ok(pauses[0] < 1000, `first retry waits under a second, not the period: ${pauses[0]}`);
});

test("the backoff is reset by every request that succeeds", async () => {
  for (let i = 0; i < 6; i += 1) await registerVisit(guest(`Tamu ${i}`), { photo: photo(10_000, i) });
  server.cutPattern = (n) => n % 2 === 0; // every other upload is cut
  const result = await syncNow();
  assert.equal(result.ok, true);
  assert.equal(server.blobs.size, 6);
  assert.equal(pauses.length, 6);
  // Each cut follows a success: it is the first failure in a row, paused under a second.
  for (const ms of pauses) assert.ok(ms < 1000, `pause ${ms} ms`);
  assert.equal(consecutiveFailures(), 0);
});

test("failures in a row back off longer, then the run ends and waits", async () => {
  await registerVisit(guest("Budi"), { photo: photo(10_000) });
  server.cutPattern = () => true;
  server.cutAt = 0; // not a byte gets through
  const result = await syncNow();
  assert.equal(result.ok, false);
  assert.equal(result.reason, "offline");
  assert.equal(pauses.length, 6);
  assert.ok(consecutiveFailures() > 6);
  assert.equal((await pending()).blob, 1);
});

test("network cuts never set a photo aside as refused, however many", async () => {
  const picture = photo(30_000);
  const { visit } = await registerVisit(guest("Budi"), { photo: picture });
  server.cutPattern = (n) => n < 20;
  server.cutAt = 0.3;
  for (let run = 0; run < 10 && (await pending()).total; run += 1) await syncNow();
  assert.deepEqual(await problems(), []);
  assert.equal((await pending()).total, 0);
  await same(picture, server.blobs.get(visit.local.photo_sha));
});

test("a link down from the start ends the run at once: no quick retries without progress", async () => {
  await registerVisit(guest("Budi"), { photo: photo(10_000) });
  server.mode = "offline";
  const result = await syncNow();
  assert.equal(result.reason, "offline");
  assert.deepEqual(pauses, []);
  assert.equal((await pending()).total, 2);
});

test("the desk sees what waits and an estimate of the time it needs", async () => {
  await registerVisit(guest("Budi"), { photo: photo(20_000) });
  const w = await waiting();
  assert.equal(w.records, 1);
  assert.equal(w.blobs, 1);
  assert.ok(w.bytes >= 20_000);
  assert.equal(estimateSeconds(w.bytes, null), null);
  assert.equal(estimateSeconds(32_000, 8_000), 4);
  assert.equal(estimateSeconds(0, null), 0);
});
