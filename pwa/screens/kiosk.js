// Kiosk mode (guests, no login): welcome, the guest-book form, and the queue slip.
import { charCounter, field, h, mount, setError } from "../dom.js";
import { getLang, setLang, t } from "../i18n.js";
import { setMeta } from "../db.js";
import { crossCheck, parseNik } from "../nik.js";
import { pendingArrivals, registerVisit, visitById } from "../records.js";
import { encodePhoto, signaturePng } from "../encode.js";
import { findReturningGuest } from "../returning.js";
import { refreshStatus, syncNow } from "../sync.js";
import { localDay, localTime } from "../util.js";
import { stepsFor, templateOf } from "../sop.js";
import { dropCheckin, heldCheckin } from "./checkin.js";

/** Render the kiosk welcome screen with the language choice. */
export async function renderKiosk(main, app) {
  const office = await app.office();
  // Guests the satpam received at the lobby (Kaltim) choose their number to fill in the guest book.
  const arrivals = await pendingArrivals(localDay(new Date(), await app.timezone()));
  const choose = (lang) => h("button", {
    class: `btn lang ${getLang() === lang ? "primary" : "ghost"}`, type: "button", lang, "aria-pressed": String(getLang() === lang),
    onclick: async () => { setLang(lang); await setMeta("lang", lang); await app.renderTopbar(); app.render(); },
  }, t(`lang_${lang}`));
  mount(main, h("section", { class: "welcome" },
    h("h1", {}, t("welcome")),
    office?.name ? h("p", { class: "office-title" }, office.name) : null,
    h("p", { class: "lead" }, t("welcome_sub")),
    h("div", { class: "lang-choice", role: "group", "aria-label": t("language") }, choose("id"), choose("en")),
    h("a", { class: "btn primary huge", href: "#/register", id: "start-register" }, t("start_register")),
    h("a", { class: "btn ghost big", href: "#/survey", id: "start-survey" }, t("start_survey")),
    arrivals.length ? h("div", { class: "arrivals", id: "arrivals" }, h("p", {}, t("arrivals_title")),
      arrivals.map((v) => h("a", { class: "btn big", href: `#/register/${v.id}`, dataset: { visit: v.id } }, v.queue_number || "—"))) : null));
}

// Long fields show their count against their limit; over the limit is a field error on submit
// (nothing is cut off silently).
const LIMITS = { institution: 200, address: 300, purpose: 500 };

/** A "n/max" counter under a long field. */
const counterFor = (input, max) => charCounter(input, max, (n, m) => t("char_count", { n, max: m }));

/** The mark of a required field (its input carries aria-required). */
const req = () => h("span", { class: "req", "aria-hidden": "true" }, " *");

function radioGroup(name, options, selected, onchange) {
  return h("div", { class: "choices", role: "radiogroup" }, options.map(([value, label]) => {
    const input = h("input", { type: "radio", name, value, id: `${name}-${value}`, checked: value === selected, onchange });
    return h("label", { class: "choice", for: `${name}-${value}` }, input, h("span", {}, label));
  }));
}

function signaturePad() {
  const canvas = h("canvas", { class: "signature", width: 600, height: 220, id: "signature-pad", role: "img", "aria-label": t("signature") });
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  let drawing = false;
  let strokes = 0;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture?.(e.pointerId); ctx.beginPath(); ctx.moveTo(...point(e)); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; ctx.lineTo(...point(e)); ctx.stroke(); strokes += 1; });
  let ready = null; // the PNG of the last stroke, made while the guest moves on
  // Black strokes on white as a 1-bit PNG: under 1 KB, and it prints well.
  const render = () => signaturePng(canvas);
  const end = () => { if (drawing) ready = render(); drawing = false; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  return {
    canvas,
    get empty() { return strokes < 2; },
    clear() { ctx.clearRect(0, 0, canvas.width, canvas.height); strokes = 0; ready = null; },
    blob() { return ready || render(); },
  };
}

