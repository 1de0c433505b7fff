// An in-memory stand-in for the protocol's server side, used only by the node unit tests of
// the sync loop (the browser tests run against the real Flask server).
import { configure } from "../api.js";
import { destroyDb, setMeta } from "../db.js";

export function fakeServer() {
  const state = {
    events: new Map(), surveys: new Map(), blobs: new Map(), requests: [], mode: "ok",
    changes: [], revoked: false, cursorResets: 0, guests: new Map(), lookups: [],
    partials: new Map(), blobBytes: [], cutBlobs: 0, cutAt: 0.9, cutPattern: null,
  };
  const json = (status, body, extra = {}) => new Response(JSON.stringify({ server_time: new Date().toISOString(), ...body }),
    { status, headers: { "Content-Type": "application/json", "X-Server-Time": new Date().toISOString(), ...extra } });
  state.fetch = async (url, init = {}) => {
    const path = url.replace(/^http:\/\/test\/api\/v1/, "");
    state.requests.push({ method: init.method, path });
    if (state.mode === "offline") throw new TypeError("Failed to fetch");
    if (state.mode === "captive") return new Response("<html>Login to Wi-Fi</html>", { status: 200, headers: { "Content-Type": "text/html" } });
    if (state.mode === "error500") return json(500, { error: { code: "internal_error", message: "boom", fields: {} } });
    if (state.revoked) return json(401, { error: { code: "unauthorized", message: "revoked", fields: {} } });
    if (path === "/enroll") {
      return json(201, { token: "t".repeat(43), device: { uid: "dev-1", letter: "B", name: "Meja", office: { code: "X", name: "Kantor X", timezone: "Asia/Jakarta" } } });
    }
    if (path === "/push") {
      const body = JSON.parse(init.body);
      const count = body.events.length + body.surveys.length;
      if (state.maxBatch && count > state.maxBatch) return json(413, { error: { code: "too_large", message: "", fields: {} } });
      const ack = { stored: [], duplicate: [], quarantined: [], conflict: [] };
      for (const e of body.events) {
        if (state.quarantine?.has(e.id)) { ack.quarantined.push({ id: e.id, fields: { "payload.host_id": "unknown host" } }); continue; }
        if (state.events.has(e.id)) ack.duplicate.push(e.id); else { state.events.set(e.id, e); ack.stored.push(e.id); }
      }
      for (const s of body.surveys) {
        if (state.surveys.has(s.id)) ack.duplicate.push(s.id); else { state.surveys.set(s.id, s); ack.stored.push(s.id); }
      }
      if (state.mode === "bare200") return json(200, {});
      return json(200, { ack, acked_seq: 0, highest_seq: 0 });
    }
    if (path.startsWith("/pull")) {
      const cursor = new URL(`http://x${path}`).searchParams.get("cursor") || "0";
      if (state.resetOnce && cursor !== "0") { state.resetOnce = false; state.cursorResets += 1; return json(200, { cursor: "", more: false, reset: true, changes: [] }); }
      const from = Number(cursor);
      const page = state.changes.slice(from, from + 2);
      return json(200, { cursor: String(from + page.length), more: from + page.length < state.changes.length, reset: false, changes: page });
    }
    if (path.startsWith("/blobs/")) {
      const sha = path.split("/")[2].split("?")[0];
      const headers = init.headers || {};
      if (init.method === "HEAD") {
        if (state.blobs.has(sha)) return new Response(null, { status: 200 });
        return new Response(null, { status: 404, headers: { "Upload-Offset": String(state.partials.get(sha)?.length || 0) } });
      }
      if (state.blobStatus) return json(state.blobStatus, { error: { code: "unsupported_type", message: "", fields: {} } });
      if (state.blobs.has(sha)) return json(200, { sha256: sha, stored: false });
      // Resumable uploads as sync/PROTOCOL.md describes them, with cuts on demand.
      const bytes = new Uint8Array(await init.body.arrayBuffer());
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers["Content-Range"] || "");
      const first = range ? Number(range[1]) : 0;
      const held = state.partials.get(sha) || new Uint8Array(0);
      if (first > held.length) return json(409, { error: { code: "offset_mismatch", message: "", fields: {} } }, { "Upload-Offset": String(held.length) });
      state.blobBytes.push(bytes.length);
      const cut = state.cutPattern ? state.cutPattern(state.blobBytes.length - 1) : state.cutBlobs > 0;
      const cutAt = cut ? Math.floor(bytes.length * state.cutAt) : null;
      const arrived = cutAt === null ? bytes : bytes.slice(0, cutAt);
      const data = new Uint8Array(first + arrived.length);
      data.set(held.slice(0, first)); data.set(arrived, first);
      if (cutAt !== null) {
        if (!state.cutPattern) state.cutBlobs -= 1;
        state.partials.set(sha, data);
        throw new TypeError("Failed to fetch");
      }
      if (range && Number(range[2]) + 1 < Number(range[3])) {
        state.partials.set(sha, data);
        return json(202, { sha256: sha, stored: false, offset: data.length }, { "Upload-Offset": String(data.length) });
      }
      state.partials.delete(sha);
      state.blobs.set(sha, data);
      return json(201, { sha256: sha, stored: true });
    }
    if (path === "/guests/lookup") {
      if (state.lookupStatus) return json(state.lookupStatus, { error: { code: "rate_limited", message: "", fields: {} } });
      const body = JSON.parse(init.body);
      state.lookups.push(body);
      const guest = state.guests.get(body.id_number);
      return json(200, guest ? { found: true, guest } : { found: false });
    }
    return json(404, { error: { code: "not_found", message: "", fields: {} } });
  };
  return state;
}

// A fresh, enrolled desk talking to a new fake server: empty IndexedDB, fetch routed to the
// server, the API configured and a device saved. Returns the server.
export async function enrolledDesk() {
  await destroyDb();
  const server = fakeServer();
  globalThis.fetch = server.fetch;
  configure({ baseUrl: "http://test/api/v1" });
  await setMeta("device", { token: "tok", uid: "u", letter: "A", office: { timezone: "Asia/Jakarta" } });
  return server;
}
