// The desk app shell: status bar, language, service worker, routing between screens.
import { all, get, getMeta, requestPersistence, setMeta } from "./db.js";
import { h, mount } from "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import { onStatus, refreshStatus, requestBackgroundSync, startSyncLoop, syncNow } from "./sync.js";
import { purgeOld } from "./records.js";
import { renderCheckin } from "./screens/checkin.js";
import { renderEnroll } from "./screens/enroll.js";
import { renderKiosk, renderRegister, renderSlip } from "./screens/kiosk.js";
import { renderBoard, renderLogin, renderProblems, renderReconcile, renderVisit } from "./screens/staff.js";
import { renderSurvey } from "./screens/survey.js";

const main = document.getElementById("main");
let lastStatus = {};
let enrolled = false;
let officeZone; // times on screen are the office's local time
let persistence = "unsupported";

/** Shared context for the screens. */
export const app = {
  staff: null, // the signed-in staff member (in memory only)
  staffAt: 0,
  async device() { return getMeta("device", null); },
  async office() { return (await get("pulled", "office:current"))?.data || null; },
  async timezone() {
    const office = await this.office();
    return office?.timezone || (await this.device())?.office?.timezone || "Asia/Jakarta";
  },
  async entities(kind) { return (await all("pulled", "entity", kind)).map((r) => r.data); },
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  render: () => route(),
  flash(message, kind = "info") {
    const el = document.getElementById("banner");
    mount(el, h("p", {}, message), h("button", { class: "btn small", type: "button", onclick: () => { el.hidden = true; } }, "×"));
    el.className = `banner banner-${kind}`;
    el.hidden = false;
  },
};

async function renderTopbar() {
  const device = await app.device();
  const office = await app.office();
  const bar = document.getElementById("topbar");
  const langButton = h("button", {
    class: "btn small ghost", type: "button", id: "lang-switch", lang: getLang() === "id" ? "en" : "id",
    onclick: async () => { setLang(getLang() === "id" ? "en" : "id"); await setMeta("lang", getLang()); renderTopbar(); renderStatus(lastStatus); route(); },
  }, getLang() === "id" ? "English" : "Bahasa Indonesia");
  enrolled = !!device?.token;
  officeZone = office?.timezone || device?.office?.timezone || undefined;
  renderStatus(lastStatus);
  mount(bar,
    h("div", { class: "brand" }, h("img", { src: "icons/icon-192.png", alt: "", width: 40, height: 40 }),
      h("div", {}, h("strong", {}, "Sitamu"), h("span", { class: "office-name" }, office?.name || device?.office?.name || ""))),
    h("nav", { class: "modes", "aria-label": t("language") },
      enrolled ? h("a", { class: "btn small ghost", href: "#/kiosk" }, t("mode_kiosk")) : null,
      enrolled ? h("a", { class: "btn small ghost", href: "#/staff" }, t("mode_staff")) : null,
      langButton));
}

function syncErrorText(code) {
  const status = /^http_(\d+)$/.exec(code)?.[1];
  if (status === "429") return t("sync_err_busy");
  if (status && status >= "500") return t("sync_err_server", { status });
  if (code === "portal" || code === "http_bad" || code === "ack_missing") return t("sync_err_portal");
  return t("sync_err_other", { code });
}

/** What waits and the time it needs, for staff: a slow link is ordinary, nothing to do. */
function syncProgress(s) {
  const w = s.waiting || { records: 0, blobs: 0 };
  if (!w.records && !w.blobs) return h("span", { class: "pill ok", id: "sync-progress" }, t("sync_all_sent"));
  const what = [w.records ? t("waiting_records", { n: w.records }) : null,
    w.blobs ? t("waiting_blobs", { n: w.blobs }) : null].filter(Boolean).join(", ");
  const left = s.etaSeconds === null || s.etaSeconds === undefined ? null
    : t("time_left", { time: s.etaSeconds < 60 ? t("under_a_minute") : t("minutes_n", { n: Math.ceil(s.etaSeconds / 60) }) });
  return h("span", { class: "pill", id: "sync-progress", title: t("sync_by_itself"), dataset: { eta: s.etaSeconds ?? "" } },
    [what, left].filter(Boolean).join(" · "));
}

