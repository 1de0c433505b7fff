// Staff mode (PIN per staff member): the queue board, the SOP walk of a visit, the end-of-day
// reconciliation and the records needing attention.
import { all, get, getMeta, setMeta } from "../db.js";
import { field, h, mount, setError } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { outstanding, onSite, statusOf } from "../derive.js";
import { maskNik, parseNik } from "../nik.js";
import { problems } from "../outbox.js";
import { checkPin } from "../pin.js";
import { hasSurvey, recordArrival, recordEvent, recordEvents, viewOf, visitById, visitsOfDay } from "../records.js";
import { actorName, stepDone, stepTitle, stepsFor, templateOf, walk } from "../sop.js";
import { checkinsOf, scheduledSection } from "./checkin.js";
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

/** The one word every screen shows for a visit: its outcome, or where the guest is. */
function statusLabel(visit) { return t(`status_${statusOf(visit)}`); }

/** The tier's steps before the guest book (Kaltim: the satpam receives the guest at the lobby). */
function lobbySteps(steps) {
  const registration = steps.findIndex((s) => s.kind === "registration");
  return registration > 0 ? steps.slice(0, registration).filter((s) => !s.marker) : [];
}

function staffHeader(app, title) {
  return h("div", { class: "staff-head" }, h("h1", {}, title),
    h("nav", { class: "row", "aria-label": t("mode_staff") },
      h("a", { class: "btn small ghost", href: "#/staff" }, t("board_title")),
      h("a", { class: "btn small ghost", href: "#/reconcile", id: "go-reconcile" }, t("reconcile")),
      h("span", { class: "who" }, app.staff?.name || ""),
      h("button", { class: "btn small ghost", type: "button", onclick: () => { app.staff = null; app.go("#/kiosk"); } }, t("logout"))));
}

/** "Janji temu" on a visit by appointment; "duplikat" on a second check-in of one ticket. */
function appointmentBadge(duplicate) {
  return h("span", { class: `appt-badge${duplicate ? " dup" : ""}`, dataset: { duplicate: duplicate ? "1" : "0" } },
    duplicate ? t("appointment_duplicate") : t("by_appointment"));
}

