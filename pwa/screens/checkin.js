// Check-in by appointment (staff mode): the day's scheduled guests on the board, and the
// screen that takes a ticket by camera, by a barcode scanner typing like a keyboard, or by the
// typed booking code, verifies it offline (tickets.js) and opens the guest book pre-filled.
import { all, get, getMeta, setMeta } from "../db.js";
import { field, h, mount } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { firstCheckin } from "../derive.js";
import { viewOf } from "../records.js";
import { bookingCode, checkTicket } from "../tickets.js";
import { localDay } from "../util.js";
import { scanStream } from "./enroll.js";

const VOID = new Set(["cancelled", "declined"]);
// How long a verified ticket waits for the guest book to be filled in.
export const CHECKIN_HOLD_MS = 15 * 60 * 1000;

/** Return the office's local day on the server's clock (the tablet's clock offset taken off). */
async function officeToday(app) {
  const offset = await getMeta("clock_offset_ms", 0);
  return localDay(new Date(Date.now() - (offset || 0)), await app.timezone());
}

/**
 * Return appointment id -> the visit that keeps it, as this tablet sees its own and pulled
 * visits (first_checkin: the earliest registration, then the smaller visit id), and the ids of
 * the other visits of an appointment (duplicates).
 */
export async function checkinsOf() {
  const byAppointment = new Map();
  for (const visit of (await all("visits")).map(viewOf)) {
    if (!visit.appointment_id) continue;
    if (!byAppointment.has(visit.appointment_id)) byAppointment.set(visit.appointment_id, []);
    byAppointment.get(visit.appointment_id).push(visit);
  }
  const kept = new Map();
  const duplicates = new Set();
  for (const [appointmentId, visits] of byAppointment) {
    const winner = firstCheckin(visits.map((v) => ({ visit_id: v.id, registered_at: v.registered_at })));
    kept.set(appointmentId, visits.find((v) => v.id === winner));
    for (const v of visits) if (v.id !== winner) duplicates.add(v.id);
  }
  return { kept, duplicates };
}

/** Return the pulled appointments of today still to check in, by time. */
async function scheduledToday(app, today) {
  const { kept } = await checkinsOf();
  const office = await app.office();
  return (await app.entities("appointment"))
    .filter((x) => x.date === today && !VOID.has(x.status) && x.status !== "checked_in" && !x.tombstone && !kept.has(x.id)
      && (!x.office_code || !office?.code || x.office_code === office.code))
    .sort((a, b) => `${a.time}${a.queue}`.localeCompare(`${b.time}${b.queue}`));
}

/** Verify what was scanned or typed; on success hold it for the guest book and open it. Return the result. */
async function tryCheckin(app, text) {
  const today = await officeToday(app);
  const { kept } = await checkinsOf();
  const checkedIn = new Map([...kept].map(([id, v]) => [id, v.queue_number || ""]));
  const result = await checkTicket(text, { office: await app.office(), today, appointments: await app.entities("appointment"), checkedIn });
  if (result.ok) {
    // Only the ticket is held (no personal data): the guest book reads the pulled appointment.
    await setMeta("checkin", { appointment_id: result.appointmentId, at: Date.now(), date: result.ticket.d, time: result.ticket.t, queue: result.ticket.q });
    app.go("#/register/janji");
  }
  return result;
}

/**
 * Return the verified ticket waiting for the guest book (null once it is too old), with what
 * the pulled appointment knows (name, institution, purpose, identity type, host or service;
 * `pulled` false for a ticket booked after the last sync). The NIK is typed by the guest.
 */
export async function heldCheckin() {
  const held = await getMeta("checkin", null);
  if (!held || Date.now() - held.at >= CHECKIN_HOLD_MS) return null;
  const a = (await get("pulled", `appointment:${held.appointment_id}`))?.data;
  const known = a && !a.tombstone ? a : null;
  return { ...held, pulled: !!known, name: known?.name || "", institution: known?.institution || "", purpose: known?.purpose || "",
    id_type: known?.id_type || "ktp", host_id: known?.host_id ?? null, service_id: known?.service_id ?? null };
}

/** Forget the held ticket (the guest book was saved with it, or left). */
export async function dropCheckin() { await setMeta("checkin", null); }