function photoTaker(status) {
  const video = h("video", { class: "camera", muted: true, playsinline: true, autoplay: true, hidden: true });
  const preview = h("img", { class: "photo-preview", alt: "", hidden: true });
  const file = h("input", { type: "file", accept: "image/*", capture: "user", id: "photo-file", class: "file" });
  const state = { blob: null, stream: null };
  const shoot = h("button", { class: "btn big", type: "button", id: "take-photo", hidden: true }, t("take_photo"));
  const show = (blob) => { state.blob = blob; preview.src = URL.createObjectURL(blob); preview.hidden = false; video.hidden = true; shoot.textContent = t("retake_photo"); };
  shoot.addEventListener("click", async () => {
    if (state.blob) { state.blob = null; preview.hidden = true; video.hidden = false; shoot.textContent = t("take_photo"); return; }
    if (!video.videoWidth) return;
    show(await encodePhoto(video, video.videoWidth, video.videoHeight));
  });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const bitmap = await createImageBitmap(chosen);
    show(await encodePhoto(bitmap, bitmap.width, bitmap.height));
  });
  const start = async () => {
    if (!navigator.mediaDevices?.getUserMedia) { status.textContent = t("camera_unavailable"); return; }
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } }, audio: false });
      video.srcObject = state.stream;
      video.hidden = false; shoot.hidden = false;
    } catch {
      status.textContent = t("camera_unavailable");
    }
  };
  const stop = () => state.stream?.getTracks().forEach((tr) => tr.stop());
  return { el: h("div", { class: "photo" }, video, preview, h("div", { class: "row" }, shoot, h("label", { class: "btn ghost", for: "photo-file" }, t("pick_photo")), file)), state, start, stop };
}

// Which error slot an input's edit clears (radio groups share one; a new NIK also clears the
// sex and birth-date checks made against the old one).
const ERROR_SLOTS = { id_type: ["id_number", "sex", "birth_date"], id_number: ["id_number", "sex", "birth_date"],
  sex: ["sex"], birth_date: ["birth_date"], host: ["meet"], service: ["meet"], meet_kind: ["meet"] };

/** Clear a field's error as soon as the guest edits it (the submit checks everything again). */
function clearErrorsOnEdit(form, message) {
  const edited = (e) => {
    const name = e.target?.name;
    if (!name) return;
    for (const id of ERROR_SLOTS[name] || [name]) setError(form, id, "");
    if (!form.querySelector(".field-error:not(:empty)")) message.textContent = "";
  };
  // Capture: runs before a field's own listener (the NIK check) may set a fresh error.
  form.addEventListener("input", edited, true);
  form.addEventListener("change", edited, true);
}

