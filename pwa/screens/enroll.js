// Enrolment: type or scan the one-time code; the tablet keeps its token.
import * as api from "../api.js";
import { setMeta } from "../db.js";
import { field, h, mount, setError } from "../dom.js";
import { t } from "../i18n.js";

async function scanInto(input, video) {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  for (let i = 0; i < 300; i += 1) {
    const codes = await detector.detect(video).catch(() => []);
    if (codes.length) {
      const raw = codes[0].rawValue;
      input.value = /enroll=([A-Za-z0-9-]+)/.exec(raw)?.[1] || (raw.includes("code=") ? new URL(raw, location.href).searchParams.get("code") : raw);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stream.getTracks().forEach((tr) => tr.stop());
  video.hidden = true;
  return true;
}

/** Render the enrolment screen. */
export async function renderEnroll(main, app, revoked = false) {
  const code = h("input", { name: "code", autocomplete: "off", autocapitalize: "characters", inputmode: "text", required: true, class: "mono" });
  const name = h("input", { name: "device_name", value: "Meja depan", required: true });
  const video = h("video", { class: "scanner", hidden: true, muted: true, playsinline: true });
  const message = h("p", { class: "message", role: "alert" });
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
  ("BarcodeDetector" in window) ? h("button", { class: "btn ghost", type: "button", onclick: () => scanInto(code, video) }, t("scan_code")) : null,
  video, message,
  h("button", { class: "btn primary big", type: "submit", id: "enroll-submit" }, t("enroll_button")));
  mount(main, form);
}
