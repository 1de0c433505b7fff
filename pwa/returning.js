// A returning guest: the form fields of their latest visit. This tablet is searched first (it
// works offline and costs nothing); then, for a KTP number, the office's server, which keeps
// visits for the office's retention period and knows the guests of every desk tablet.
import * as api from "./api.js";
import { getMeta } from "./db.js";
import { cleanNik, parseNik } from "./nik.js";
import { findByIdNumber } from "./records.js";

// The fields the kiosk form fills. The server never sends the phone (the guest types it again).
export const GUEST_FIELDS = ["id_type", "id_number", "name", "phone", "institution", "address"];

function pick(values) {
  return Object.fromEntries(GUEST_FIELDS.map((k) => [k, values?.[k] ?? ""]));
}

/**
 * Find a returning guest by the number they typed. Resolve to
 * {found: true, source: "tablet" | "server", guest} or {found: false, reason}, where reason is
 * "not_found" (nowhere, or not a NIK and not on this tablet), "offline" (not on this tablet and
 * the server cannot be reached) or "unavailable" (the server refused or failed). Never rejects
 * for a network failure.
 */
export async function findReturningGuest(idNumber, { online = globalThis.navigator?.onLine } = {}) {
  const local = await findByIdNumber(idNumber);
  if (local) return { found: true, source: "tablet", guest: pick(local) };
  const nik = cleanNik(idNumber);
  // Only a KTP number has a lookup on the server; anything else stays a local search.
  if (!parseNik(nik).ok) return { found: false, reason: "not_found" };
  const token = (await getMeta("device", null))?.token;
  if (!token) return { found: false, reason: "not_found" };
  if (online === false) return { found: false, reason: "offline" };
  const result = await api.lookupGuest(token, nik);
  if (result.ok && result.data?.found === true && result.data.guest) {
    return { found: true, source: "server", guest: pick({ ...result.data.guest, id_type: "ktp", id_number: nik }) };
  }
  if (result.ok && result.data?.found === false) return { found: false, reason: "not_found" };
  // No network, or a Wi-Fi login page instead of our server: the same for a guest.
  if (result.network || result.notOurs) return { found: false, reason: "offline" };
  return { found: false, reason: "unavailable", status: result.status };
}
