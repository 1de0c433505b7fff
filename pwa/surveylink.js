// Phone-survey links the tablet mints itself, so the QR works offline (sync/PROTOCOL.md,
// "Survey links"): m.<uid>.<visit>.<expiry>.<signature>, the ids as 32 hex digits, the expiry
// in unix seconds in base 36, the signature the first 16 bytes of HMAC-SHA256 keyed with the
// SHA-256 of the device token, base64url. The server holds that hash and checks the signature.

export const LINK_HOURS = 24;

const compact = (id) => String(id).replace(/-/g, "").toLowerCase();

function base64url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Return the token for a visit's phone survey (`expiresAt` in ms on the server clock). */
export async function mintSurveyToken({ token, uid, visitId, expiresAt }) {
  const { subtle } = globalThis.crypto;
  const encode = (text) => new TextEncoder().encode(text);
  const keyBytes = await subtle.digest("SHA-256", encode(token));
  const key = await subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const u = compact(uid);
  const v = compact(visitId);
  const e = Math.floor(expiresAt / 1000).toString(36);
  const mac = new Uint8Array(await subtle.sign("HMAC", key, encode(`sitamu-survey-1.${u}.${v}.${e}`)));
  return `m.${u}.${v}.${e}.${base64url(mac.slice(0, 16))}`;
}

/** Return the phone-survey URL for a visit, valid LINK_HOURS from `now` (server clock, ms). */
export async function mintSurveyLink({ base, token, uid, visitId, now }) {
  const minted = await mintSurveyToken({ token, uid, visitId, expiresAt: now + LINK_HOURS * 3600 * 1000 });
  return `${String(base).replace(/\/+$/, "")}/p/survey/${minted}`;
}