/** Render the day's queue board. */
export async function renderBoard(main, app) {
  const tz = await app.timezone();
  const today = localDay(new Date(), tz);
  const earlier = (await all("visits")).map(viewOf).filter((v) => v.day !== today && onSite(v));
  const visits = [...earlier, ...await visitsOfDay(today)];
  const hosts = new Map((await app.entities("host")).map((x) => [String(x.id), x]));
  const services = new Map((await app.entities("service")).map((x) => [String(x.id), x]));
  const { duplicates } = await checkinsOf();
  const row = (v) => h("li", {}, h("a", { class: `visit-row stage-${v.stage}`, href: `#/visit/${v.id}`, dataset: { queue: v.queue_number || "" } },
    h("span", { class: "q" }, v.queue_number || "—"),
    h("span", { class: "n" }, v.name || "",
      // Came by appointment; a second check-in of one ticket (two tablets offline) is flagged.
      v.by_appointment ? appointmentBadge(duplicates.has(v.id) || v.appointment_duplicate === true) : null),
    h("span", { class: "to" }, hosts.get(String(v.host_id))?.name || services.get(String(v.service_id))?.name || ""),
    h("span", { class: "t" }, localTime(v.arrived_at || v.registered_at, tz)),
    h("span", { class: "s", dataset: { status: statusOf(v) } }, v.has_registration === false ? t("arrived_waiting") : statusLabel(v),
      // Something still held for a guest whose visit ended: it is in the reconciliation too.
      outstanding(v).length && !onSite(v) ? h("span", { class: "held-badge", title: t("custody_title") }, ` · ${t("custody_title")}`) : null)));
  const here = visits.filter(onSite);
  const gone = visits.filter((v) => !onSite(v));
  const lobby = lobbySteps(stepsFor(templateOf(await app.office()), null));
  const arrive = lobby.length ? h("button", { class: "btn big", type: "button", id: "act-arrived", onclick: async () => {
    await recordArrival(lobby[0].key, `staff:${app.staff.id}`);
    syncNow();
    app.render();
  } }, t("arrived_btn")) : null;
  mount(main, h("section", { class: "board" }, staffHeader(app, t("board_title")), arrive,
    await scheduledSection(app),
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
    // An error clears as soon as its field is edited.
    const inputs = Object.fromEntries(wanted.map((f) => [f, h("input", { value: visit[f] || "", maxlength: limits[f] || 200, class: f === "id_number" ? "mono" : "",
      oninput: (e) => setError(e.target.form, `fix-${f}`, "") })]));
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
    const card = h("input", { inputmode: "numeric", class: "mono", maxlength: 16, required: true,
      oninput: () => setError(card.form, "card-number", "") });
    // The identity document the desk keeps in exchange (KTP, SIM or another card), or none.
    const held = h("select", { name: "id_held" }, [["ktp", t("id_ktp")], ["sim", t("id_sim")], ["passport", t("id_passport")],
      ["other", t("id_other")], ["", t("id_none")]].map(([value, label]) => h("option", { value, selected: value === (visit.id_type || "ktp") }, label)));
    const contact = notifyButtons(step, visit, ctx);
    return h("div", { class: "action" }, contact,
      h("form", { class: "action", novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        if (!card.value.trim()) { setError(e.target, "card-number", t("err_card_required")); card.focus(); return; }
        act("card_issued", { card_number: card.value.trim(), id_held: held.value }, step);
      } }, field("card-number", `${t("card_number")} *`, card), field("id-held", t("id_held_label"), held),
      h("button", { class: "btn primary big", type: "submit", id: "act-card" }, t("save"))));
  }
  if (kind === "locker") {
    const locker = h("input", { class: "mono", maxlength: 16, required: true, oninput: () => setError(locker.form, "locker-number", "") });
    const items = h("input", { maxlength: 200, placeholder: t("locker_items_hint") });
    return h("div", { class: "action" },
      h("form", { class: "action", novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        if (!locker.value.trim()) { setError(e.target, "locker-number", t("err_required")); locker.focus(); return; }
        act("locker", { locker_number: locker.value.trim(), items: items.value.trim() }, step);
      } }, field("locker-number", `${t("locker_number")} *`, locker), field("locker-items", t("locker_items"), items),
      h("button", { class: "btn primary big", type: "submit", id: "act-locker" }, t("save"))),
      b(t("skip_no_bags"), () => act("step_skipped", { reason: t("skip_no_bags") }, step), "btn big", "act-skip"));
  }
  if (kind === "screening") {
    return h("div", { class: "action row" }, b(t("screening_clear"), () => act("screening", { result: "clear" }, step), "btn primary big", "act-screen-clear"),
      b(t("screening_refused"), () => act("screening", { result: "refused" }, step), "btn warn big", "act-screen-refused"));
  }
  if (kind === "admitted") return admitAction(step, visit, ctx);
  if (kind === "service_feedback") {
    const need = h("input", { maxlength: 500 });
    return h("div", { class: "action" }, b(t("feedback_ok"), () => act("service_feedback", { sufficient: true }, step), "btn primary big", "act-feedback-ok"),
      field("feedback-need", t("feedback_need"), need),
      // The step is named either way: the template's branch on `sufficient` decides where the walk goes.
      b(t("feedback_more"), () => act("service_feedback", { sufficient: false, need: need.value.trim() }, step), "btn warn big", "act-feedback-more"));
  }
  if (kind === "finished") {
    // Perbup 75/2017 step 5: the ADC shows the guest in, reminding them of the time limit, then the meeting ends.
    if (!visit.admitted_at) return admitAction(null, visit, ctx);
    return h("div", { class: "action" }, b(t("finish"), () => act("finished", {}, step), "btn primary big", "act-finish"));
  }
  if (kind === "checked_out") return checkoutAction(step, visit, ctx);
  if (step.survey) {
    return h("div", { class: "action row" }, h("a", { class: "btn primary big", href: `#/survey/${visit.id}`, id: "act-survey" }, t("offer_survey")),
      b(t("step_done_btn"), () => act("step_done", {}, step), "btn big", "act-step-done"));
  }
  if (kind === "registration") {
    // An arrival recorded at the lobby: the guest fills in the guest book at the kiosk.
    return visit.has_registration === false
      ? h("div", { class: "action" }, h("p", { class: "notice" }, t("arrived_waiting")),
        h("a", { class: "btn primary big", href: `#/register/${visit.id}`, id: "act-open-kiosk" }, t("open_guest_book")))
      : h("p", {}, "—");
  }
  return h("div", { class: "action" }, b(t("step_done_btn"), () => act(kind === "waiting" ? "waiting" : "step_done", {}, step), "btn primary big", "act-step-done"),
    step.optional ? b(t("skip_step"), () => act("step_skipped", {}, step), "btn big", "act-skip") : null);
}

