// Appointment tickets at the desk (sync/PROTOCOL.md, "Appointments"): read what was scanned or
// typed, verify a ticket's signature offline with WebCrypto (ECDSA P-256, the office's
// `ticket_public_key` pulled with the office), and decide whether the guest may check in.
// No DOM and no storage here: the check-in screen gathers the context, node tests call it too.

export const TICKET_PREFIX = "SITAMU1.";
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const CODE_RE = /^[0-9A-F]{8}$/;
// An appointment the guest can no longer come by (pulled with this status, or its tombstone).
const VOID = new Set(["cancelled", "declined"]);

/** Return the bytes of a base64url text (no padding), or null if it is not one. */
export function fromBase64url(text) {
  if (typeof text !== "string" || !B64URL_RE.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  try {
    const raw = atob(b64);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Return the base64url text (no padding) of bytes. */
export function toBase64url(bytes) {
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Return an appointment's booking code: the first 8 hex characters of its id, upper case. */
export function bookingCode(appointmentId) {
  return String(appointmentId || "").replace(/-/g, "").slice(0, 8).toUpperCase();
}

/**
 * Read what the desk received (a camera scan, a barcode scanner's typing, a typed code):
 * `{kind: "ticket", ticket: {a, o, d, t, q}, payload, signature}` for a QR ticket,
 * `{kind: "code", code}` for a booking code (8 hex characters, any case, spaces and dashes
 * ignored), or `{kind: "invalid"}`.
 */
export function readInput(text) {
  const raw = String(text ?? "").trim();
  if (raw.toUpperCase().startsWith(TICKET_PREFIX)) {
    const parts = raw.slice(TICKET_PREFIX.length).split(".");
    if (parts.length !== 2) return { kind: "invalid" };
    const [payload, signature] = parts;
    const bytes = fromBase64url(payload);
    const sig = fromBase64url(signature);
    if (!bytes || !sig) return { kind: "invalid" };
    let ticket;
    try {
      ticket = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      return { kind: "invalid" };
    }
    if (!ticket || typeof ticket !== "object" || !UUID_RE.test(ticket.a ?? "") || typeof ticket.o !== "string"
        || !DAY_RE.test(ticket.d ?? "") || typeof ticket.t !== "string" || typeof ticket.q !== "string") {
      return { kind: "invalid" };
    }
    return { kind: "ticket", ticket: { a: ticket.a, o: ticket.o, d: ticket.d, t: ticket.t, q: ticket.q }, payload, signature: sig };
  }
  const code = raw.replace(/[\s-]/g, "").toUpperCase();
  return CODE_RE.test(code) ? { kind: "code", code } : { kind: "invalid" };
}

const keys = new Map(); // JWK text -> imported CryptoKey (importing costs more than verifying)

/** Import the office's ticket public key (a P-256 JWK) for verifying; null if it is not one. */
export async function importTicketKey(jwk) {
  if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256") return null;
  const id = `${jwk.x}.${jwk.y}`;
  if (!keys.has(id)) {
    try {
      keys.set(id, await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
        { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]));
    } catch {
      return null;
    }
  }
  return keys.get(id);
}

/** Return true when `signature` (P1363 r||s bytes) signs the ASCII `payload` under `jwk`. */
export async function verifySignature(payload, signature, jwk) {
  const key = await importTicketKey(jwk);
  if (!key || signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, new TextEncoder().encode(payload));
  } catch {
    return false;
  }
}

/**
 * Decide whether what the desk received lets a guest check in today.
 *
 * `ctx`: `office` (the pulled office: `code`, `ticket_public_key`), `today` (the office's local
 * day, "YYYY-MM-DD"), `appointments` (the pulled appointments of the office; a cancelled one,
 * or the tombstone of one, has `status: "cancelled"`), `checkedIn` (appointment id -> the queue
 * number of the visit that already checked it in, as this tablet knows it).
 *
 * Returns `{ok: true, appointmentId, ticket, appointment}` (`appointment` null for a ticket
 * booked after the last sync) or `{ok: false, reason, ...}` with reason one of: invalid,
 * unknown_code, no_key, forged, other_office, not_yet, expired, cancelled, rescheduled (with the
 * new `date` and `time`), already (checked in here, or pulled as `checked_in`).
 * A QR ticket is checked by its signature, so it needs no pulled appointment; a typed code is
 * looked up among the pulled ones.
 */
export async function checkTicket(text, ctx) {
  const input = readInput(text);
  const appointments = ctx.appointments || [];
  const office = ctx.office || {};
  let ticket = null;
  let appointment = null;
  if (input.kind === "invalid") return { ok: false, reason: "invalid" };
  if (input.kind === "code") {
    const matches = appointments.filter((x) => (x.code ? String(x.code).toUpperCase() : bookingCode(x.id)) === input.code
      && (!x.office_code || !office.code || x.office_code === office.code));
    // Eight hex characters could, rarely, be shared: today's (live) one is meant.
    appointment = matches.find((x) => x.date === ctx.today && !VOID.has(x.status)) || matches.find((x) => x.date === ctx.today) || matches[0];
    if (!appointment) return { ok: false, reason: "unknown_code", code: input.code };
    ticket = { a: appointment.id, o: appointment.office_code || office.code, d: appointment.date, t: appointment.time || "", q: appointment.queue || "" };
  } else {
    ticket = input.ticket;
    if (!office.ticket_public_key) return { ok: false, reason: "no_key", ticket };
    if (!await verifySignature(input.payload, input.signature, office.ticket_public_key)) return { ok: false, reason: "forged" };
    if (ticket.o !== office.code) return { ok: false, reason: "other_office", ticket };
    appointment = appointments.find((x) => x.id === ticket.a) || null;
  }
  if (ticket.d > ctx.today) return { ok: false, reason: "not_yet", ticket };
  if (ticket.d < ctx.today) return { ok: false, reason: "expired", ticket };
  const gone = appointment && VOID.has(appointment.status);
  if (gone && (!appointment.date || appointment.date === ticket.d)) {
    return { ok: false, reason: "cancelled", ticket };
  }
  // A ticket of the day or time the appointment had before it was moved: the new ticket is the one that counts.
  if (appointment && !gone && ((appointment.date && appointment.date !== ticket.d) || (appointment.time && ticket.t && appointment.time !== ticket.t))) {
    return { ok: false, reason: "rescheduled", ticket, date: appointment.date, time: appointment.time || "" };
  }
  if (gone) appointment = null; // the tombstone of another day: this ticket was made after it
  const already = ctx.checkedIn?.get?.(ticket.a);
  if (already !== undefined) return { ok: false, reason: "already", ticket, queue: already };
  // Another desk's check-in reached the server (pulled as `checked_in`) before its visit reached this tablet.
  if (appointment?.status === "checked_in") return { ok: false, reason: "already", ticket, queue: appointment.queue || "" };
  return { ok: true, appointmentId: ticket.a, ticket, appointment };
}
