// Returning guests: this tablet is searched first (offline too); a NIK not found here is asked of
// the office's server (in the body, never the URL); offline and server trouble are told apart.
import "fake-indexeddb/auto";
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { registerVisit } from "../records.js";
import { findReturningGuest } from "../returning.js";
import { enrolledDesk } from "./fake_server.mjs";

const NIK = "6171014506900001";
let server;

beforeEach(async () => {
  server = await enrolledDesk();
  server.guests.set(NIK, { id_type: "ktp", name: "Siti Aminah", institution: "CV Maju", address: "Pontianak" });
});

test("a guest registered on this tablet is found here, without asking the server", async () => {
  await registerVisit({ id_type: "ktp", id_number: "6171 0145 0690 0001", name: "Siti di Meja Ini", phone: "0812345678",
    institution: "CV Lokal", address: "Jl. Gajah Mada", purpose: "Rapat", host_id: "3" });
  const result = await findReturningGuest(NIK);
  assert.equal(result.found, true);
  assert.equal(result.source, "tablet");
  assert.deepEqual(result.guest, { id_type: "ktp", id_number: NIK, name: "Siti di Meja Ini", phone: "0812345678",
    institution: "CV Lokal", address: "Jl. Gajah Mada" });
  assert.equal(server.requests.length, 0);
});

test("a NIK not on this tablet is asked of the server, in the body, and fills all but the phone", async () => {
  const result = await findReturningGuest("6171.0145.0690.0001");
  assert.equal(result.found, true);
  assert.equal(result.source, "server");
  assert.deepEqual(result.guest, { id_type: "ktp", id_number: NIK, name: "Siti Aminah", phone: "",
    institution: "CV Maju", address: "Pontianak" });
  assert.deepEqual(server.requests, [{ method: "POST", path: "/guests/lookup" }]);
  assert.deepEqual(server.lookups, [{ protocol: 1, id_type: "ktp", id_number: NIK }]);
});

test("a NIK the office does not know is an ordinary not found", async () => {
  assert.deepEqual(await findReturningGuest("6171011505900001"), { found: false, reason: "not_found" });
  assert.equal(server.lookups.length, 1);
});

test("a number that is not a valid NIK is searched on this tablet only", async () => {
  for (const number of ["SIM-1234567", "617101450690", "9971014506900001"]) {
    assert.deepEqual(await findReturningGuest(number), { found: false, reason: "not_found" });
  }
  assert.equal(server.requests.length, 0);
});

test("offline: the browser says so and nothing is sent", async () => {
  assert.deepEqual(await findReturningGuest(NIK, { online: false }), { found: false, reason: "offline" });
  assert.equal(server.requests.length, 0);
});

test("offline: a failed request or a Wi-Fi login page is offline, and never throws", async () => {
  server.mode = "offline";
  assert.deepEqual(await findReturningGuest(NIK), { found: false, reason: "offline" });
  server.mode = "captive";
  assert.deepEqual(await findReturningGuest(NIK), { found: false, reason: "offline" });
});

test("a server that refuses or fails is unavailable, not 'not found'", async () => {
  server.mode = "error500";
  assert.deepEqual(await findReturningGuest(NIK), { found: false, reason: "unavailable", status: 500 });
  server.mode = "ok";
  server.lookupStatus = 429;
  assert.deepEqual(await findReturningGuest(NIK), { found: false, reason: "unavailable", status: 429 });
  server.lookupStatus = null;
  server.revoked = true;
  assert.deepEqual(await findReturningGuest(NIK), { found: false, reason: "unavailable", status: 401 });
});
