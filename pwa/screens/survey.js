// The SKM survey at the kiosk: nine elements one per screen, the profile, saran, and a
// one-time QR link (minted by the tablet, offline too) to answer on the guest's own phone.
import { get, getMeta } from "../db.js";
import { charCounter, h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { hasSurvey, recordEvent, saveSurvey, visitById } from "../records.js";
import { stepsFor, templateOf } from "../sop.js";
import { refreshStatus, syncNow } from "../sync.js";
import { mintSurveyLink } from "../surveylink.js";
import { renderSVG } from "../vendor/uqr.js";

export const ELEMENTS = ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana"];
const AGE_BANDS = ["<20", "20-29", "30-39", "40-49", "50-59", "60+"];
const SARAN_MAX = 1000; // shown as a count under the box; longer is refused, never cut

async function phoneQr(visitId) {
  const box = h("div", { class: "qr", id: "survey-qr" });
  const device = await getMeta("device", null);
  if (!visitId || !device?.token || !device?.uid) return box;
  // Minted here, so it works offline; the server accepts it once it learns of the visit and
  // keeps an answer given before that (sync/PROTOCOL.md, "Survey links").
  const office = (await get("pulled", "office:current"))?.data;
  const offset = await getMeta("clock_offset_ms", 0);
  let url;
  try {
    url = await mintSurveyLink({ base: office?.public_url || location.origin, token: device.token, uid: device.uid, visitId, now: Date.now() - offset });
  } catch {
    return box; // no WebCrypto: the kiosk survey still works
  }
  const img = h("img", { alt: t("phone_survey"), width: 220, height: 220, id: "survey-qr-img", src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(url, { border: 2 }))}` });
  box.append(h("p", {}, t("phone_survey")), img);
  return box;
}

/** Render the survey for a visit (or an anonymous one when visitId is empty). */
export async function renderSurvey(main, app, visitId = "") {
  const visit = visitId ? await visitById(visitId) : null;
  if (visit && await hasSurvey(visit.id)) {
    mount(main, h("section", { class: "card narrow" }, h("h1", {}, t("survey_title")), h("p", {}, t("survey_done")), h("a", { class: "btn primary big", href: "#/kiosk" }, t("done"))));
    return;
  }
  const answers = Object.fromEntries(ELEMENTS.map((e) => [e, null]));
  const profile = { gender: "", age_band: "", education: "", occupation: "" };
  let index = -1;
  const qr = await phoneQr(visit?.id);
  const screen = h("section", { class: "survey", id: "survey" });
  const draw = () => {
    if (index < 0) {
      mount(screen, h("h1", {}, t("survey_title")), h("p", { class: "lead" }, t("survey_intro")),
        h("button", { class: "btn primary huge", type: "button", id: "survey-start", onclick: () => { index = 0; draw(); } }, t("survey_start")), qr);
      return;
    }
    if (index < ELEMENTS.length) {
      const key = ELEMENTS[index];
      const labels = t(`a_${key}`);
      mount(screen,
        h("p", { class: "progress" }, t("question_of", { i: index + 1, n: ELEMENTS.length })),
        h("h1", { id: "question", dataset: { element: key } }, t(`q_${key}`)),
        h("div", { class: "answers", role: "group", "aria-labelledby": "question" }, labels.map((label, i) => h("button", {
          class: `btn answer a${i + 1} ${answers[key] === i + 1 ? "chosen" : ""}`, type: "button", dataset: { score: i + 1 },
          onclick: () => { answers[key] = i + 1; index += 1; draw(); },
        }, h("span", { class: "score" }, String(i + 1)), h("span", {}, label)))),
        h("div", { class: "row" },
          h("button", { class: "btn ghost big", type: "button", onclick: () => { index -= 1; draw(); } }, t("back")),
          h("button", { class: "btn ghost big", type: "button", onclick: () => { index += 1; draw(); } }, t("skip"))));
      return;
    }
    const group = (name, options) => h("fieldset", {}, h("legend", {}, t(name)), h("div", { class: "choices wrap" }, options.map(([value, label]) =>
      h("label", { class: "choice", for: `${name}-${value}` }, h("input", { type: "radio", name, value, id: `${name}-${value}`, checked: profile[name] === value,
        onchange: () => { profile[name] = value; } }), h("span", {}, label)))));
    const saran = h("textarea", { id: "saran", rows: 3 });
    const saranCount = charCounter(saran, SARAN_MAX, (n, max) => t("char_count", { n, max }));
    const submit = h("button", { class: "btn primary huge", type: "submit", id: "survey-submit" }, t("submit_survey"));
    const message = h("p", { class: "form-message", role: "alert", id: "survey-message" });
    saran.addEventListener("input", () => {
      if (saran.value.length > SARAN_MAX) return;
      saran.setAttribute("aria-invalid", "false");
      message.textContent = "";
    });
    mount(screen, h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (ELEMENTS.every((k) => answers[k] === null)) { message.textContent = t("survey_empty"); return; }
      if (saran.value.length > SARAN_MAX) {
        message.textContent = t("err_too_long", { max: SARAN_MAX, n: saran.value.length });
        saran.setAttribute("aria-invalid", "true");
        saran.focus();
        return;
      }
      submit.disabled = true;
      await saveSurvey({ visit_id: visit?.id || null, answers, profile, saran: saran.value.trim(),
        service_id: visit?.service_id ? Number(visit.service_id) : null, host_id: visit?.host_id ? Number(visit.host_id) : null });
      const office = await app.office();
      const template = templateOf(office);
      if (visit && template) {
        const host = (await app.entities("host")).find((x) => String(x.id) === String(visit.host_id));
        const step = stepsFor(template, host?.tier).find((s) => s.survey);
        if (step && !visit.steps?.[step.key]) await recordEvent(visit.id, "step_done", {}, { step: step.key, actor: "guest" });
      }
      await refreshStatus();
      syncNow();
      mount(screen, h("h1", { id: "survey-thanks" }, t("survey_thanks")), h("a", { class: "btn primary huge", href: "#/kiosk" }, t("done")));
    } }, h("h1", {}, t("profile_title")),
    group("gender", [["L", t("sex_l")], ["P", t("sex_p")]]),
    group("age_band", AGE_BANDS.map((a) => [a, a])),
    group("education", Object.entries(t("edu"))),
    group("occupation", Object.entries(t("occ"))),
    h("div", { class: "field" }, h("label", { for: "saran" }, t("saran")), saran, saranCount), message,
    h("div", { class: "row" }, h("button", { class: "btn ghost big", type: "button", onclick: () => { index -= 1; draw(); } }, t("back")), submit)));
  };
  draw();
  mount(main, screen);
}