/** Buttons to record contacting the host's ADC/agendaris (phone, Aiphone, app), offered until done. */
function notifyButtons(step, visit, ctx) {
  if (visit.host_notified_at) return h("p", { class: "muted", id: "notified-note" }, t("contacted", { c: t(`notify_${visit.notify_channel || "phone"}`) }));
  return h("div", { class: "row notify" }, h("span", {}, t("contact_host")),
    ["phone", "aiphone", "app"].map((c) => h("button", { class: "btn", type: "button", id: `act-notify-${c}`,
      onclick: () => ctx.act("host_notified", { channel: c }, null) }, t(`notify_${c}`))));
}

/** Show the guest in with the time limit, recording that it was said (the ADC's reminder). */
function admitAction(step, visit, ctx) {
  const minutes = ctx.office?.visit_time_limit || 30;
  const said = h("input", { type: "checkbox", id: "reminded", checked: true });
  return h("div", { class: "action" }, h("p", { class: "notice", id: "time-limit-reminder" }, t("time_limit", { m: minutes })),
    h("label", { class: "check", for: "reminded" }, said, h("span", {}, t("reminded_check"))),
    h("button", { class: "btn primary big", type: "button", id: "act-admit",
      onclick: () => ctx.act("admitted", { time_limit_minutes: minutes, reminded: said.checked }, step) }, t("admit")));
}

/** Checkboxes for the items the desk still holds, all ticked: what goes back with this action. */
function returnBoxes(visit, prefix = "ret") {
  const held = outstanding(visit);
  const custody = visit.custody || {};
  const label = (item) => ({
    card: `${t("card_returned")} (${custody.card?.number || visit.card_number})`,
    id_document: t("id_returned", { id: t(`id_${custody.id_document?.type || "ktp"}`) }),
    locker: `${t("locker_returned")} (${custody.locker?.number || visit.locker_number})`,
  })[item];
  const boxes = held.map((item) => h("label", { class: "check", for: `${prefix}-${item}` },
    h("input", { type: "checkbox", id: `${prefix}-${item}`, value: item, checked: true }), h("span", {}, label(item))));
  return { boxes, chosen: (root) => held.filter((item) => root.querySelector(`#${prefix}-${item}`)?.checked) };
}

function checkoutAction(step, visit, ctx) {
  const { boxes, chosen } = returnBoxes(visit);
  const root = h("div", { class: "action" }, boxes, h("button", { class: "btn primary big", type: "button", id: "act-checkout", onclick: () => {
    const back = new Set(chosen(root));
    const held = new Set(outstanding(visit));
    const flag = (item) => (held.has(item) ? back.has(item) : true);
    ctx.act("checked_out", { card_returned: flag("card"), ktp_returned: flag("id_document"), locker_returned: flag("locker") }, step);
  } }, t("checkout")));
  return root;
}

/**
 * End the visit early (the host cannot receive, or a cancellation), giving back what the desk
 * holds first: the return and the ending are recorded together, the reason with the step.
 */
function endVisit(kind, visit, ctx, current) {
  const { host } = ctx;
  const reason = h("textarea", { rows: 2, maxlength: 300 });
  reason.value = kind === "host_unavailable" ? host?.unavailable_reason || t("default_reason") : "";
  const { boxes, chosen } = returnBoxes(visit, `${kind}-ret`);
  const id = kind === "host_unavailable" ? "act-host-unavailable" : "act-cancel";
  const root = h("details", { class: kind === "host_unavailable" ? "host-reply" : "cancel", id: `${id}-box` },
    h("summary", { class: kind === "host_unavailable" ? "btn ghost big" : "btn ghost small", id: `${id}-open` },
      t(kind === "host_unavailable" ? "host_unavailable" : "cancel_visit")),
    field(kind === "host_unavailable" ? "unavailable-reason" : "cancel-reason", t(kind === "host_unavailable" ? "reason" : "cancel_reason"), reason),
    boxes.length ? [h("p", { class: "notice warn" }, t("return_first")), boxes] : null,
    h("button", { class: "btn warn big", type: "button", id, onclick: async () => {
      const text = reason.value.trim() || (kind === "host_unavailable" ? t("default_reason") : t("cancel_default"));
      const items = chosen(root);
      const events = [];
      if (items.length) events.push(["returned", { items }, null]);
      events.push([kind, { reason: text }, kind === "host_unavailable" ? current : null]);
      await ctx.record(events);
    } }, t(kind === "host_unavailable" ? "host_unavailable" : "cancel_visit")));
  return root;
}