function renderStatus(s) {
  if (s.revoked && !lastStatus.revoked) {
    // The server revoked this tablet: show enrolment (its synced personal data is gone).
    app.staff = null;
    queueMicrotask(() => { renderTopbar(); route(); });
  }
  lastStatus = s;
  const bar = document.getElementById("statusbar");
  const last = s.lastSync ? t("last_sync", { time: new Date(s.lastSync).toLocaleTimeString(getLang() === "id" ? "id-ID" : "en-GB", { hour: "2-digit", minute: "2-digit", timeZone: officeZone }) }) : t("never_synced");
  // Guests (kiosk, survey) see whether the tablet is online, never the sync internals.
  bar.classList.toggle("guest", guestMode);
  mount(bar,
    h("span", { class: `pill ${s.online ? "ok" : "off"}`, id: "net-state" }, s.online ? t("online") : t("offline")),
    h("span", { class: "pill", id: "pending-count", dataset: { count: s.pending } }, t("waiting_items", { n: s.pending })),
    guestMode ? null : syncProgress(s),
    h("span", { class: "pill", id: "last-sync" }, last),
    s.attention ? h("a", { class: "pill warn", href: "#/problems", id: "attention" }, t("attention", { n: s.attention })) : null,
    s.upgradeRequired ? h("span", { class: "pill warn" }, t("upgrade_required")) : null,
    s.error && s.error !== "upgrade" ? h("span", { class: "pill warn", id: "sync-error", title: s.error }, syncErrorText(s.error)) : null,
    h("span", { class: "pill muted", id: "persist-state" }, t(`storage_${persistence === "granted" ? "persisted" : persistence === "denied" ? "not_persisted" : "unsupported"}`)),
    enrolled ? h("button", { class: "btn small", type: "button", id: "sync-now", disabled: s.running, onclick: () => syncNow({ again: true }) }, s.running ? t("syncing") : t("sync_now")) : null);
}

// Screens render after reading the database, so a route started while another is still
// rendering waits for it and then renders again: the screen asked for last is the one shown.
let routing = null;
let routeAgain = false;

function route() {
  if (routing) { routeAgain = true; return routing; }
  routing = (async () => {
    try {
      do { routeAgain = false; await renderRoute(); } while (routeAgain);
    } finally { routing = null; }
  })();
  return routing;
}

async function renderRoute() {
  const device = await app.device();
  const [path, arg] = (location.hash.replace(/^#\/?/, "") || "kiosk").split("/");
  if (!device?.token) {
    await renderEnroll(main, app, device?.revoked);
    return;
  }
  const staffOnly = { staff: renderBoard, visit: renderVisit, reconcile: renderReconcile, problems: renderProblems, checkin: renderCheckin };
  // A guest screen means a guest holds the tablet: staff mode locks, the PIN is asked again.
  if (!staffOnly[path]) lockStaff(false);
  if (app.staff && Date.now() - lastActivity > lockMs) lockStaff(false);
  setGuestMode(!staffOnly[path]);
  if (staffOnly[path] && !app.staff) { await renderLogin(main, app); return; }
  if (app.staff) app.staffAt = Date.now();
  switch (path) {
    case "register": await renderRegister(main, app, arg); break;
    case "slip": await renderSlip(main, app, arg); break;
    case "survey": await renderSurvey(main, app, arg); break;
    case "staff": await renderBoard(main, app); break;
    case "visit": await renderVisit(main, app, arg); break;
    case "reconcile": await renderReconcile(main, app); break;
    case "problems": await renderProblems(main, app); break;
    case "checkin": await renderCheckin(main, app); break;
    default: await renderKiosk(main, app);
  }
  main.focus({ preventScroll: true });
  if (path !== lastPath) window.scrollTo(0, 0);
  lastPath = path;
}
let lastPath = null;

let reloadOnChange = false;

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    const reg = await navigator.serviceWorker.register("sw.js", { scope: "./" });
    const offer = (worker) => {
      const el = document.getElementById("banner");
      mount(el, h("p", {}, t("new_version")), h("button", {
        class: "btn small", type: "button", id: "reload-new",
        onclick: () => { reloadOnChange = true; worker.postMessage({ type: "skip-waiting" }); },
      }, t("reload")));
      el.className = "banner banner-info";
      el.hidden = false;
    };
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
    navigator.serviceWorker.ready.then((ready) => {
      if (!navigator.serviceWorker.controller) ready.active?.postMessage({ type: "claim" });
    });
    // Reload only when staff chose to take the new version (never in the middle of a form).
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (!reloadOnChange) return;
      reloadOnChange = false;
      location.reload();
    });
  } catch { /* the app works without a worker, only not offline */ }
}

