// Appointment tickets verified offline (pwa/tickets.js) with tickets signed here as the server
// signs them (sync/PROTOCOL.md, "Appointments"), and the check-in rule's JS port against the
// shared vectors.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bookingCode, checkTicket, fromBase64url, readInput, toBase64url, verifySignature } from "../tickets.js";
import { deriveVisit, firstCheckin } from "../derive.js";
import { all, get } from "../db.js";
import { syncNow } from "../sync.js";
import { purgeOld } from "../records.js";
import { localDay } from "../util.js";
import { enrolledDesk } from "./fake_server.mjs";

const subtle = globalThis.crypto.subtle;
const APPT = "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab";
const TODAY = "2026-12-04";
// The sync loop purges past days by the real clock: the tests through it use the real day.
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const REAL_TODAY = localDay(new Date(), "Asia/Jakarta");

async function keyPair() {
  const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const { kty, crv, x, y } = await subtle.exportKey("jwk", pair.publicKey);
  return { privateKey: pair.privateKey, jwk: { kty, crv, x, y } };
}

/** Sign a ticket exactly as the contract says: SITAMU1.<b64url compact JSON>.<b64url P1363>. */
async function sign(privateKey, { a = APPT, o = "KALBAR", d = TODAY, t = "09:30", q = "J-007" } = {}) {
  const payload = toBase64url(new TextEncoder().encode(JSON.stringify({ a, o, d, t, q })));
  const sig = new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, new TextEncoder().encode(payload)));
  return `SITAMU1.${payload}.${toBase64url(sig)}`;
}

const office = (jwk) => ({ code: "KALBAR", ticket_public_key: jwk });
const pulled = (over = {}) => ({ id: APPT, code: bookingCode(APPT), office_code: "KALBAR", date: TODAY, time: "09:30", queue: "J-007",
  status: "approved", name: "Siti Aminah", institution: "CV Maju", purpose: "Audiensi", host_id: 7, service_id: null, ...over });

test("a valid ticket booked after the last sync is accepted from its QR alone", async () => {
  const { privateKey, jwk } = await keyPair();
  const result = await checkTicket(await sign(privateKey), { office: office(jwk), today: TODAY, appointments: [] });
  assert.equal(result.ok, true);
  assert.equal(result.appointmentId, APPT);
  assert.equal(result.appointment, null);
  assert.deepEqual(result.ticket, { a: APPT, o: "KALBAR", d: TODAY, t: "09:30", q: "J-007" });
});

test("a valid ticket of a pulled appointment brings the appointment", async () => {
  const { privateKey, jwk } = await keyPair();
  const result = await checkTicket(await sign(privateKey), { office: office(jwk), today: TODAY, appointments: [pulled()] });
  assert.equal(result.ok, true);
  assert.equal(result.appointment.name, "Siti Aminah");
});

test("a ticket signed with another key is forged", async () => {
  const mine = await keyPair();
  const forger = await keyPair();
  const result = await checkTicket(await sign(forger.privateKey), { office: office(mine.jwk), today: TODAY });
  assert.deepEqual(result, { ok: false, reason: "forged" });
});

test("a ticket whose payload was changed after signing is forged", async () => {
  const { privateKey, jwk } = await keyPair();
  const good = await sign(privateKey, { d: "2026-12-01" });
  const [, payload, sig] = good.split(".");
  const changed = JSON.parse(new TextDecoder().decode(fromBase64url(payload)));
  changed.d = TODAY;
  const tampered = `SITAMU1.${toBase64url(new TextEncoder().encode(JSON.stringify(changed)))}.${sig}`;
  assert.equal((await checkTicket(tampered, { office: office(jwk), today: TODAY })).reason, "forged");
  // A signature of the wrong length, or DER instead of r||s, is no signature either.
  assert.equal(await verifySignature(payload, new Uint8Array(70), jwk), false);
});

test("a ticket of another office is refused even when signed by its own office", async () => {
  const { privateKey, jwk } = await keyPair();
  const result = await checkTicket(await sign(privateKey, { o: "KALTIM" }), { office: office(jwk), today: TODAY });
  assert.equal(result.ok, false);
  assert.equal(result.reason, "other_office");
});

test("a ticket is valid on its date only: before is not_yet, after is expired", async () => {
  const { privateKey, jwk } = await keyPair();
  const ctx = { office: office(jwk), today: TODAY };
  assert.equal((await checkTicket(await sign(privateKey, { d: "2026-12-05" }), ctx)).reason, "not_yet");
  assert.equal((await checkTicket(await sign(privateKey, { d: "2026-12-03" }), ctx)).reason, "expired");
  assert.equal((await checkTicket(await sign(privateKey, { d: "2025-12-04" }), ctx)).reason, "expired");
});

