"""A Python sync client that behaves like a desk tablet (sync/PROTOCOL.md).

Used by the tests, the benchmarks and `sitamu sync-sim`. It keeps an outbox and deletes an
entry only when a push acknowledgement names its id; a bare 200 (a captive portal) is not an
acknowledgement. Network errors, 5xx and 429 are retried with exponential backoff and full
jitter (Retry-After honoured); 401 keeps the outbox and asks for re-enrolment; 426 keeps the
outbox and stops; 413 splits the batch; records refused as a whole (400/403) are split down
to the single record and then set aside as "needs attention".

Faults can be injected for simulations: a request lost before it reaches the server
(`drop_rate`), a response lost after the server committed (`lost_ack_rate`), a request sent
twice (`dup_rate`) and a shuffled outbox (`reorder`).
"""
from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import requests

from .rules import PROTOCOL_VERSION, format_time, parse_time

# Blobs travel in parts of at most this many bytes (sync/PROTOCOL.md, "Blobs").
BLOB_PART = 32 * 1024


class Stop(Exception):
    """Syncing cannot go on until something changes (re-enrolment, an app update)."""

    def __init__(self, reason: str, status: int = 0):
        super().__init__(reason)
        self.reason, self.status = reason, status


class NetworkError(Exception):
    """The request or its response was lost."""


@dataclass
class Faults:
    drop_rate: float = 0.0       # request never reaches the server
    lost_ack_rate: float = 0.0   # server commits, the response is lost
    dup_rate: float = 0.0        # the same request is sent twice
    reorder: bool = False        # the outbox is flushed in a shuffled order


@dataclass
class Stats:
    requests: int = 0
    dropped: int = 0
    lost_acks: int = 0
    duplicated_requests: int = 0
    retries: int = 0
    events_sent: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    statuses: dict = field(default_factory=dict)