/** A "YYYY-MM-DD" day in words ("3 Desember 2026"). */
function dayText(day) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || "")) return day || "";
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(getLang() === "id" ? "id-ID" : "en-GB",
    { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
}

/** The sentence that says why a ticket was refused. */
function refusal(result) {
  const v = { date: dayText(result.ticket?.d), time: result.ticket?.t || "", office: result.ticket?.o || "", queue: result.queue || "", code: result.code || "" };
  if (result.reason === "rescheduled") Object.assign(v, { date: dayText(result.date), time: result.time });
  return t(`checkin_err_${result.reason}`, v);
}

/** The "Tamu terjadwal hari ini" section of the board (null when nobody is expected). */
export async function scheduledSection(app, { link = true } = {}) {
  const today = await officeToday(app);
  const expected = await scheduledToday(app, today);
  const hosts = new Map((await app.entities("host")).map((x) => [String(x.id), x]));
  const services = new Map((await app.entities("service")).map((x) => [String(x.id), x]));
  const open = link ? h("a", { class: "btn primary big", href: "#/checkin", id: "go-checkin" }, t("checkin_open")) : null;
  const message = h("p", { class: "field-error", role: "alert", id: "scheduled-message" });
  const row = (x) => h("li", { class: "scheduled-row", dataset: { appointment: x.id, code: x.code || bookingCode(x.id) } },
    h("span", { class: "t" }, x.time || ""),
    h("span", { class: "q" }, x.queue || "—"),
    h("span", { class: "n" }, x.name || "", x.group ? h("span", { class: "muted" }, ` · ${x.group}`) : null),
    h("span", { class: "to" }, hosts.get(String(x.host_id))?.name || services.get(String(x.service_id))?.name || ""),
    h("span", { class: "mono code" }, x.code || bookingCode(x.id)),
    h("button", { class: "btn small", type: "button", id: `checkin-${x.code || bookingCode(x.id)}`, "aria-label": `${t("checkin_btn")} ${x.name || x.queue || ""}`.trim(), onclick: async () => {
      const result = await tryCheckin(app, x.code || bookingCode(x.id));
      if (!result.ok) message.textContent = refusal(result);
    } }, t("checkin_btn")));
  return h("section", { class: "scheduled", id: "scheduled" },
    h("div", { class: "row between" }, h("h2", {}, `${t("scheduled_title")} (${expected.length})`), open),
    expected.length ? h("ul", { class: "scheduled-list", id: "scheduled-list" }, expected.map(row)) : h("p", { class: "muted", id: "scheduled-empty" }, t("scheduled_empty")),
    message);
}

/** Render the check-in screen: scan, scanner input or booking code. */
export async function renderCheckin(main, app) {
  const input = h("input", { id: "checkin-input", name: "ticket", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", class: "mono", "aria-describedby": "checkin-hint" });
  const result = h("div", { id: "checkin-result", role: "alert", "aria-live": "assertive" });
  const video = h("video", { class: "scanner", id: "checkin-scanner", hidden: true, muted: true, playsinline: true });
  const show = (outcome) => {
    if (outcome.ok) { mount(result); return; }
    mount(result, h("p", { class: "notice warn refused", dataset: { reason: outcome.reason } }, refusal(outcome)));
  };
  const submit = async (text) => {
    if (!String(text || "").trim()) return;
    mount(result, h("p", { class: "muted" }, t("checkin_checking")));
    const outcome = await tryCheckin(app, text);
    show(outcome);
    if (!outcome.ok) { input.value = ""; input.focus(); }
  };
  const scan = h("button", { class: "btn big", type: "button", id: "checkin-scan", onclick: () => scanTicket(video, scan, result, submit) }, t("checkin_scan"));
  // A USB or Bluetooth barcode scanner types the QR text into the focused input and presses Enter.
  const form = h("form", { class: "card", id: "checkin-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(input.value); } },
    field("checkin-input", t("checkin_input"), input),
    h("p", { class: "hint", id: "checkin-hint" }, t("checkin_hint")),
    h("div", { class: "row" }, h("button", { class: "btn primary big", type: "submit", id: "checkin-submit" }, t("checkin_check")),
      navigator.mediaDevices?.getUserMedia ? scan : null),
    video, result);
  mount(main, h("section", { class: "checkin" },
    h("div", { class: "staff-head" }, h("h1", {}, t("checkin_title")),
      h("nav", { class: "row", "aria-label": t("mode_staff") }, h("a", { class: "btn small ghost", href: "#/staff", id: "checkin-back" }, t("board_title")))),
    form, await scheduledSection(app, { link: false })));
  input.focus();
}

/** Scan a ticket's QR with the camera and check it; a second tap stops. */
async function scanTicket(video, button, result, submit) {
  if (video.dataset.scanning === "1") { video.dataset.scanning = "0"; return; }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    mount(result, h("p", { class: "notice warn" }, t("scan_no_camera")));
    return;
  }
  video.dataset.scanning = "1";
  button.textContent = t("scan_stop");
  mount(result, h("p", { class: "muted" }, t("checkin_hold_qr")));
  // The scanner input and the typed code still work when the camera stops.
  const { found, stopped } = await scanStream(video, stream);
  button.textContent = t("checkin_scan");
  if (!found && !stopped && video.isConnected) mount(result, h("p", { class: "notice warn" }, t("scan_nothing")));
  else if (!found) mount(result);
  if (found) await submit(found);
}