test("a cancelled appointment, pulled or as a tombstone, refuses its ticket", async () => {
  const { privateKey, jwk } = await keyPair();
  const ticket = await sign(privateKey);
  for (const gone of [pulled({ status: "cancelled" }), { id: APPT, status: "cancelled", tombstone: true }]) {
    const result = await checkTicket(ticket, { office: office(jwk), today: TODAY, appointments: [gone] });
    assert.equal(result.reason, "cancelled");
  }
});

test("a ticket of the old day of a moved appointment is refused; the new day's ticket is accepted", async () => {
  const { privateKey, jwk } = await keyPair();
  const moved = { office: office(jwk), today: TODAY, appointments: [pulled({ date: "2026-12-07", status: "rescheduled" })] };
  const old = await checkTicket(await sign(privateKey), moved);
  assert.equal(old.reason, "rescheduled");
  assert.equal(old.date, "2026-12-07");
  // Moved away from yesterday (its tombstone): today's new ticket of the same appointment counts.
  const later = await checkTicket(await sign(privateKey), { ...moved, appointments: [pulled({ time: "14:00" })] });
  assert.equal(later.reason, "rescheduled");
  assert.equal(later.time, "14:00");
  const tomb = { office: office(jwk), today: TODAY, appointments: [pulled({ date: "2026-12-03", status: "cancelled", tombstone: true })] };
  assert.equal((await checkTicket(await sign(privateKey), tomb)).ok, true);
});

test("a ticket already checked in on this tablet is refused with the queue number", async () => {
  const { privateKey, jwk } = await keyPair();
  const result = await checkTicket(await sign(privateKey), { office: office(jwk), today: TODAY, checkedIn: new Map([[APPT, "A-004"]]) });
  assert.equal(result.reason, "already");
  assert.equal(result.queue, "A-004");
});

test("an appointment pulled as checked_in (another desk's check-in reached the server) is refused", async () => {
  const { privateKey, jwk } = await keyPair();
  const result = await checkTicket(await sign(privateKey), { office: office(jwk), today: TODAY, appointments: [pulled({ status: "checked_in" })] });
  assert.equal(result.reason, "already");
});

test("without the office's key a QR ticket cannot be checked", async () => {
  const { privateKey } = await keyPair();
  assert.equal((await checkTicket(await sign(privateKey), { office: { code: "KALBAR" }, today: TODAY })).reason, "no_key");
});

test("malformed texts are invalid, not errors", async () => {
  const { privateKey, jwk } = await keyPair();
  const good = await sign(privateKey);
  const [, payload, sig] = good.split(".");
  const notJson = toBase64url(new TextEncoder().encode("{a:1"));
  const noDate = toBase64url(new TextEncoder().encode(JSON.stringify({ a: APPT, o: "KALBAR", t: "09:30", q: "J-007" })));
  for (const text of ["", "   ", "SITAMU1.", `SITAMU1.${payload}`, `SITAMU1.${payload}.${sig}.x`, `SITAMU1.${payload}.***`,
    `SITAMU1.${notJson}.${sig}`, `SITAMU1.${noDate}.${sig}`, "SITAMU1.a.b", "https://example.org/x", "5F0C2A9", "5F0C2A9EX", "ZZZZZZZZ", null]) {
    assert.deepEqual(await checkTicket(text, { office: office(jwk), today: TODAY }), { ok: false, reason: "invalid" }, String(text));
  }
  assert.equal(readInput(null).kind, "invalid");
});

test("a booking code is found among the pulled appointments, any case, spaces and dashes ignored", async () => {
  const { jwk } = await keyPair();
  const ctx = { office: office(jwk), today: TODAY, appointments: [pulled()] };
  for (const typed of ["5F0C2A9E", "5f0c2a9e", " 5f0c-2a9e ", "5F0C 2A9E"]) {
    const result = await checkTicket(typed, ctx);
    assert.equal(result.ok, true, typed);
    assert.equal(result.appointment.name, "Siti Aminah");
  }
  assert.equal((await checkTicket("DEADBEEF", ctx)).reason, "unknown_code");
  assert.equal((await checkTicket("5F0C2A9E", { ...ctx, appointments: [pulled({ date: "2026-12-05" })] })).reason, "not_yet");
  assert.equal((await checkTicket("5F0C2A9E", { ...ctx, appointments: [pulled({ status: "cancelled" })] })).reason, "cancelled");
  assert.equal((await checkTicket("5F0C2A9E", { ...ctx, appointments: [pulled({ office_code: "KALTIM" })] })).reason, "unknown_code");
});

