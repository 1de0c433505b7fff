// Staff mode (PIN per staff member): the queue board, the SOP walk of a visit, the end-of-day
// reconciliation and the records needing attention.
import { all, get, getMeta, setMeta } from "../db.js";
import { field, h, mount, setError } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { outstanding, onSite } from "../derive.js";
import { maskNik, parseNik } from "../nik.js";
import { problems } from "../outbox.js";
import { checkPin } from "../pin.js";
import { hasSurvey, recordEvent, viewOf, visitById, visitsOfDay } from "../records.js";
import { actorName, stepDone, stepTitle, stepsFor, templateOf, walk } from "../sop.js";
import { refreshStatus, syncNow } from "../sync.js";
import { localDay, localTime } from "../util.js";

let tick = null;
addEventListener("hashchange", () => { clearInterval(tick); tick = null; });

/** Render the staff sign-in (choose a name, type the PIN; checked offline). */
export async function renderLogin(main, app) {
  const staff = (await app.entities("staff")).filter((s) => s.pin_hash && s.active !== false);
  if (!staff.length) { mount(main, h("section", { class: "card narrow" }, h("h1", {}, t("staff_login")), h("p", {}, t("no_staff")))); return; }
  const select = h("select", { name: "staff" }, staff.map((s) => h("option", { value: s.id }, `${s.name}${s.role_label ? ` — ${s.role_label}` : ""}`)));
  const pin = h("input", { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: 8, class: "mono pin" });
  const message = h("p", { class: "field-error", role: "alert", id: "pin-message" });
  const form = h("form", { class: "card narrow", id: "login-form", onsubmit: async (e) => {
    e.preventDefault();
    const lock = await getMeta("pin_lock", { failures: 0, until: 0 });
    if (lock.until > Date.now()) {
      message.textContent = t("pin_locked", { s: Math.ceil((lock.until - Date.now()) / 1000) });
      return;
    }
    const who = staff.find((s) => String(s.id) === select.value);
    const ok = who && await checkPin(pin.value, who.pin_hash);
    // Five wrong PINs in a row lock the staff mode for a minute (offline too).
    const failures = ok ? 0 : lock.failures + 1;
    await setMeta("pin_lock", { failures: failures >= 5 ? 0 : failures, until: failures >= 5 ? Date.now() + 60000 : 0 });
    if (ok) {
      app.staff = who; app.staffAt = Date.now();
      if (!location.hash.startsWith("#/visit") && !location.hash.startsWith("#/reconcile") && !location.hash.startsWith("#/problems")) app.go("#/staff");
      else app.render();
    } else {
      message.textContent = t("pin_wrong"); pin.value = ""; pin.focus();
    }
  } }, h("h1", {}, t("staff_login")), field("staff-select", t("choose_staff"), select), field("staff-pin", t("pin"), pin), message,
    h("button", { class: "btn primary big", type: "submit", id: "login-submit" }, t("login")));
  mount(main, form);
  pin.focus();
}

function stageLabel(stage) { return t(`stage_${stage}`); }

function staffHeader(app, title) {
  return h("div", { class: "staff-head" }, h("h1", {}, title),
    h("nav", { class: "row", "aria-label": t("mode_staff") },
      h("a", { class: "btn small ghost", href: "#/staff" }, t("board_title")),
      h("a", { class: "btn small ghost", href: "#/reconcile", id: "go-reconcile" }, t("reconcile")),
      h("span", { class: "who" }, app.staff?.name || ""),
      h("button", { class: "btn small ghost", type: "button", onclick: () => { app.staff = null; app.go("#/kiosk"); } }, t("logout"))));
}

/** Render the day's queue board. */
export async function renderBoard(main, app) {
  const tz = await app.timezone();
  const today = localDay(new Date(), tz);
  const earlier = (await all("visits")).map(viewOf).filter((v) => v.day !== today && onSite(v));
  const visits = [...earlier, ...await visitsOfDay(today)];
  const hosts = new Map((await app.entities("host")).map((x) => [String(x.id), x]));
  const services = new Map((await app.entities("service")).map((x) => [String(x.id), x]));
  const row = (v) => h("li", {}, h("a", { class: `visit-row stage-${v.stage}`, href: `#/visit/${v.id}`, dataset: { queue: v.queue_number || "" } },
    h("span", { class: "q" }, v.queue_number || "—"),
    h("span", { class: "n" }, v.name || ""),
    h("span", { class: "to" }, hosts.get(String(v.host_id))?.name || services.get(String(v.service_id))?.name || ""),
    h("span", { class: "t" }, localTime(v.registered_at, tz)),
    h("span", { class: "s" }, stageLabel(v.stage))));
  const here = visits.filter(onSite);
  const gone = visits.filter((v) => !onSite(v));
  mount(main, h("section", { class: "board" }, staffHeader(app, t("board_title")),
    visits.length ? null : h("p", { class: "empty" }, t("board_empty")),
    here.length ? [h("h2", {}, `${t("on_site")} (${here.length})`), h("ul", { class: "visits", id: "on-site" }, here.map(row))] : null,
    gone.length ? [h("h2", {}, `${t("done_today")} (${gone.length})`), h("ul", { class: "visits done", id: "done-today" }, gone.map(row))] : null));
}