// A kiosk in a public lobby: an unfinished form or a slip goes back to the welcome screen
// after a while, and staff mode locks after the office's idle minutes (`staff_lock_minutes`,
// pulled with the office), so the next person sees nobody else's data.
const GUEST_IDLE_MS = 3 * 60 * 1000;
const DEFAULT_LOCK_MINUTES = 5;
let lockMs = DEFAULT_LOCK_MINUTES * 60 * 1000;
let lastActivity = Date.now();
let guestMode = true;

async function refreshLockMs() {
  const minutes = Number((await app.office())?.staff_lock_minutes);
  lockMs = (Number.isFinite(minutes) && minutes >= 1 ? minutes : DEFAULT_LOCK_MINUTES) * 60 * 1000;
}

/** Leave staff mode; on a staff screen show the PIN form in its place (`rerender`). */
function lockStaff(rerender = true) {
  if (!app.staff) return;
  app.staff = null;
  if (rerender) route();
}
app.lockStaff = lockStaff;

function setGuestMode(on) {
  if (guestMode === on) return;
  guestMode = on;
  renderStatus(lastStatus);
}

function watchIdle() {
  const idleCheck = () => {
    const idle = Date.now() - lastActivity;
    const path = location.hash.replace(/^#\/?/, "").split("/")[0];
    if (app.staff && idle > lockMs) {
      lockStaff();
      return true;
    }
    if (["register", "slip", "survey"].includes(path) && idle > GUEST_IDLE_MS) app.go("#/kiosk");
    return false;
  };
  // The first touch after a long pause (a tablet asleep stops timers) locks before it acts.
  const touched = () => { if (app.staff && Date.now() - lastActivity > lockMs) lockStaff(); lastActivity = Date.now(); };
  for (const type of ["pointerdown", "keydown", "input"]) addEventListener(type, touched, { passive: true, capture: true });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") idleCheck(); });
  setInterval(() => { refreshLockMs().catch(() => {}); idleCheck(); }, 15000);
}

async function start() {
  setLang(await getMeta("lang", "id"));
  window.__sitamu = { app, syncNow, ready: false };
  addEventListener("hashchange", route);
  watchIdle();
  onStatus(renderStatus);
  await refreshLockMs();
  await renderTopbar();
  await route();
  window.__sitamu.interactiveAt = performance.now();
  persistence = await requestPersistence();
  await refreshStatus();
  registerWorker();
  if ((await app.device())?.token) {
    // A tablet that stays offline for days still drops what its retention no longer allows.
    purgeOld((await app.office())?.device_retention_days ?? 0).catch(() => {});
    startSyncLoop();
    requestBackgroundSync();
  }
  window.__sitamu.ready = true;
  window.__sitamu.readyAt = performance.now();
  document.body.dataset.ready = "1";
}

/** Called by the enrolment screen once the tablet has its token. */
export async function afterEnroll() {
  await renderTopbar();
  startSyncLoop();
  await syncNow();
  await renderTopbar();
  app.go("#/kiosk");
}
app.afterEnroll = afterEnroll;
app.renderTopbar = renderTopbar;

start();