test("bookingCode is the first 8 hex characters of the id, upper case", () => {
  assert.equal(bookingCode(APPT), "5F0C2A9E");
});

test("base64url round-trips every byte value", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(fromBase64url(toBase64url(bytes)), bytes);
  assert.equal(fromBase64url("a"), null);
  assert.equal(fromBase64url("ab=="), null);
});

const vectors = JSON.parse(readFileSync(new URL("../../sync/test_vectors/first_checkin.json", import.meta.url)));
for (const vector of vectors) {
  test(`firstCheckin matches the server rules: ${vector.name}`, () => {
    assert.equal(firstCheckin(vector.checkins), vector.expected);
    assert.equal(firstCheckin([...vector.checkins].reverse().concat(vector.checkins)), vector.expected);
  });
}

test("a registration with an appointment_id derives a visit by appointment", () => {
  const visit = deriveVisit([{ id: "00000000-0000-4000-8000-000000000001", visit_id: "00000000-0000-4000-8000-0000000000aa", seq: 1,
    kind: "registration", actor: "guest", device_time: "2026-12-04T02:00:00.000Z", clock_offset_ms: 0,
    payload: { queue_number: "A-001", id_type: "ktp", name: "Siti", appointment_id: APPT } }]);
  assert.equal(visit.by_appointment, true);
  assert.equal(visit.appointment_id, APPT);
});

test("a pulled appointment's deletion leaves a tombstone (id and day, no personal data) that refuses its ticket; a put again replaces it", async () => {
  const server = await enrolledDesk();
  const { privateKey, jwk } = await keyPair();
  server.changes.push({ entity: "office", id: "1", op: "put", data: { id: 1, code: "KALBAR", timezone: "Asia/Jakarta", ticket_public_key: jwk } });
  server.changes.push({ entity: "appointment", id: APPT, op: "put", data: pulled({ date: REAL_TODAY }) });
  await syncNow();
  assert.equal((await get("pulled", `appointment:${APPT}`)).data.name, "Siti Aminah");
  const office = (await get("pulled", "office:current")).data;
  const appointments = async () => (await all("pulled", "entity", "appointment")).map((r) => r.data);
  const ticket = await sign(privateKey, { d: REAL_TODAY });
  assert.equal((await checkTicket(ticket, { office, today: REAL_TODAY, appointments: await appointments() })).ok, true);

  server.changes.push({ entity: "appointment", id: APPT, op: "delete" });
  await syncNow();
  assert.deepEqual((await get("pulled", `appointment:${APPT}`)).data,
    { id: APPT, date: REAL_TODAY, office_code: "KALBAR", status: "cancelled", tombstone: true });
  assert.equal((await checkTicket(ticket, { office, today: REAL_TODAY, appointments: await appointments() })).reason, "cancelled");
  assert.equal((await checkTicket(bookingCode(APPT), { office, today: REAL_TODAY, appointments: await appointments() })).reason, "cancelled");

  server.changes.push({ entity: "appointment", id: APPT, op: "put", data: pulled({ date: REAL_TODAY, time: "13:00" }) });
  await syncNow();
  assert.equal((await get("pulled", `appointment:${APPT}`)).data.tombstone, undefined);
  assert.equal((await checkTicket(await sign(privateKey, { d: REAL_TODAY, t: "13:00" }), { office, today: REAL_TODAY, appointments: await appointments() })).ok, true);
});

test("the retention purge drops the pulled appointments of past days, today's and later ones stay", async () => {
  const server = await enrolledDesk();
  const ids = [-1, 0, 1].map((n) => addDays(REAL_TODAY, n)).map((date, i) => {
    const id = `5f0c2a9e-7b1d-4c3e-9a8f-00000000000${i}`;
    server.changes.push({ entity: "appointment", id, op: "put", data: pulled({ id, date }) });
    return id;
  });
  server.changes.push({ entity: "appointment", id: ids[0], op: "delete" }); // a tombstone of a past day goes too
  await syncNow(); // its purge drops yesterday's
  await purgeOld(0, REAL_TODAY);
  assert.deepEqual((await all("pulled", "entity", "appointment")).map((r) => r.id).sort(), ids.slice(1));
});
