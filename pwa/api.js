// The network client. It never throws for a network failure: every call returns
// {ok, status, data, serverTime, rtt, retryAfter} so "offline" is an ordinary branch.
export const PROTOCOL = 1;
export const APP_VERSION = "0.1.0";

let base = "/api/v1";
const GZIP_OVER = 16 * 1024;
let timeoutMs = 20000;

/** Point the client at another server (tests). */
export function configure({ baseUrl, timeout } = {}) {
  if (baseUrl !== undefined) base = baseUrl;
  if (timeout !== undefined) timeoutMs = timeout;
}

/** Send one request; resolve to a result object, never reject. */
export async function request(method, path, { body, token, contentType, headers = {}, timeout = timeoutMs } = {}) {
  const started = Date.now();
  const init = { method, headers: { "X-Sitamu-Protocol": String(PROTOCOL), Accept: "application/json", ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    if (contentType) {
      init.headers["Content-Type"] = contentType;
      init.body = body;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
      // Big batches travel gzipped (the protocol allows it): a lobby's 3G link thanks us.
      if (init.body.length > GZIP_OVER && typeof CompressionStream === "function") {
        try {
          const stream = new Blob([init.body]).stream().pipeThrough(new CompressionStream("gzip"));
          init.body = await new Response(stream).arrayBuffer();
          init.headers["Content-Encoding"] = "gzip";
        } catch { /* send it plain */ }
      }
    }
  }
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeout) : null;
  if (controller) init.signal = controller.signal;
  let response;
  try {
    response = await fetch(base + path, init);
  } catch (error) {
    return { ok: false, status: 0, data: null, network: true, error: String(error?.name || error) };
  } finally {
    if (timer) clearTimeout(timer);
  }
  const rtt = Date.now() - started;
  const retry = Number(response.headers.get("Retry-After"));
  const result = {
    ok: response.ok, status: response.status, data: null, rtt, receivedAt: Date.now(),
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    serverTime: response.headers.get("X-Server-Time"),
  };
  // Bytes of a blob the server holds (resumable uploads, sync/PROTOCOL.md "Blobs").
  const held = response.headers.get("Upload-Offset");
  if (held !== null && /^\d+$/.test(held)) result.uploadOffset = Number(held);
  if (method === "HEAD") return result;
  let text = "";
  try { text = await response.text(); } catch { result.ok = false; result.network = true; return result; }
  const type = response.headers.get("Content-Type") || "";
  if (text && type.includes("json")) {
    try { result.data = JSON.parse(text); } catch { result.data = null; }
  }
  // A 2xx that is not our JSON (a captive portal's page) is not a success.
  if (result.ok && text && result.data === null) { result.ok = false; result.notOurs = true; }
  if (result.data?.server_time) result.serverTime = result.data.server_time;
  return result;
}

/** Return "device clock minus server clock" in ms from a response, or null. */
export function clockOffset(result) {
  if (!result?.serverTime || !result.receivedAt) return null;
  const server = Date.parse(result.serverTime);
  if (Number.isNaN(server)) return null;
  // The server stamped its time about half a round trip before we received the answer.
  return Math.round(result.receivedAt - (result.rtt || 0) / 2 - server);
}

export const enroll = (code, deviceName) =>
  request("POST", "/enroll", { body: { protocol: PROTOCOL, code, device_name: deviceName, app_version: APP_VERSION } });

export const push = (token, events, surveys) =>
  request("POST", "/push", { token, body: { protocol: PROTOCOL, events, surveys } });

export const pull = (token, cursor, limit = 500) =>
  request("GET", `/pull?cursor=${encodeURIComponent(cursor || "")}&limit=${limit}`, { token });

// A blob travels in parts of at most 32 KB (a photo, under 20 KB, in one request): behind
// nginx, which reads a whole body before the app sees it, a cut costs at most the part it cut.
export const BLOB_PART = 32 * 1024;
// A blob upload may take longer than a JSON request on a slow link: allow 2 KB/s at worst.
const blobTimeout = (size) => Math.max(timeoutMs, Math.ceil(size / 2048) * 1000);

/**
 * Upload a blob, or its bytes from `offset` on (Content-Range) to resume an upload the link
 * cut off; the answer's `uploadOffset` tells how many bytes the server holds.
 */
export function putBlob(token, sha, blob, type, kind = "photo", offset = 0, part = BLOB_PART) {
  const end = Math.min(blob.size, offset + part);
  const body = offset || end < blob.size ? blob.slice(offset, end) : blob;
  const headers = offset || end < blob.size ? { "Content-Range": `bytes ${offset}-${end - 1}/${blob.size}` } : {};
  return request("PUT", `/blobs/${sha}?kind=${encodeURIComponent(kind)}`,
    { token, body, contentType: type, headers, timeout: blobTimeout(body.size) });
}

/** Ask whether a blob is stored (200) and, if not (404), how many bytes of it the server holds. */
export const headBlob = (token, sha) => request("HEAD", `/blobs/${sha}`, { token });

export const surveyLink = (token, visitId) =>
  request("POST", "/survey-links", { token, body: { protocol: PROTOCOL, visit_id: visitId } });

/** Ask the office's server for a returning guest by NIK (in the body, never the URL). */
export const lookupGuest = (token, idNumber) =>
  request("POST", "/guests/lookup", { token, body: { protocol: PROTOCOL, id_type: "ktp", id_number: idNumber } });