function actionFor(step, visit, ctx) {
  const { app, office, host, act, walked } = ctx;
  const kind = step.kind;
  const b = (label, fn, cls = "btn big", id = null) => h("button", { class: cls, type: "button", onclick: fn, id }, label);
  if (kind === "verification") {
    const fields = ["id_number", "name", "phone", "institution", "address"];
    const boxes = h("div", { class: "choices wrap", id: "fix-fields" }, fields.map((f) => h("label", { class: "choice" }, h("input", { type: "checkbox", value: f }), h("span", {}, t(f)))));
    return h("div", { class: "action" },
      b(t("verify_ok"), () => act("verification", { ok: true }, step), "btn primary big", "act-verify-ok"),
      h("details", {}, h("summary", { class: "btn ghost big", id: "act-verify-bad-open" }, t("verify_bad")),
        h("p", {}, t("fields_to_fix")), boxes,
        b(t("verify_bad"), () => {
          const chosen = [...boxes.querySelectorAll("input:checked")].map((x) => x.value);
          act("verification", { ok: false, fields: chosen.length ? chosen : ["id_number"] }, step);
        }, "btn warn big", "act-verify-bad")));
  }
  if (kind === "correction") {
    const wanted = visit.fields_to_correct?.length ? visit.fields_to_correct : ["id_number"];
    const limits = { id_number: 32, name: 160, phone: 32, institution: 200, address: 1000 };
    const inputs = Object.fromEntries(wanted.map((f) => [f, h("input", { value: visit[f] || "", maxlength: limits[f] || 200, class: f === "id_number" ? "mono" : "" })]));
    return h("form", { class: "action", id: "correction-form", novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      if (inputs.id_number && visit.id_type === "ktp") {
        const parsed = parseNik(inputs.id_number.value);
        setError(e.target, "fix-id_number", parsed.ok ? "" : t(`err_nik_${parsed.errors[0]}`));
        if (!parsed.ok) return;
        inputs.id_number.value = parsed.nik;
      }
      if (inputs.name && !inputs.name.value.trim()) { setError(e.target, "fix-name", t("err_required")); return; }
      act("correction", { fields: Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()])) }, step);
    } }, h("h3", {}, t("correction_title")), Object.entries(inputs).map(([k, i]) => field(`fix-${k}`, t(k), i)),
    h("button", { class: "btn primary big", type: "submit", id: "act-correct" }, t("save_correction")));
  }
  if (kind === "host_notified" || kind === "host_received" || kind === "host_unavailable") {
    if (kind === "host_notified" && !stepDone(step, visit, walked) && visit.stage !== "host_notified") {
      return h("div", { class: "action row" }, ["phone", "aiphone", "app"].map((c) => b(t(`notify_${c}`), () => act("host_notified", { channel: c }, step), "btn big", `act-notify-${c}`)));
    }
    return hostReply(step, visit, ctx);
  }
  if (kind === "card_issued") {
    const card = h("input", { inputmode: "numeric", class: "mono", maxlength: 16 });
    const ktp = h("input", { type: "checkbox", id: "ktp-held", checked: visit.id_type === "ktp" });
    return h("form", { class: "action", onsubmit: (e) => { e.preventDefault(); if (card.value.trim()) act("card_issued", { card_number: card.value.trim(), ktp_held: ktp.checked }, step); } },
      field("card-number", t("card_number"), card), h("label", { class: "check", for: "ktp-held" }, ktp, h("span", {}, t("ktp_held"))),
      h("button", { class: "btn primary big", type: "submit", id: "act-card" }, t("save")));
  }
  if (kind === "locker") {
    const locker = h("input", { class: "mono", maxlength: 16 });
    return h("form", { class: "action", onsubmit: (e) => { e.preventDefault(); act("locker", { locker_number: locker.value.trim() }, step); } },
      field("locker-number", t("locker_number"), locker), h("button", { class: "btn primary big", type: "submit", id: "act-locker" }, t("save")));
  }
  if (kind === "screening") {
    return h("div", { class: "action row" }, b(t("screening_clear"), () => act("screening", { result: "clear" }, step), "btn primary big", "act-screen-clear"),
      b(t("screening_refused"), () => act("screening", { result: "refused" }, step), "btn warn big", "act-screen-refused"));
  }
  if (kind === "admitted") {
    const minutes = office?.visit_time_limit || 30;
    return h("div", { class: "action" }, h("p", { class: "notice" }, t("time_limit", { m: minutes })),
      b(t("admit"), () => act("admitted", { time_limit_minutes: minutes }, step), "btn primary big", "act-admit"));
  }
  if (kind === "service_feedback") {
    const need = h("input", { maxlength: 500 });
    return h("div", { class: "action" }, b(t("feedback_ok"), () => act("service_feedback", { sufficient: true }, step), "btn primary big", "act-feedback-ok"),
      field("feedback-need", t("feedback_need"), need),
      // The step is named either way: the template's branch on `sufficient` decides where the walk goes.
      b(t("feedback_more"), () => act("service_feedback", { sufficient: false, need: need.value.trim() }, step), "btn warn big", "act-feedback-more"));
  }
  if (kind === "finished") return h("div", { class: "action" }, b(t("finish"), () => act("finished", {}, step), "btn primary big", "act-finish"));
  if (kind === "checked_out") {
    const box = (id, label, on) => h("label", { class: "check", for: id }, h("input", { type: "checkbox", id, checked: on }), h("span", {}, label));
    const items = [visit.card_number ? box("ret-card", `${t("card_returned")} (${visit.card_number})`, true) : null,
      visit.ktp_held ? box("ret-ktp", t("ktp_returned"), true) : null,
      visit.locker_number ? box("ret-locker", `${t("locker_returned")} (${visit.locker_number})`, true) : null];
    const root = h("div", { class: "action" }, items, b(t("checkout"), () => act("checked_out", {
      card_returned: !!root.querySelector("#ret-card")?.checked, ktp_returned: !!root.querySelector("#ret-ktp")?.checked,
      locker_returned: !!root.querySelector("#ret-locker")?.checked }, step), "btn primary big", "act-checkout"));
    return root;
  }
  if (step.survey) {
    return h("div", { class: "action row" }, h("a", { class: "btn primary big", href: `#/survey/${visit.id}`, id: "act-survey" }, t("offer_survey")),
      b(t("step_done_btn"), () => act("step_done", {}, step), "btn big", "act-step-done"));
  }
  if (kind === "registration") return h("p", {}, "—");
  return h("div", { class: "action" }, b(t("step_done_btn"), () => act(kind === "waiting" ? "waiting" : "step_done", {}, step), "btn primary big", "act-step-done"));
}

