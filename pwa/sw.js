// Service worker: precache the app shell in a versioned cache, serve it offline, delete old
// caches on activate, and wake the page's sync loop on Background Sync.
const VERSION = "2026-12-04.9";
const CACHE = `sitamu-desk-${VERSION}`;
// vendor/jsqr.js is imported only when a tablet without BarcodeDetector scans a QR (enrolment, tickets);
// it is precached so that works offline too.
const SHELL = [
  "./", "index.html", "app.css", "app.js", "manifest.webmanifest",
  "api.js", "db.js", "derive.js", "dom.js", "encode.js", "i18n.js", "i18n/id.js", "i18n/en.js", "nik.js", "outbox.js",
  "pin.js", "records.js", "returning.js", "sha256.js", "sop.js", "surveylink.js", "sync.js", "tickets.js", "util.js",
  "screens/checkin.js", "screens/enroll.js", "screens/kiosk.js", "screens/staff.js", "screens/survey.js",
  "vendor/idb.js", "vendor/jsqr.js", "vendor/uqr.js",
  "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((p) => new Request(p, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("sitamu-desk-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  // A page that loaded before this worker activated asks to be taken over (offline from now on).
  if (event.data?.type === "claim") event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  if (!url.pathname.startsWith(scope.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (request.mode === "navigate") {
      return (await cache.match("index.html")) || fetch(request);
    }
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    try {
      return await fetch(request);
    } catch {
      return new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    }
  })());
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "sitamu-outbox") return;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "sync" });
  })());
});