/** Render the guest-book form. */
export async function renderRegister(main, app, joinVisitId = null) {
  // A guest checked in by appointment (#/register/janji, screens/checkin.js): the form comes filled in.
  const appointment = joinVisitId === "janji" ? await heldCheckin() : null;
  if (joinVisitId === "janji") joinVisitId = null;
  const hosts = (await app.entities("host")).filter((x) => x.active !== false);
  const services = (await app.entities("service")).filter((x) => x.active !== false);
  const form = h("form", { class: "register", novalidate: true, id: "register-form" });
  let idType = "ktp";
  let meetKind = hosts.length && !(appointment?.service_id && !appointment.host_id) ? "host" : "service";
  const inputs = {
    id_number: h("input", { name: "id_number", inputmode: "numeric", autocomplete: "off", maxlength: 24, class: "mono", "aria-required": "true" }),
    sex: null,
    birth_date: h("input", { name: "birth_date", type: "date" }),
    name: h("input", { name: "name", autocomplete: "off", maxlength: 160, "aria-required": "true" }),
    phone: h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", maxlength: 20 }),
    institution: h("input", { name: "institution" }),
    address: h("input", { name: "address" }),
    purpose: h("textarea", { name: "purpose", rows: 2, "aria-required": "true" }),
    consent: h("input", { type: "checkbox", name: "consent", id: "consent" }),
  };
  const nikInfo = h("p", { class: "hint", id: "nik-info", "aria-live": "polite" });
  const sexGroup = h("div", { class: "field", dataset: { field: "sex" } }, h("span", { class: "label", id: "sex-label" }, t("sex")),
    radioGroup("sex", [["L", t("sex_l")], ["P", t("sex_p")]], null), h("p", { class: "field-error", id: "sex-error" }));
  sexGroup.querySelector(".choices").setAttribute("aria-labelledby", "sex-label");
  const ktpOnly = h("div", { class: "grid2 ktp-only" }, sexGroup, field("birth_date", t("birth_date"), inputs.birth_date));
  const idLabel = h("label", { for: "id_number" }, t("nik"), req());
  const updateNik = () => {
    if (idType !== "ktp") { nikInfo.textContent = ""; return; }
    const value = inputs.id_number.value;
    if (value.replace(/\D/g, "").length < 16) { nikInfo.textContent = ""; return; }
    const parsed = parseNik(value);
    if (parsed.ok) {
      // Sex and birth date are in the NIK: fill them (the guest may still correct them).
      const sex = sexGroup.querySelector(`input[name=sex][value=${parsed.sex}]`);
      if (sex) sex.checked = true;
      if (parsed.birthDate) inputs.birth_date.value = parsed.birthDate;
      nikInfo.textContent = t("nik_ok", { sex: parsed.sex === "P" ? t("sex_p") : t("sex_l"), date: parsed.birthDate, province: parsed.province });
      setError(form, "id_number", "");
    } else {
      setError(form, "id_number", t(`err_nik_${parsed.errors[0]}`));
      nikInfo.textContent = "";
    }
  };
  inputs.id_number.addEventListener("input", updateNik);

  const idTypes = radioGroup("id_type", [["ktp", t("id_ktp")], ["sim", t("id_sim")], ["passport", t("id_passport")], ["other", t("id_other")]], "ktp", (e) => {
    idType = e.target.value;
    ktpOnly.hidden = idType !== "ktp";
    mount(idLabel, idType === "ktp" ? t("nik") : t("id_number"), req());
    inputs.id_number.inputMode = idType === "ktp" ? "numeric" : "text";
    updateNik();
  });
  idTypes.setAttribute("aria-label", t("id_type"));

  // Host search with availability, or a service.
  const hostSearch = h("input", { type: "search", id: "host-search", placeholder: t("search_host"), "aria-label": t("search_host") });
  const hostList = h("div", { class: "host-list", role: "radiogroup", "aria-label": t("meet_host") });
  const drawHosts = () => {
    const q = hostSearch.value.trim().toLowerCase();
    const selected = form.querySelector("input[name=host]:checked")?.value;
    mount(hostList, hosts.filter((x) => !q || `${x.name} ${x.position} ${x.unit}`.toLowerCase().includes(q)).slice(0, 30).map((x) => {
      const id = `host-${x.id}`;
      return h("label", { class: `host ${x.available === false ? "away" : ""}`, for: id },
        h("input", { type: "radio", name: "host", value: x.id, id, checked: String(x.id) === selected }),
        h("span", { class: "host-name" }, x.name), h("span", { class: "host-pos" }, x.position || ""),
        h("span", { class: `avail ${x.available === false ? "no" : "yes"}` }, x.available === false ? `${t("unavailable")}${x.unavailable_reason ? ` — ${x.unavailable_reason}` : ""}` : t("available")));
    }));
  };
  hostSearch.addEventListener("input", drawHosts);
  drawHosts();
  const serviceList = radioGroup("service", services.map((s) => [String(s.id), s.name]), null);
  serviceList.setAttribute("aria-label", t("meet_service"));
  const hostPane = h("div", { class: "pane", id: "pane-host" }, hostSearch, hostList);
  const servicePane = h("div", { class: "pane", id: "pane-service" }, serviceList);
  const meetTabs = radioGroup("meet_kind", [["host", t("meet_host")], ["service", t("meet_service")]], meetKind, (e) => {
    meetKind = e.target.value; hostPane.hidden = meetKind !== "host"; servicePane.hidden = meetKind !== "service";
  });
  meetTabs.setAttribute("aria-label", t("meet"));
  hostPane.hidden = meetKind !== "host"; servicePane.hidden = meetKind !== "service";

  const photoStatus = h("p", { class: "hint", "aria-live": "polite" });
  const photo = photoTaker(photoStatus);
  const pad = signaturePad();

  // A returning guest fills the form from an earlier visit: this tablet first, then (for a NIK,
  // when online) the office's server, which also knows older visits and the other tablets' guests.
  const lookup = h("input", { id: "lookup", inputmode: "numeric", autocomplete: "off", class: "mono", "aria-label": t("returning") });
  const lookupMsg = h("p", { class: "hint", "aria-live": "polite", id: "lookup-msg" });
  const find = h("button", { class: "btn", type: "button", id: "lookup-find", onclick: async () => {
    // Busy on the button; the message stays empty until there is an answer to read out.
    lookupMsg.textContent = "";
    find.disabled = true;
    find.textContent = t("lookup_searching");
    const result = await findReturningGuest(lookup.value).catch(() => ({ found: false, reason: "unavailable" }));
    find.disabled = false;
    find.textContent = t("find");
    if (!result.found) {
      lookupMsg.textContent = result.reason === "offline" ? t("lookup_offline")
        : result.reason === "unavailable" ? t("lookup_unavailable")
          : parseNik(lookup.value).ok ? t("not_found_office") : t("not_found");
      return;
    }
    const found = result.guest;
    form.querySelector(`input[name=id_type][value=${found.id_type}]`)?.click();
    for (const k of ["id_number", "name", "phone", "institution", "address"]) inputs[k].value = found[k] || "";
    updateNik();
    lookupMsg.textContent = found.phone ? t("found_returning") : t("found_returning_phone");
  } }, t("find"));

  // Enter in the lookup box searches; it must not submit the half-filled registration.
  lookup.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); find.click(); } });
  const message = h("p", { class: "form-message", role: "alert", id: "form-message" });
  const submit = h("button", { class: "btn primary huge", type: "submit", id: "register-submit" }, t("submit_register"));
  mount(form,
    h("h1", {}, t("register_title")),
    appointment ? h("p", { class: "notice", id: "appointment-banner" },
      t(appointment.pulled ? "appointment_banner" : "appointment_banner_unsynced", { queue: appointment.queue, time: appointment.time })) : null,
    h("p", { class: "req-note" }, t("required_note")),
    h("details", { class: "returning" }, h("summary", {}, t("returning")), h("div", { class: "row" }, lookup, find), lookupMsg),
    h("fieldset", {}, h("legend", {}, t("id_type")), idTypes,
      h("div", { class: "field", dataset: { field: "id_number" } }, idLabel, inputs.id_number, nikInfo, h("p", { class: "field-error", id: "id_number-error", "aria-live": "polite" })),
      ktpOnly),
    h("div", { class: "grid2" }, field("name", [t("name"), req()], inputs.name), field("phone", t("phone"), inputs.phone)),
    h("div", { class: "grid2" }, field("institution", t("institution"), inputs.institution, counterFor(inputs.institution, LIMITS.institution)),
      field("address", t("address"), inputs.address, counterFor(inputs.address, LIMITS.address))),
    field("purpose", [t("purpose"), req()], inputs.purpose, counterFor(inputs.purpose, LIMITS.purpose)),
    h("fieldset", {}, h("legend", {}, t("meet"), req()), meetTabs, hostPane, servicePane, h("p", { class: "field-error", id: "meet-error" })),
    h("div", { class: "grid2" },
      h("fieldset", {}, h("legend", {}, t("photo")), photo.el, photoStatus),
      h("fieldset", {}, h("legend", {}, t("signature"), req()), pad.canvas,
        h("button", { class: "btn ghost small", type: "button", onclick: () => pad.clear() }, t("clear_signature")),
        h("p", { class: "field-error", id: "signature-error" }))),
    h("fieldset", { class: "consent" }, h("legend", {}, t("consent_title"), req()), h("p", {}, t("consent_text")),
      h("label", { class: "check", for: "consent" }, inputs.consent, h("span", {}, t("consent_check"))),
      h("p", { class: "field-error", id: "consent-error" })),
    message,
    h("div", { class: "row end" }, h("a", { class: "btn ghost big", href: "#/kiosk" }, t("cancel")), submit));
  inputs.id_number.id = "id_number";
  inputs.id_number.setAttribute("aria-describedby", "id_number-error nik-info");
  mount(main, form);
  clearErrorsOnEdit(form, message);
  pad.canvas.addEventListener("pointerup", () => { if (!pad.empty) setError(form, "signature", ""); });
  if (appointment) {
    prefillFromAppointment(form, inputs, appointment, { hosts, hostSearch, drawHosts });
    // Saved or left (cancel, the idle return to the welcome screen): the ticket is no longer held.
    addEventListener("hashchange", () => { dropCheckin(); }, { once: true });
  }
  photo.start();
  addEventListener("hashchange", () => photo.stop(), { once: true });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const tapped = performance.now();
    const errors = {};
    const value = (k) => inputs[k].value.trim();
    const sex = form.querySelector("input[name=sex]:checked")?.value;
    if (!value("id_number")) errors.id_number = t("err_required");
    else if (idType === "ktp") {
      const parsed = parseNik(value("id_number"));
      if (!parsed.ok) errors.id_number = t(`err_nik_${parsed.errors[0]}`);
      else {
        const mismatch = crossCheck(parsed, { sex, birthDate: inputs.birth_date.value || undefined });
        if (mismatch.includes("sex")) errors.sex = t("err_sex_mismatch");
        if (mismatch.includes("birth_date")) errors.birth_date = t("err_birth_mismatch");
      }
    }
    if (!value("name")) errors.name = t("err_required");
    if (value("phone") && !/^\+?[0-9][0-9 \-]{6,18}$/.test(value("phone"))) errors.phone = t("err_phone");
    if (!value("purpose")) errors.purpose = t("err_required");
    for (const [k, max] of Object.entries(LIMITS)) {
      if (inputs[k].value.length > max) errors[k] = t("err_too_long", { max, n: inputs[k].value.length });
    }
    const hostId = form.querySelector("input[name=host]:checked")?.value;
    const serviceId = form.querySelector("input[name=service]:checked")?.value;
    if ((meetKind === "host" && !hostId) || (meetKind === "service" && !serviceId)) errors.meet = t("err_meet");
    if (pad.empty) errors.signature = t("err_signature");
    if (!inputs.consent.checked) errors.consent = t("err_consent");
    for (const id of ["id_number", "sex", "birth_date", "name", "phone", "institution", "address", "purpose", "meet", "signature", "consent"]) setError(form, id, errors[id] || "");
    if (Object.keys(errors).length) {
      message.textContent = t("form_errors");
      form.querySelector("[aria-invalid=true], .field-error:not(:empty)")?.scrollIntoView({ block: "center" });
      return;
    }
    message.textContent = "";
    submit.disabled = true;
    const data = {
      id_type: idType, id_number: value("id_number"), name: value("name"), phone: value("phone"),
      institution: value("institution"), address: value("address"), purpose: value("purpose"),
      host_id: meetKind === "host" ? hostId : null, service_id: meetKind === "service" ? serviceId : null,
      visit_id: joinVisitId || null,
      appointment_id: appointment?.appointment_id || null, queue_number: appointment?.queue || null,
    };
    const template = templateOf(await app.office());
    const tier = meetKind === "host" ? hosts.find((x) => String(x.id) === String(hostId))?.tier : null;
    data.step = stepsFor(template, tier).find((s) => s.kind === "registration")?.key || null;
    try {
      const { visit, photoDropped } = await registerVisit(data, { photo: photo.state.blob, signature: await pad.blob() });
      // Tap-to-committed time, read by bench/pwa.py.
      if (window.__sitamu) (window.__sitamu.saves ||= []).push(performance.now() - tapped);
      photo.stop();
      if (photoDropped) app.flash(t("photo_dropped"), "warn");
      await refreshStatus();
      syncNow();
      app.go(`#/slip/${visit.id}`);
    } catch (error) {
      submit.disabled = false;
      message.textContent = t("save_failed", { why: error?.name || error });
    }
  });
}