function hostReply(step, visit, ctx, onlyUnavailable = false) {
  const { host, act } = ctx;
  const reason = h("textarea", { rows: 2, maxlength: 300 });
  reason.value = host?.unavailable_reason || t("default_reason");
  return h("div", { class: "action host-reply" },
    onlyUnavailable ? null : h("button", { class: "btn primary big", type: "button", id: "act-host-received", onclick: () => act("host_received", {}, step.kind === "host_received" ? step : null) }, t("host_received")),
    h("details", {}, h("summary", { class: "btn ghost big", id: "act-host-unavailable-open" }, t("host_unavailable")),
      field("unavailable-reason", t("reason"), reason),
      h("button", { class: "btn warn big", type: "button", id: "act-host-unavailable", onclick: () => act("host_unavailable", { reason: reason.value.trim() || t("default_reason") }, null) }, t("host_unavailable"))));
}

/** How long a finished step's latest round took against its standard minutes (no start, no badge). */
function tookBadge(walked, step) {
  const ended = walked.done[step.key];
  const started = walked.started[step.key];
  if (!ended || !started || !step.minutes || step.kind === "registration") return null;
  const took = Math.max(0, Math.round((Date.parse(ended) - Date.parse(started)) / 60000));
  return h("span", { class: `took ${took > step.minutes ? "late" : ""}` }, t("took", { m: took }));
}

