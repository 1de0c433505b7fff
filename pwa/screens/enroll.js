// Enrolment: type or scan the one-time code; the tablet keeps its token.
import * as api from "../api.js";
import { setMeta } from "../db.js";
import { field, h, mount, setError } from "../dom.js";
import { t } from "../i18n.js";

const SCAN_EVERY_MS = 250; // four frames a second: enough to catch a held-up code, light on a tablet
const SCAN_FOR_MS = 60_000;
const FRAME_SIDE = 640; // frames are scaled down to this before decoding

/** Return the code in a scanned enrolment QR: the admin's `/app/#enroll=<code>` URL, a `?code=` URL or the bare code. */
function codeFromScan(raw) {
  const fromHash = /enroll=([A-Za-z0-9-]+)/.exec(raw)?.[1];
  if (fromHash) return fromHash;
  try {
    const fromQuery = new URL(raw).searchParams.get("code");
    if (fromQuery) return fromQuery;
  } catch { /* not a URL: the code itself */ }
  return raw.trim();
}

/**
 * Return a function reading one video frame (the QR text or null): the browser's BarcodeDetector
 * where it reads QR codes (Chrome on Android, ChromeOS, macOS), else the vendored jsQR on a
 * canvas (Windows and Linux tablets). jsQR is imported only now, so the app shell does not
 * load it; the service worker precaches it, so scanning works offline too.
 */
export async function frameReader(video) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats?.();
      if (!formats || formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        video.dataset.decoder = "barcode-detector";
        return async () => (await detector.detect(video).catch(() => []))[0]?.rawValue ?? null;
      }
    } catch { /* a detector that cannot be made: use jsQR */ }
  }
  const { default: jsQR } = await import("../vendor/jsqr.js");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  video.dataset.decoder = "jsqr";
  return async () => {
    if (!video.videoWidth || !video.videoHeight) return null;
    const scale = Math.min(1, FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };
}

/** Scan the enrolment QR with the camera into `input`; a second tap stops. Return true when a code was read. */
/**
 * Read QR codes from a camera stream shown in `video` until one is read, the time is up, a
 * second tap (video.dataset.scanning = "0") or the screen is left; the camera is stopped after.
 * Return {found, stopped}: the text read (or null) and whether the scan was stopped by a tap.
 */
export async function scanStream(video, stream) {
  let found = null;
  let stopped = false;
  try {
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const read = await frameReader(video);
    const until = Date.now() + SCAN_FOR_MS;
    while (!found && video.dataset.scanning === "1" && video.isConnected && Date.now() < until) {
      found = await read();
      if (!found) await new Promise((r) => setTimeout(r, SCAN_EVERY_MS));
    }
  } catch {
    found = null; // a camera that stopped, a decoder that could not load: typing still works
  } finally {
    stopped = video.dataset.scanning !== "1";
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    video.hidden = true;
    video.dataset.scanning = "0";
  }
  return { found, stopped };
}

async function scanInto(input, video, button, message, submit) {
  if (video.dataset.scanning === "1") { video.dataset.scanning = "0"; return false; }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    message.textContent = t("scan_no_camera");
    return false;
  }
  video.dataset.scanning = "1";
  button.textContent = t("scan_stop");
  message.textContent = t("scan_hold");
  const { found, stopped } = await scanStream(video, stream);
  button.textContent = t("scan_code");
  if (!found) message.textContent = stopped ? "" : t("scan_nothing");
  if (!found) return false;
  input.value = codeFromScan(found);
  message.textContent = t("scan_found", { code: input.value });
  submit.focus();
  return true;
}

/** Render the enrolment screen. */
export async function renderEnroll(main, app, revoked = false) {
  const code = h("input", { name: "code", autocomplete: "off", autocapitalize: "characters", inputmode: "text", required: true, class: "mono" });
  const name = h("input", { name: "device_name", value: "Meja depan", required: true });
  const video = h("video", { class: "scanner", id: "enroll-scanner", hidden: true, muted: true, playsinline: true });
  const message = h("p", { class: "message", role: "alert", id: "enroll-message" });
  const submit = h("button", { class: "btn primary big", type: "submit", id: "enroll-submit" }, t("enroll_button"));
  // Scanning needs a camera (and a secure context); the decoder is chosen when it starts.
  const scan = h("button", { class: "btn ghost", type: "button", id: "enroll-scan", onclick: () => scanInto(code, video, scan, message, submit) }, t("scan_code"));
  // The admin's QR opens /app/#enroll=<code>; a ?code= query works too.
  const fromHash = /enroll=([A-Za-z0-9-]+)/.exec(location.hash)?.[1];
  const fromQuery = new URLSearchParams(location.search).get("code");
  if (fromHash || fromQuery) code.value = fromHash || fromQuery;
  const form = h("form", { class: "card narrow", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    setError(form, "enroll-code", code.value.trim() ? "" : t("err_required"));
    if (!code.value.trim()) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const result = await api.enroll(code.value.trim().toUpperCase(), name.value.trim() || "Meja depan");
    button.disabled = false;
    if (result.status === 201 || (result.ok && result.data?.token)) {
      const d = result.data;
      await setMeta("device", { token: d.token, uid: d.device.uid, letter: d.device.letter, name: d.device.name, office: d.device.office });
      await setMeta("cursor", "");
      const offset = api.clockOffset(result);
      if (offset !== null) await setMeta("clock_offset_ms", offset);
      await app.afterEnroll();
      return;
    }
    if (result.network) { message.textContent = t("enroll_offline"); return; }
    const why = result.data?.error?.fields?.code || result.data?.error?.message || `HTTP ${result.status}`;
    setError(form, "enroll-code", t("enroll_failed", { why }));
  } },
  h("h1", {}, t("enroll_title")),
  revoked ? h("p", { class: "notice warn" }, t("enroll_revoked")) : null,
  h("p", {}, t("enroll_intro")),
  field("enroll-code", t("enroll_code"), code),
  field("enroll-name", t("device_name"), name),
  navigator.mediaDevices?.getUserMedia ? scan : null,
  video, message, submit);
  mount(main, form);
}