/** Fill the guest book from a checked-in appointment: what the pulled appointment knows (nothing of the NIK). */
function prefillFromAppointment(form, inputs, appointment, { hosts, hostSearch, drawHosts }) {
  for (const k of ["name", "institution", "purpose"]) {
    if (!appointment[k]) continue;
    inputs[k].value = appointment[k];
    inputs[k].dispatchEvent(new Event("input", { bubbles: true })); // the character counters
  }
  if (appointment.id_type && appointment.id_type !== "ktp") form.querySelector(`input[name=id_type][value=${appointment.id_type}]`)?.click();
  const host = hosts.find((x) => String(x.id) === String(appointment.host_id));
  if (host) {
    hostSearch.value = host.name;
    drawHosts();
    const radio = form.querySelector(`input[name=host][value="${host.id}"]`);
    if (radio) radio.checked = true;
  } else if (appointment.service_id) {
    form.querySelector("input[name=meet_kind][value=service]")?.click();
    const radio = form.querySelector(`input[name=service][value="${appointment.service_id}"]`);
    if (radio) radio.checked = true;
  }
}

/** Render the queue slip (printable). */
export async function renderSlip(main, app, visitId) {
  const visit = await visitById(visitId);
  if (!visit) { app.go("#/kiosk"); return; }
  const tz = await app.timezone();
  const office = await app.office();
  const device = await app.device();
  const host = visit.host_id ? (await app.entities("host")).find((x) => String(x.id) === String(visit.host_id)) : null;
  const service = visit.service_id ? (await app.entities("service")).find((x) => String(x.id) === String(visit.service_id)) : null;
  mount(main, h("section", { class: "slip-screen" },
    h("div", { class: "slip", id: "slip" },
      h("p", { class: "slip-office" }, office?.name || device?.office?.name || ""),
      h("h1", {}, t("slip_title")),
      h("p", { class: "queue-number", id: "queue-number" }, visit.queue_number),
      h("p", { class: "slip-name" }, visit.name),
      h("p", {}, `${t("slip_to")}: ${host ? `${host.name}${host.position ? `, ${host.position}` : ""}` : service?.name || ""}`),
      h("p", {}, `${t("visit_time")}: ${new Date(visit.registered_at || Date.now()).toLocaleDateString(getLang() === "id" ? "id-ID" : "en-GB", { timeZone: tz })} ${localTime(visit.registered_at, tz)}`),
      h("p", { class: "slip-wait" }, t("slip_wait"))),
    h("div", { class: "row center no-print" },
      h("button", { class: "btn big", type: "button", id: "print-slip", onclick: () => window.print() }, t("print_slip")),
      h("a", { class: "btn primary big", href: "#/kiosk", id: "slip-done" }, t("done")))));
}