/** Render one visit's SOP walk. */
export async function renderVisit(main, app, visitId) {
  const visit = await visitById(visitId);
  if (!visit) { app.go("#/staff"); return; }
  const office = await app.office();
  const tz = await app.timezone();
  const template = templateOf(office);
  const host = visit.host_id ? (await app.entities("host")).find((x) => String(x.id) === String(visit.host_id)) : null;
  const service = visit.service_id ? (await app.entities("service")).find((x) => String(x.id) === String(visit.service_id)) : null;
  const tier = visit.tier || host?.tier || "eselon_4_asn";
  const steps = stepsFor(template, tier);
  const lang = getLang();
  const walked = walk(steps, visit);
  const current = walked.current;
  const act = async (kind, payload, step) => {
    await recordEvent(visit.id, kind, payload, { step: step?.key || null, actor: `staff:${app.staff.id}` });
    await refreshStatus();
    syncNow();
    app.render();
  };
  const ctx = { app, office, host, act, walked };
  // Step times are on the server clock (device time minus the clock offset): so is "now" here.
  const offset = await getMeta("clock_offset_ms", 0);
  const minutes = (from) => (from ? Math.max(0, Math.floor((Date.now() - offset - Date.parse(from)) / 60000)) : 0);
  const list = h("ol", { class: "sop", id: "sop-steps" }, steps.filter((s) => !s.marker).map((s) => {
    const done = stepDone(s, visit, walked);
    const isCurrent = s === current && visit.stage !== "cancelled" && visit.stage !== "checked_out";
    const started = isCurrent ? walked.started[s.key] : null;
    const timer = isCurrent && s.minutes ? h("span", { class: "timer", dataset: { started: started || "", minutes: s.minutes } }) : null;
    return h("li", { class: `step ${done ? "done" : ""} ${isCurrent ? "current" : ""} ${s.optional ? "optional" : ""}`, dataset: { step: s.key, kind: s.kind } },
      h("div", { class: "step-head" },
        h("span", { class: "no" }, s.no),
        h("span", { class: "title" }, stepTitle(s, lang)),
        h("span", { class: "actor" }, `${t("actor")}: ${actorName(template, s.actor, lang)}`),
        s.minutes ? h("span", { class: "std" }, t("standard", { m: s.minutes })) : null,
        done ? h("span", { class: "when" }, `✓ ${localTime(walked.done[s.key] || visit.registered_at, tz)}`) : null,
        done ? tookBadge(walked, s) : null, timer),
      s.branches?.length && isCurrent ? h("p", { class: "branches" }, `${t("branches")}: ${s.branches.map((br) => (typeof br === "string" ? br : (br.title?.[lang] || br.title?.id || br.label?.[lang] || br.label?.id || br.when?.[lang] || br.when?.id || br.key || ""))).join(" · ")}`) : null,
      // The walk came back here after an insufficient feedback: what the guest still needs.
      isCurrent && visit.feedback?.sufficient === false && s.kind !== "service_feedback"
        ? h("p", { class: "notice warn", id: "service-again" }, t("service_again"), visit.feedback.need ? [h("br"), `${t("feedback_need")}: ${visit.feedback.need}`] : null) : null,
      isCurrent ? actionFor(s, visit, ctx) : null,
      // The template's "host not available" branch at this step, with its polite reason.
      isCurrent && visit.stage !== "host_notified" && visit.stage !== "host_unavailable" && !["host_notified", "host_received", "host_unavailable"].includes(s.kind) &&
        s.branches?.some((br) => br.on?.kind === "host_unavailable") ? hostReply(s, visit, ctx, true) : null);
  }));
  const updateTimers = () => {
    for (const el of list.querySelectorAll(".timer")) {
      const m = minutes(el.dataset.started);
      el.textContent = t("elapsed", { m });
      el.classList.toggle("late", m > Number(el.dataset.minutes));
      el.title = m > Number(el.dataset.minutes) ? t("late") : "";
    }
  };
  updateTimers();
  clearInterval(tick);
  tick = setInterval(updateTimers, 15000);
  const answered = await hasSurvey(visit.id);
  // The full number only while the desk checks it against the ID card; masked otherwise.
  const checking = current && ["verification", "correction"].includes(current.kind);
  const idShown = visit.id_number
    ? (visit.id_type === "ktp" && !checking ? maskNik(visit.id_number) : visit.id_number)
    : visit.id_number_masked || "";
  const photoBlob = visit.photo_sha ? await get("blobs", visit.photo_sha) : null;
  const photo = photoBlob ? h("img", { class: "guest-photo", src: URL.createObjectURL(photoBlob.data), alt: t("photo") }) : null;
  const extra = [];
  if (onSite(visit) && visit.stage === "host_notified" &&
      !(current && ["host_notified", "host_received", "host_unavailable"].includes(current.kind))) {
    extra.push(hostReply({ kind: "host_notified" }, visit, ctx));
  }
  if (visit.stage === "host_unavailable") extra.push(h("p", { class: "notice warn", id: "unavailable-note" }, `${t("stage_host_unavailable")}: ${visit.unavailable_reason}`));
  if (["checked_out", "finished"].includes(visit.stage) || !current) {
    extra.push(answered ? h("p", { class: "notice" }, t("survey_done")) : h("a", { class: "btn primary big", href: `#/survey/${visit.id}`, id: "offer-survey" }, t("offer_survey")));
  }
  const cancel = onSite(visit) ? h("details", { class: "cancel" }, h("summary", { class: "btn ghost small" }, t("cancel_visit")),
    h("button", { class: "btn warn", type: "button", id: "act-cancel", onclick: () => act("cancelled", { reason: visit.unavailable_reason || "dibatalkan" }, null) }, t("cancel_visit"))) : null;
  mount(main, h("section", { class: "visit" }, staffHeader(app, `${visit.queue_number || ""} · ${visit.name || ""}`),
    h("div", { class: "visit-top" }, photo, h("dl", { class: "facts" },
      h("dt", {}, t("id_number")), h("dd", { class: "mono", id: "visit-id-number" }, idShown),
      h("dt", {}, t("meet")), h("dd", {}, host ? `${host.name} — ${host.position || ""}` : service?.name || ""),
      h("dt", {}, t("purpose")), h("dd", {}, visit.purpose || ""),
      h("dt", {}, "Status"), h("dd", { id: "visit-stage", dataset: { stage: visit.stage } }, stageLabel(visit.stage)),
      visit.admitted_at && visit.time_limit_minutes && onSite(visit) ? [h("dt", {}, t("time_limit_until")),
        h("dd", { class: Date.now() - offset > Date.parse(visit.admitted_at) + visit.time_limit_minutes * 60000 ? "late-text" : "" },
          localTime(Date.parse(visit.admitted_at) + visit.time_limit_minutes * 60000, tz))] : null)),
    template ? (current || visit.stage === "checked_out" ? null : h("p", { class: "notice" }, t("all_done"))) : h("p", { class: "notice warn" }, t("sop_unknown")),
    extra, list, cancel));
}