/** The custody ledger: what the desk holds for the guest, each item returnable with one tap. */
function custodyPanel(visit, tz, ctx) {
  const custody = visit.custody || {};
  const items = Object.keys(custody);
  if (!items.length) return null;
  const left = new Set(outstanding(visit));
  const what = (item) => {
    const held = custody[item] || {};
    if (item === "card") return `${t("card")} ${held.number || ""}`;
    if (item === "id_document") return t(`id_${held.type || "ktp"}`);
    return `${t("locker")} ${held.number || ""}${held.items ? ` (${held.items})` : ""}`;
  };
  return h("section", { class: "custody", id: "custody" }, h("h2", {}, t("custody_title")),
    h("ul", { class: "custody-list" }, items.map((item) => h("li", { dataset: { item, held: left.has(item) ? "1" : "0" } },
      h("span", { class: "what" }, what(item)),
      left.has(item)
        ? h("button", { class: "btn small", type: "button", id: `return-${item}`, onclick: () => ctx.record([["returned", { items: [item] }, null]]) }, t("mark_returned"))
        : h("span", { class: "muted" }, `✓ ${t("returned_at", { time: localTime(custody[item].returned_at, tz) })}`)))));
}

function hostReply(step, visit, ctx) {
  return h("div", { class: "action host-reply" },
    h("button", { class: "btn primary big", type: "button", id: "act-host-received", onclick: () => ctx.act("host_received", {}, step.kind === "host_received" ? step : null) }, t("host_received")));
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
  const actor = `staff:${app.staff.id}`;
  const record = async (events) => {
    await recordEvents(visit.id, events.map(([kind, payload, step]) => ({ kind, payload, step: step?.key || null, actor })));
    await refreshStatus();
    syncNow();
    await app.render();
    window.scrollTo(0, 0); // the next step to do is at the top
  };
  const act = (kind, payload, step) => record([[kind, payload, step]]);
  const ctx = { app, office, host, act, record, walked };
  // Step times are on the server clock (device time minus the clock offset): so is "now" here.
  const offset = await getMeta("clock_offset_ms", 0);
  const minutes = (from) => (from ? Math.max(0, Math.floor((Date.now() - offset - Date.parse(from)) / 60000)) : 0);
  const here = onSite(visit);
  // A step where the visit ended (the polite refusal, a cancel) is marked as such, not ticked.
  const ended = (s) => ["host_unavailable", "cancelled"].includes(visit.step_last?.[s.key]?.kind);
  const doneMark = (s) => {
    if ((visit.skipped || []).includes(s.key)) return `↷ ${t("skipped")}`;
    if (ended(s)) return `✗ ${statusLabel(visit)} ${localTime(walked.done[s.key], tz)}`;
    return `✓ ${localTime(walked.done[s.key] || visit.registered_at, tz)}`;
  };
  const stepHead = (s, done, isCurrent) => h("div", { class: "step-head" },
    h("span", { class: "no" }, s.no),
    h("span", { class: "title" }, stepTitle(s, lang)),
    h("span", { class: "actor" }, `${t("actor")}: ${actorName(template, s.actor, lang)}`),
    s.minutes ? h("span", { class: "std" }, t("standard", { m: s.minutes })) : null,
    done ? h("span", { class: "when" }, doneMark(s)) : null,
    done && !ended(s) ? tookBadge(walked, s) : null,
    isCurrent && s.minutes ? h("span", { class: "timer", dataset: { started: walked.started[s.key] || "", minutes: s.minutes } }) : null);
  const list = h("ol", { class: "sop", id: "sop-steps" }, steps.filter((s) => !s.marker).map((s) => {
    const done = stepDone(s, visit, walked);
    const isCurrent = s === current;
    return h("li", { class: `step ${done ? "done" : ""} ${isCurrent ? "current" : ""} ${s.optional ? "optional" : ""}`, dataset: { step: s.key, kind: s.kind } },
      stepHead(s, done, false),
      s.branches?.length && isCurrent ? h("p", { class: "branches" }, `${t("branches")}: ${s.branches.map((br) => (typeof br === "string" ? br : (br.title?.[lang] || br.title?.id || br.label?.[lang] || br.label?.id || br.when?.[lang] || br.when?.id || br.key || ""))).join(" · ")}`) : null,
      isCurrent ? h("p", { class: "muted" }, t("current_above")) : null);
  }));
  const updateTimers = () => {
    for (const el of main.querySelectorAll(".timer")) {
      const m = minutes(el.dataset.started);
      el.textContent = t("elapsed", { m });
      el.classList.toggle("late", m > Number(el.dataset.minutes));
      el.title = m > Number(el.dataset.minutes) ? t("late") : "";
    }
  };
  clearInterval(tick);
  tick = setInterval(updateTimers, 15000);
  const answered = await hasSurvey(visit.id);
  // The full number only while the desk checks it against the ID card; masked otherwise.
  const checking = current && ["verification", "correction"].includes(current.kind);
  const idShown = visit.id_number
    ? (!checking ? maskNik(visit.id_number) : visit.id_number) // one mask for every identity document
    : visit.id_number_masked || "";
  const photoBlob = visit.photo_sha ? await get("blobs", visit.photo_sha) : null;
  const photo = photoBlob ? h("img", { class: "guest-photo", src: URL.createObjectURL(photoBlob.data), alt: t("photo") }) : null;
  const extra = [];
  const reply = here && visit.stage === "host_notified" && !visit.host_received_at &&
      !(current && ["host_notified", "host_received", "host_unavailable"].includes(current.kind))
    ? hostReply({ kind: "host_notified" }, visit, ctx) : null;
  if (visit.outcome) {
    extra.push(h("p", { class: `notice ${visit.outcome === "checked_out" ? "" : "warn"}`, id: visit.outcome === "turned_away" ? "unavailable-note" : "outcome-note" },
      statusLabel(visit), visit.outcome_reason ? `: ${visit.outcome_reason}` : ""));
  }
  // Before the meeting, the host may turn out to be unavailable at any step: the polite refusal.
  const beforeMeeting = here && !visit.admitted_at && !["with_host", "finished"].includes(visit.location);
  const turnAway = beforeMeeting && visit.has_registration !== false ? endVisit("host_unavailable", visit, ctx, current) : null;
  // Kaltim's SOP ends with the survey, not a check-out: the desk records when the guest leaves.
  const hasCheckoutStep = steps.some((s) => s.kind === "checked_out");
  const leave = here && !hasCheckoutStep && !current && visit.has_registration !== false
    ? checkoutAction(null, visit, ctx) : null;
  if (!here || !current || (current.survey && !answered)) {
    if (visit.has_registration !== false) {
      extra.push(answered ? h("p", { class: "notice" }, t("survey_done")) : h("a", { class: "btn primary big", href: `#/survey/${visit.id}`, id: "offer-survey" }, t("offer_survey")));
    }
  }
  const cancel = here ? endVisit("cancelled", visit, ctx, current) : null;
  // The step to do now first, with its buttons: visible without scrolling on a 1280x800 tablet.
  const now = current ? h("section", { class: "step current now", id: "current-step", dataset: { step: current.key, kind: current.kind } },
    h("h2", {}, t("now_step", { no: current.no })), stepHead(current, false, true),
    // The walk came back here after an insufficient feedback: what the guest still needs.
    visit.feedback?.sufficient === false && current.kind !== "service_feedback"
      ? h("p", { class: "notice warn", id: "service-again" }, t("service_again"), visit.feedback.need ? [h("br"), `${t("feedback_need")}: ${visit.feedback.need}`] : null) : null,
    actionFor(current, visit, ctx)) : null;
  mount(main, h("section", { class: "visit" }, staffHeader(app, `${visit.queue_number || ""} · ${visit.name || ""}`),
    h("div", { class: "visit-top" }, photo, h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", { id: "visit-stage", class: "status", dataset: { stage: visit.stage, status: statusOf(visit) } },
        visit.has_registration === false ? t("arrived_waiting") : statusLabel(visit)),
      h("dt", {}, t("id_number")), h("dd", { class: "mono", id: "visit-id-number" }, idShown),
      h("dt", {}, t("meet")), h("dd", {}, host ? `${host.name} — ${host.position || ""}` : service?.name || ""),
      h("dt", {}, t("purpose")), h("dd", {}, visit.purpose || ""),
      visit.admitted_at && visit.time_limit_minutes && here ? [h("dt", {}, t("time_limit_until")),
        h("dd", { class: Date.now() - offset > Date.parse(visit.admitted_at) + visit.time_limit_minutes * 60000 ? "late-text" : "", id: "time-limit-until" },
          localTime(Date.parse(visit.admitted_at) + visit.time_limit_minutes * 60000, tz),
          visit.time_limit_reminded ? ` · ${t("reminded_done")}` : "")] : null)),
    template ? (current || !here ? null : h("p", { class: "notice" }, t("all_done"))) : h("p", { class: "notice warn" }, t("sop_unknown")),
    extra, now, reply, leave, custodyPanel(visit, tz, ctx), turnAway,
    h("details", { class: "sop-all", open: !current }, h("summary", {}, t("full_sop")), list), cancel));
  updateTimers();
}

