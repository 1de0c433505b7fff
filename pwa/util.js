// Small helpers shared by the modules: ids, hashes, local days.

/** Return a random UUID (v4). */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Return the SHA-256 of a Blob or ArrayBuffer as lowercase hex. */
export async function sha256Hex(data) {
  const buffer = data instanceof ArrayBuffer ? data : await data.arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Return the calendar day "YYYY-MM-DD" of a time in a time zone. */
export function localDay(when = new Date(), timeZone = "Asia/Jakarta") {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(when);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Return "HH:MM" of a time in a time zone. */
export function localTime(when, timeZone = "Asia/Jakarta") {
  if (!when) return "";
  return new Intl.DateTimeFormat("id-ID", { timeZone, hour: "2-digit", minute: "2-digit", hour12: false })
    .format(new Date(when)).replace(".", ":");
}

/** Return the whole days between two "YYYY-MM-DD" strings (b - a). */
export function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

/** Return an ISO UTC time with milliseconds. */
export function isoNow(now = Date.now()) {
  return new Date(now).toISOString();
}