/** Render the end-of-day reconciliation: cards, KTPs and locker items not yet returned. */
export async function renderReconcile(main, app) {
  const tz = await app.timezone();
  const visits = (await all("visits")).map(viewOf);
  const rows = visits.map((v) => ({ v, left: outstanding(v) })).filter((x) => x.left.length && x.v.stage !== "cancelled");
  mount(main, h("section", { class: "reconcile" }, staffHeader(app, t("reconcile")),
    h("h2", {}, t("reconcile_title")),
    rows.length ? h("table", { class: "table", id: "reconcile-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "No."), h("th", { scope: "col" }, t("name")), h("th", { scope: "col" }, t("card")), h("th", { scope: "col" }, t("ktp")), h("th", { scope: "col" }, t("locker")), h("th", { scope: "col" }, t("visit_time")))),
      h("tbody", {}, rows.map(({ v, left }) => h("tr", {},
        h("td", {}, h("a", { href: `#/visit/${v.id}` }, v.queue_number)), h("td", {}, v.name),
        h("td", {}, left.includes("card") ? v.card_number : "—"), h("td", {}, left.includes("ktp") ? t("still_held") : "—"),
        h("td", {}, left.includes("locker") ? v.locker_number : "—"), h("td", {}, `${v.day} ${localTime(v.registered_at, tz)}`)))))
      : h("p", { class: "notice", id: "reconcile-none" }, t("reconcile_none"))));
}

/** Render the records the server refused or the tablet set aside. */
export async function renderProblems(main, app) {
  const list = await problems();
  mount(main, h("section", {}, staffHeader(app, t("problems")),
    list.length ? h("ul", { class: "problems" }, list.map((p) => h("li", {}, `${new Date(p.at).toLocaleString(getLang() === "id" ? "id-ID" : "en-GB")} — ${p.kind} ${p.rid.slice(0, 8)}: ${p.type}${p.reason ? ` (${p.reason})` : ""}${p.fields ? ` ${Object.keys(p.fields).join(", ")}` : ""}${p.message ? ` ${p.message}` : ""}`)))
      : h("p", {}, t("problems_none"))));
}