/** Render the end-of-day reconciliation: every card, identity document and locker key not yet
 * given back, whatever became of the visit, oldest first; each can be marked returned here. */
export async function renderReconcile(main, app) {
  const tz = await app.timezone();
  const visits = (await all("visits")).map(viewOf);
  const rows = visits.map((v) => ({ v, left: outstanding(v) })).filter((x) => x.left.length)
    .sort((a, b) => String(a.v.arrived_at || a.v.registered_at || "").localeCompare(String(b.v.arrived_at || b.v.registered_at || "")));
  const actor = `staff:${app.staff.id}`;
  const giveBack = async (v, items) => {
    await recordEvents(v.id, [{ kind: "returned", payload: { items }, step: null, actor }]);
    await refreshStatus();
    syncNow();
    app.render();
  };
  const cell = (v, left, item, text) => h("td", {}, left.includes(item)
    ? h("button", { class: "btn small", type: "button", dataset: { item }, title: t("mark_returned"), onclick: () => giveBack(v, [item]) }, text, " ↩")
    : "—");
  mount(main, h("section", { class: "reconcile" }, staffHeader(app, t("reconcile")),
    h("h2", {}, t("reconcile_title")),
    rows.length ? h("table", { class: "table", id: "reconcile-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "No."), h("th", { scope: "col" }, t("name")), h("th", { scope: "col" }, "Status"),
        h("th", { scope: "col" }, t("card")), h("th", { scope: "col" }, t("id_document")), h("th", { scope: "col" }, t("locker")),
        h("th", { scope: "col" }, t("visit_time")), h("th", { scope: "col" }, ""))),
      h("tbody", {}, rows.map(({ v, left }) => h("tr", { dataset: { visit: v.id } },
        h("td", {}, h("a", { href: `#/visit/${v.id}` }, v.queue_number || "—")), h("td", {}, v.name),
        h("td", {}, statusLabel(v)),
        cell(v, left, "card", v.custody?.card?.number || v.card_number),
        cell(v, left, "id_document", t(`id_${v.custody?.id_document?.type || "ktp"}`)),
        cell(v, left, "locker", v.custody?.locker?.number || v.locker_number),
        h("td", {}, `${v.day} ${localTime(v.arrived_at || v.registered_at, tz)}`),
        h("td", {}, h("button", { class: "btn small primary", type: "button", onclick: () => giveBack(v, left) }, t("mark_all_returned")))))))
      : h("p", { class: "notice", id: "reconcile-none" }, t("reconcile_none"))));
}

/** Render the records the server refused or the tablet set aside. */
export async function renderProblems(main, app) {
  const list = await problems();
  mount(main, h("section", {}, staffHeader(app, t("problems")),
    list.length ? h("ul", { class: "problems" }, list.map((p) => h("li", {}, `${new Date(p.at).toLocaleString(getLang() === "id" ? "id-ID" : "en-GB")} — ${p.kind} ${p.rid.slice(0, 8)}: ${p.type}${p.reason ? ` (${p.reason})` : ""}${p.fields ? ` ${Object.keys(p.fields).join(", ")}` : ""}${p.message ? ` ${p.message}` : ""}`)))
      : h("p", {}, t("problems_none"))));
}
