// Offline staff PIN checks against the pulled hash "pbkdf2$<iterations>$<salt hex>$<hash hex>".

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Return true when `pin` matches the PBKDF2-SHA256 hash (constant-time compare). */
export async function checkPin(pin, stored) {
  if (!stored || typeof stored !== "string") return false;
  const [scheme, iterations, salt, digest] = stored.split("$");
  if (scheme !== "pbkdf2" || !iterations || !salt || !digest) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(String(pin)), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: hexToBytes(salt), iterations: Number(iterations) }, key, digest.length * 4);
  const got = new Uint8Array(bits);
  const want = hexToBytes(digest);
  let diff = got.length ^ want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i += 1) diff |= got[i] ^ want[i];
  return diff === 0;
}
