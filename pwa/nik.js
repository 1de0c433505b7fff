// Offline NIK (Nomor Induk Kependudukan) checks, per shared/reference/nik-and-privacy.md:
// 16 digits PP KK CC DDMMYY SSSS; women have 40 added to the day; no check digit.
export const PROVINCES = {
  11: "Aceh", 12: "Sumatera Utara", 13: "Sumatera Barat", 14: "Riau", 15: "Jambi",
  16: "Sumatera Selatan", 17: "Bengkulu", 18: "Lampung", 19: "Kepulauan Bangka Belitung",
  21: "Kepulauan Riau", 31: "DKI Jakarta", 32: "Jawa Barat", 33: "Jawa Tengah",
  34: "DI Yogyakarta", 35: "Jawa Timur", 36: "Banten", 51: "Bali", 52: "Nusa Tenggara Barat",
  53: "Nusa Tenggara Timur", 61: "Kalimantan Barat", 62: "Kalimantan Tengah",
  63: "Kalimantan Selatan", 64: "Kalimantan Timur", 65: "Kalimantan Utara",
  71: "Sulawesi Utara", 72: "Sulawesi Tengah", 73: "Sulawesi Selatan", 74: "Sulawesi Tenggara",
  75: "Gorontalo", 76: "Sulawesi Barat", 81: "Maluku", 82: "Maluku Utara", 91: "Papua",
  92: "Papua Barat", 93: "Papua Selatan", 94: "Papua Tengah", 95: "Papua Pegunungan",
  96: "Papua Barat Daya",
};

/** Remove spaces, dots and dashes people type between digit groups. */
export function cleanNik(text) {
  return String(text ?? "").replace(/[\s.\-]/g, "");
}

function pad(n) { return String(n).padStart(2, "0"); }

/**
 * Check a NIK offline. Return {ok, errors, province, sex ("L"|"P"), birthDate ("YYYY-MM-DD")}.
 * errors are codes: length, digits, province, date, serial. `today` picks the century.
 */
export function parseNik(text, today = new Date()) {
  const nik = cleanNik(text);
  const errors = [];
  if (!/^\d*$/.test(nik)) errors.push("digits");
  if (nik.length !== 16) errors.push("length");
  if (errors.length) return { ok: false, errors, nik };
  const province = Number(nik.slice(0, 2));
  if (!PROVINCES[province]) errors.push("province");
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const yy = Number(nik.slice(10, 12));
  const sex = day > 40 ? "P" : "L";
  if (day > 40) day -= 40;
  const thisYear = today.getUTCFullYear();
  let year = 2000 + yy;
  if (year > thisYear) year -= 100;
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = month >= 1 && month <= 12 && day >= 1 &&
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!real) errors.push("date");
  if (nik.slice(12) === "0000") errors.push("serial");
  const result = { ok: errors.length === 0, errors, nik, province: PROVINCES[province] || null, sex };
  if (real) result.birthDate = `${year}-${pad(month)}-${pad(day)}`;
  return result;
}

/**
 * Cross-check what the guest typed against what the NIK encodes.
 * Return a list of mismatching field names ("sex", "birth_date").
 */
export function crossCheck(parsed, { sex, birthDate } = {}) {
  const mismatches = [];
  if (!parsed?.ok) return mismatches;
  if (sex && sex !== parsed.sex) mismatches.push("sex");
  if (birthDate && birthDate !== parsed.birthDate) mismatches.push("birth_date");
  return mismatches;
}

/**
 * Show an identity number as the server does (sync/rules.py mask_id_number): only its last 4
 * characters, a 16-digit NIK as "•••• •••• •••• 0001" (vectors: sync/test_vectors/mask.json).
 */
export function maskNik(text) {
  const chars = Array.from(cleanNik(text));
  if (!chars.length) return "";
  if (chars.length === 16 && /^[0-9]{16}$/.test(chars.join(""))) return `•••• •••• •••• ${chars.slice(12).join("")}`;
  const keep = chars.length >= 8 ? 4 : chars.length >= 5 ? 2 : 0;
  return "•".repeat(chars.length - keep) + chars.slice(chars.length - keep).join("");
}