class SyncClient:
    """One simulated tablet: outbox, clock offset, pull cursor, pulled data."""

    def __init__(self, base_url: str, token: str | None = None, *, faults: Faults | None = None,
                 rng: random.Random | None = None, batch_size: int = 200, gzip_requests: bool = True,
                 backoff_base: float = 1.0, backoff_cap: float = 300.0, max_attempts: int = 8,
                 sleep=time.sleep, protocol: int = PROTOCOL_VERSION, timeout: float = 30.0):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.token = token
        self.faults = faults or Faults()
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.gzip_requests = gzip_requests
        self.backoff_base, self.backoff_cap, self.max_attempts = backoff_base, backoff_cap, max_attempts
        self.sleep = sleep
        self.protocol = protocol
        self.timeout = timeout
        self.http = requests.Session()
        self.stats = Stats()
        self.outbox: dict[str, dict] = {}   # record id -> {"type": "event"|"survey", "record": ...}
        self.attention: dict[str, dict] = {}  # refused records, shown to staff
        self.seq = itertools.count(1)
        self.clock_offset_ms = 0
        self.cursor = ""
        self.pulled: dict[tuple[str, str], dict] = {}
        self.acked_seq = 0
        self.device: dict | None = None

    # --- transport ---------------------------------------------------------------------

    def request(self, method: str, path: str, body=None, *, raw: bytes | None = None,
                content_type: str | None = None, params=None, faults: bool = True, extra_headers=None):
        """Send one request; return (status, json or None, headers). Raise NetworkError."""
        headers = {"X-Sitamu-Protocol": str(self.protocol), "Accept-Encoding": "gzip", **(extra_headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
            headers["X-Sitamu-Pending"] = str(len(self.outbox))
        data = raw
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            if self.gzip_requests and len(data) > 256:
                data = gzip.compress(data, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        elif content_type:
            headers["Content-Type"] = content_type
        if faults and self.rng.random() < self.faults.drop_rate:
            self.stats.dropped += 1
            raise NetworkError("request lost")
        sends = 2 if faults and self.rng.random() < self.faults.dup_rate else 1
        if sends == 2:
            self.stats.duplicated_requests += 1
        started = time.monotonic()
        events = len(body.get("events", [])) if isinstance(body, dict) and path == "/push" else 0
        for _ in range(sends):
            self.stats.requests += 1
            self.stats.events_sent += events
            self.stats.bytes_sent += len(data or b"")
            try:
                response = self.http.request(method, self.base + path, data=data, headers=headers,
                                             params=params, timeout=self.timeout, stream=False)
            except requests.RequestException as exc:
                raise NetworkError(str(exc)) from exc
        rtt = time.monotonic() - started
        self.stats.bytes_received += int(response.headers.get("Content-Length") or len(response.content))
        self.stats.statuses[response.status_code] = self.stats.statuses.get(response.status_code, 0) + 1
        if faults and self.rng.random() < self.faults.lost_ack_rate:
            self.stats.lost_acks += 1
            raise NetworkError("response lost")
        payload = None
        if "json" in response.headers.get("Content-Type", ""):
            try:
                payload = response.json()
            except ValueError:
                payload = None
        self._learn_clock(response.headers.get("X-Server-Time"), rtt)
        return response.status_code, payload, response.headers

    def _learn_clock(self, server_time: str | None, rtt: float) -> None:
        server = parse_time(server_time) if server_time else None
        if server is not None:
            now = datetime.now(timezone.utc) - timedelta(seconds=rtt / 2)
            self.clock_offset_ms = int((now - server).total_seconds() * 1000)

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        """Return the wait before retry `attempt` (full jitter; Retry-After wins).

        Waits scale with `backoff_base` (1 s for a real tablet), so a simulation with a
        base of a few milliseconds keeps the same shape in less time."""
        if retry_after:
            try:
                return float(retry_after) * self.backoff_base
            except ValueError:
                pass
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** attempt))

    def call(self, method: str, path: str, body=None, **kwargs):
        """Send with retries for network errors, 5xx and 429; return (status, json, headers)."""
        for attempt in range(self.max_attempts):
            try:
                status, data, headers = self.request(method, path, body, **kwargs)
            except NetworkError:
                self.stats.retries += 1
                self.sleep(self.backoff(attempt))
                continue
            if status == 429 or status >= 500:
                self.stats.retries += 1
                self.sleep(self.backoff(attempt, headers.get("Retry-After")))
                continue
            if status == 401:
                raise Stop("reenroll", status)
            if status == 426:
                raise Stop("upgrade", status)
            return status, data, headers
        raise Stop("offline")

    # --- enrolment ---------------------------------------------------------------------

    def enroll(self, code: str, name: str = "Tablet simulasi") -> dict:
        """Exchange an enrolment code for a token (the outbox is kept)."""
        status, data, _ = self.call("POST", "/enroll", {"protocol": self.protocol, "code": code,
                                                        "device_name": name, "app_version": "sim"},
                                    faults=False)  # a lost answer spends the code: ask for a new one
        if status != 201 or not data or "token" not in data:
            raise Stop("enroll_failed", status)
        self.token = data["token"]
        self.device = data["device"]
        return data["device"]

    # --- recording ---------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def record(self, visit_id: str, kind: str, payload: dict | None = None, *, actor: str = "staff:1",
               step: str | None = None, at: datetime | None = None) -> dict:
        """Record an event locally and queue it (the outbox entry and record are one write)."""
        event = {"id": str(uuid.uuid4()), "visit_id": visit_id, "seq": next(self.seq), "kind": kind,
                 "actor": actor, "device_time": format_time(at or self.now()),
                 "clock_offset_ms": self.clock_offset_ms, "payload": payload or {}}
        if step:
            event["step"] = step
        self.outbox[event["id"]] = {"type": "event", "record": event}
        return event

    def record_survey(self, survey: dict) -> dict:
        self.outbox[survey["id"]] = {"type": "survey", "record": survey}
        return survey

    # --- push --------------------------------------------------------------------------

    def _entries(self) -> list[dict]:
        entries = list(self.outbox.values())
        if self.faults.reorder:
            self.rng.shuffle(entries)
        return entries

    def push(self, entries: list[dict]) -> dict | None:
        """Push entries once (with retries); apply the ack; return it (None if refused)."""
        events = [e["record"] for e in entries if e["type"] == "event"]
        surveys = [e["record"] for e in entries if e["type"] == "survey"]
        status, data, _ = self.call("POST", "/push", {"protocol": self.protocol, "events": events,
                                                      "surveys": surveys})
        if status == 413 and len(entries) > 1:
            half = len(entries) // 2
            first = self.push(entries[:half])
            second = self.push(entries[half:])
            return {"split": [first, second]}
        if status in (400, 403, 413):
            if len(entries) > 1:
                half = len(entries) // 2
                return {"split": [self.push(entries[:half]), self.push(entries[half:])]}
            for entry in entries:
                rid = entry["record"].get("id") if isinstance(entry["record"], dict) else None
                self.attention[str(rid)] = {"entry": entry, "status": status, "error": (data or {}).get("error")}
                self.outbox.pop(rid, None)
            return None
        ack = (data or {}).get("ack") if status == 200 else None
        if not isinstance(ack, dict) or not all(isinstance(ack.get(k), list) for k in
                                                ("stored", "duplicate", "quarantined", "conflict")):
            raise NetworkError(f"no acknowledgement in a {status} answer")
        for record_id in ack["stored"] + ack["duplicate"]:
            self.outbox.pop(record_id, None)
        for item in ack["quarantined"] + ack["conflict"]:
            entry = self.outbox.pop(item.get("id"), None)
            if entry is not None:
                self.attention[item["id"]] = {"entry": entry, "ack": item}
        self.acked_seq = data.get("acked_seq", self.acked_seq)
        return data

    def flush(self, max_rounds: int = 50) -> None:
        """Push the outbox until it is empty (raises Stop when it cannot go on)."""
        for _ in range(max_rounds):
            entries = self._entries()
            if not entries:
                return
            batch = entries[: self.batch_size]
            try:
                self.push(batch)
            except NetworkError:
                self.stats.retries += 1
                continue
        if self.outbox:
            raise Stop("outbox_not_empty")

    # --- blobs -------------------------------------------------------------------------

    def put_blob(self, data: bytes, content_type: str = "image/jpeg", kind: str = "photo",
                 part: int = BLOB_PART) -> int:
        """Upload a blob named by its SHA-256 in parts of `part` bytes, resuming after a failed
        request from the offset the server holds (HEAD); return the final status (201 stored,
        200 already there, or the refusal's 4xx)."""
        sha = hashlib.sha256(data).hexdigest()
        offset, failures = 0, 0
        while failures < self.max_attempts:
            end = min(len(data), offset + part)
            ranged = offset > 0 or end < len(data)
            extra = {"Content-Range": f"bytes {offset}-{end - 1}/{len(data)}"} if ranged else None
            try:
                status, _, headers = self.request("PUT", f"/blobs/{sha}", raw=data[offset:end],
                                                  content_type=content_type, params={"kind": kind},
                                                  extra_headers=extra)
            except NetworkError:
                status, headers = 0, {}
            if status == 202:
                offset, failures = int(headers["Upload-Offset"]), 0
                continue
            if status == 409:
                offset = int(headers["Upload-Offset"])
                continue
            if status == 401:
                raise Stop("reenroll", status)
            if status == 426:
                raise Stop("upgrade", status)
            if status and status != 429 and status < 500:
                return status
            # Cut, lost or refused for now: wait, then go on from what the server holds.
            failures += 1
            self.stats.retries += 1
            self.sleep(self.backoff(failures - 1, headers.get("Retry-After")))
            status, _, headers = self.call("HEAD", f"/blobs/{sha}")
            if status == 200:
                return 200
            offset = int(headers.get("Upload-Offset", 0))
        raise Stop("offline")

    # --- pull --------------------------------------------------------------------------

    def pull(self, limit: int = 2000, max_pages: int = 1000) -> int:
        """Pull until `more` is false; return the number of changes applied."""
        applied = 0
        for _ in range(max_pages):
            status, data, _ = self.call("GET", "/pull", params={"cursor": self.cursor, "limit": limit})
            if status != 200 or not isinstance(data, dict) or "changes" not in data:
                raise NetworkError(f"no pull answer in a {status}")
            if data.get("reset"):
                self.pulled.clear()  # never the outbox
                self.cursor = ""
                continue
            for change in data["changes"]:
                key = (change["entity"], change["id"])
                if change["op"] == "delete":
                    self.pulled.pop(key, None)
                else:
                    self.pulled[key] = change["data"]
                applied += 1
            self.cursor = data["cursor"]
            if not data["more"]:
                return applied
        raise Stop("pull_not_finished")

    def sync(self) -> None:
        """Push everything, then pull (what a tablet does on every sync)."""
        self.flush()
        self.pull()

    def pulled_of(self, entity: str) -> dict[str, dict]:
        return {k[1]: v for k, v in self.pulled.items() if k[0] == entity}
