"""Benchmark a day's desk work draining over a weak mobile link; print one JSON line per profile.

    python bench/weaklink.py [--visits 100] [--profiles none,256k,64k] [--timeout 1800]

The real desk app runs in Debian's Chromium, whose fake camera is fed a generated face clip
(`--use-file-for-fake-video-capture` with a .y4m: a lit face with hair, eyes and mouth over a
background, moving a little, with sensor noise). For each link profile a fresh tablet is
enrolled, goes offline, and registers N visits through the kiosk form (a camera photo and a
drawn signature each), then 4 step events (verification, host notified, admitted, checked
out) and a survey per visit. Then the link comes back through a traffic-shaping TCP proxy on
loopback (asyncio) in front of the server, and the bench waits until the server database holds
every record and blob and the tablet's outbox is empty.

The proxy models one mobile link: a bandwidth cap per direction shared by all connections,
a one-way delay of half the round trip on every byte (and one round trip to open a
connection), and per request (request bytes plus its response) a cut with the profile's
probability at a uniformly random byte: both sockets are reset, what went before has
arrived. Optional stalls hold a request at a random byte for some seconds.

Fields: payload_bytes (events and surveys as JSON, photos and signatures, as the tablet holds
them), link_bytes_up / link_bytes_down (bytes through the proxy while draining), requests,
cut_connections, stalls, retries (requests beyond those the protocol needs), drain_seconds,
ideal_seconds (payload / uplink rate + one round trip per needed request: one push per 200
records, one PUT per blob, one pull), ratio, lost and duplicated (checked in the server
database), photo_bytes and signature_bytes (mean per blob). The server is gunicorn (one worker,
threads, keep-alive: what nginx in front gives the tablets) on a scratch SQLite database.
"""
import argparse
import asyncio
import hashlib
import json
import math
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/lib/chromium/chromium"

PROFILES = {
    "none": {"up_kbit": None, "down_kbit": None, "rtt_ms": 0, "cut_rate": 0.0},
    "256k": {"up_kbit": 256, "down_kbit": 512, "rtt_ms": 300, "cut_rate": 0.03},
    "64k": {"up_kbit": 64, "down_kbit": 128, "rtt_ms": 600, "cut_rate": 0.10},
}
PUSH_BATCH = 200
DATA_KEY = "44" * 32


# --- the camera clip -----------------------------------------------------------------------

def write_clip(path: Path, width: int = 640, height: int = 480, frames: int = 30, seed: int = 7) -> None:
    """Write a .y4m clip of a face in front of a wall, moving a little, with sensor noise."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    wall = Image.merge("RGB", [gradient.point(lambda v, k=k: 140 + k + v // 6) for k in (10, 15, 22)])
    d = ImageDraw.Draw(wall)
    for _ in range(14):  # a textured wall: soft blotches
        cx, cy, r = rng.randrange(width), rng.randrange(height), rng.randrange(20, 90)
        tone = tuple(rng.randrange(120, 190) for _ in range(3))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tone)
    d.rectangle((40, 0, 52, height), fill=(110, 90, 70))  # a door frame
    wall = wall.filter(ImageFilter.GaussianBlur(18))
    d = ImageDraw.Draw(wall)
    x = 380
    for shelf in (60, 170, 280):  # a bookshelf behind the guest: many spines, many edges
        d.rectangle((370, shelf + 95, width, shelf + 104), fill=(90, 60, 40))
        x = 380
        while x < width:
            w = rng.randrange(6, 18)
            top = shelf + rng.randrange(0, 30)
            d.rectangle((x, top, x + w, shelf + 95), fill=tuple(rng.randrange(30, 220) for _ in range(3)))
            d.line((x + 2, top + 10, x + w - 2, top + 10), fill=(230, 210, 150), width=1)
            x += w + 1
    d.rectangle((70, 90, 190, 250), fill=(235, 230, 215))  # a notice board with text lines
    for line in range(14):
        d.line((80, 100 + line * 10, 80 + rng.randrange(50, 100), 100 + line * 10), fill=(60, 60, 70), width=2)
    base = wall.filter(ImageFilter.GaussianBlur(0.8))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(frames):
            img = base.copy()
            d = ImageDraw.Draw(img)
            dx, dy = int(6 * math.sin(i / 5)), int(3 * math.cos(i / 7))
            cx, cy = width // 2 + dx, height // 2 + 20 + dy
            d.rectangle((cx - 150, cy + 110, cx + 150, height), fill=(40, 60, 110))  # shirt
            for sx in range(cx - 150, cx + 150, 9):  # a batik-like pattern on the shirt
                for sy in range(cy + 115, height, 9):
                    d.ellipse((sx, sy, sx + 5, sy + 5), outline=(200, 170, 90))
            d.polygon([(cx - 40, cy + 110), (cx, cy + 170), (cx + 40, cy + 110)], fill=(235, 235, 235))
            d.ellipse((cx - 95, cy - 150, cx + 95, cy + 40), fill=(30, 25, 22))  # hair
            d.ellipse((cx - 80, cy - 120, cx + 80, cy + 110), fill=(198, 150, 118))  # face
            for _ in range(160):  # skin tone variation
                sx, sy = cx + rng.randrange(-60, 60), cy + rng.randrange(-90, 90)
                r = rng.randrange(2, 6)
                tone = rng.randrange(-14, 14)
                d.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(198 + tone, 150 + tone, 118 + tone))
            for _ in range(220):  # hair strands
                hx = cx + rng.randrange(-90, 90)
                d.line((hx, cy - 148 + rng.randrange(0, 20), hx + rng.randrange(-25, 25), cy - 90 + rng.randrange(0, 60)),
                       fill=tuple([rng.randrange(15, 70)] * 3), width=1)
            d.rectangle((cx - 30, cy + 90, cx + 30, cy + 130), fill=(185, 138, 108))  # neck
            for ex in (-35, 35):
                d.ellipse((cx + ex - 16, cy - 30, cx + ex + 16, cy - 14), fill=(245, 245, 240))
                d.ellipse((cx + ex - 7, cy - 29, cx + ex + 7, cy - 15), fill=(45, 30, 20))
                d.line((cx + ex - 20, cy - 44, cx + ex + 20, cy - 42), fill=(40, 30, 25), width=5)
            d.line((cx, cy - 15, cx - 8, cy + 25), fill=(160, 115, 90), width=4)
            d.chord((cx - 30, cy + 35, cx + 30, cy + 70), 0, 180, fill=(150, 70, 70))
            img = img.filter(ImageFilter.GaussianBlur(0.7))
            noise = Image.merge("RGB", [Image.effect_noise((width, height), 7) for _ in range(3)])
            img = ImageChops.add(img, noise, 1.0, -128).convert("YCbCr")
            y, cb, cr = img.split()
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(cb.resize((width // 2, height // 2), Image.BILINEAR).tobytes())
            out.write(cr.resize((width // 2, height // 2), Image.BILINEAR).tobytes())


# --- the shaping proxy ---------------------------------------------------------------------

class Direction:
    """One direction of the link: bytes leave at the capped rate, arrive after the delay."""

    def __init__(self, kbit: int | None, delay: float):
        self.rate = kbit * 1000 / 8 if kbit else None
        self.delay = delay
        self.free_at = 0.0

    def arrival(self, now: float, n: int) -> float:
        if self.rate is None:
            return now + self.delay
        start = max(now, self.free_at)
        self.free_at = start + n / self.rate
        return self.free_at + self.delay


class Proxy:
    """A traffic-shaping TCP proxy on loopback in front of one upstream port."""

    def __init__(self, upstream_port: int, seed: int = 1):
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.set_profile(PROFILES["none"])
        self.loop = asyncio.new_event_loop()
        self.port = None
        self.stall_rate = 0.0
        self.stall_seconds = 0.0
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait()

    def set_profile(self, profile: dict) -> None:
        rtt = profile["rtt_ms"] / 1000
        self.rtt = rtt
        self.up = Direction(profile["up_kbit"], rtt / 2)
        self.down = Direction(profile["down_kbit"], rtt / 2)
        self.cut_rate = profile["cut_rate"]
        self.reset_counters()

    def reset_counters(self) -> None:
        self.counters = {"bytes_up": 0, "bytes_down": 0, "connections": 0, "requests": 0, "cuts": 0,
                         "stalls": 0, "by_method": {}}

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start():
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            started.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    async def _handle(self, client_r, client_w):
        self.counters["connections"] += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        conn = {"closed": False, "ready": self.loop.time() + self.rtt, "cut_at": None, "stall_at": None,
                "sent": 0, "writers": (client_w, server_w)}
        up_q: asyncio.Queue = asyncio.Queue()
        down_q: asyncio.Queue = asyncio.Queue()
        tasks = [
            asyncio.ensure_future(self._read_up(client_r, up_q, conn)),
            asyncio.ensure_future(self._read(server_r, down_q, conn, self.down, "bytes_down")),
            asyncio.ensure_future(self._write(up_q, server_w, conn)),
            asyncio.ensure_future(self._write(down_q, client_w, conn)),
        ]
        await asyncio.gather(*tasks, return_exceptions=True)
        for w in (client_w, server_w):
            w.close()

    def _abort(self, conn) -> None:
        if conn["closed"]:
            return
        conn["closed"] = True
        for w in conn["writers"]:
            transport = w.transport
            if transport is not None:
                transport.abort()

    async def _read_up(self, reader, queue, conn):
        """Client to server: find request boundaries (no pipelining) to place cuts and stalls."""
        head = b""
        body_left = 0
        try:
            while not conn["closed"]:
                data = await reader.read(1460)
                if not data:
                    await queue.put((self.loop.time(), None))
                    return
                # A new request starts when no body is left and a head begins.
                if body_left == 0 and not head:
                    self._new_request(conn, data)
                if body_left == 0:
                    head += data
                    if b"\r\n\r\n" in head:
                        text, _, rest = head.partition(b"\r\n\r\n")
                        length = 0
                        for line in text.split(b"\r\n")[1:]:
                            name, _, value = line.partition(b":")
                            if name.strip().lower() == b"content-length":
                                length = int(value.strip())
                        method = text.split(b" ", 1)[0].decode("latin-1")
                        self.counters["by_method"][method] = self.counters["by_method"].get(method, 0) + 1
                        body_left = max(0, length - len(rest))
                        head = b""
                else:
                    body_left = max(0, body_left - len(data))
                await self._forward(queue, conn, self.up, data, "bytes_up")
        except (ConnectionError, OSError):
            await queue.put((self.loop.time(), None))

    def _new_request(self, conn, first: bytes) -> None:
        self.counters["requests"] += 1
        conn["sent"] = 0
        conn["cut_at"] = conn["stall_at"] = None
        length = 1000  # a typical answer
        for line in first.split(b"\r\n\r\n")[0].split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length += int(value.strip())
        length += len(first.split(b"\r\n\r\n")[0]) + 4
        if self.cut_rate and self.rng.random() < self.cut_rate:
            conn["cut_at"] = self.rng.randrange(1, length)
        if self.stall_rate and self.rng.random() < self.stall_rate:
            conn["stall_at"] = self.rng.randrange(1, length)

    async def _forward(self, queue, conn, direction, data, counter):
        """Queue bytes for delivery, cutting or stalling the request at its chosen byte."""
        while data:
            piece = data
            mark = None
            for key in ("cut_at", "stall_at"):
                at = conn[key]
                if at is not None and conn["sent"] < at <= conn["sent"] + len(data):
                    if mark is None or at < conn[mark]:
                        mark = key
            if mark:
                piece = data[:conn[mark] - conn["sent"]]
            now = max(self.loop.time(), conn["ready"])
            if piece:
                self.counters[counter] += len(piece)
                await queue.put((direction.arrival(now, len(piece)), piece))
                conn["sent"] += len(piece)
            data = data[len(piece):]
            if mark == "cut_at":
                conn["cut_at"] = None
                self.counters["cuts"] += 1
                await queue.put((direction.arrival(self.loop.time(), 0), "cut"))
                return
            if mark == "stall_at":
                conn["stall_at"] = None
                self.counters["stalls"] += 1
                conn["ready"] = self.loop.time() + self.stall_seconds

    async def _read(self, reader, queue, conn, direction, counter):
        try:
            while not conn["closed"]:
                data = await reader.read(1460)
                if not data:
                    await queue.put((self.loop.time(), None))
                    return
                await self._forward(queue, conn, direction, data, counter)
        except (ConnectionError, OSError):
            await queue.put((self.loop.time(), None))

    async def _write(self, queue, writer, conn):
        try:
            while True:
                at, data = await queue.get()
                wait = at - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if conn["closed"]:
                    return
                if data == "cut":
                    self._abort(conn)
                    return
                if data is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            self._abort(conn)


# --- the server and the tablet -------------------------------------------------------------

def serve(database: Path, instance: Path) -> tuple[int, object]:
    """Start the app under gunicorn with threads and keep-alive, as nginx in front gives the
    tablets kept-alive connections and streams blob bodies (deploy/nginx); return (port, process)."""
    import os
    import subprocess
    import urllib.request

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SITAMU_DATABASE_URL": f"sqlite:///{database}",
           "SITAMU_INSTANCE_PATH": str(instance), "SITAMU_DATA_KEY": DATA_KEY, "SITAMU_SECRET_KEY": "bench",
           "SITAMU_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8",
                             "--keep-alive", "75", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "server:create_app()"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/time", timeout=0.5):
                return port, proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


def register(desk, i: int, rng: random.Random) -> None:
    """Fill the guest book as a guest: the camera photo and a signature of her own strokes."""
    page = desk.page
    page.click("#start-register")
    page.wait_for_selector("#register-form")
    page.fill("#id_number", f"617101150590{i + 1:04d}")
    page.click("label[for='sex-L']")
    page.fill("#name", f"Tamu Uji {i:03d}")
    page.fill("#phone", f"0812{i:08d}")
    page.fill("#institution", "CV Maju Bersama")
    page.fill("#address", "Jl. Ahmad Yani No. 1, Pontianak")
    page.fill("#purpose", "Konsultasi pengadaan")
    page.fill("#host-search", "03")
    page.click("label.host:has-text('Pejabat 03')")
    page.wait_for_function("() => document.querySelector('video.camera')?.videoWidth > 0")
    page.click("#take-photo")
    page.wait_for_selector(".photo-preview:not([hidden])")
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    w, h = box["width"], box["height"]
    for stroke in range(rng.randint(2, 3)):
        x, y = 0.1 + 0.3 * stroke + rng.random() * 0.05, 0.3 + rng.random() * 0.4
        page.mouse.move(box["x"] + w * x, box["y"] + h * y)
        page.mouse.down()
        for _ in range(rng.randint(8, 14)):
            x = min(0.95, x + rng.random() * 0.04)
            y = min(0.9, max(0.1, y + (rng.random() - 0.5) * 0.35))
            page.mouse.move(box["x"] + w * x, box["y"] + h * y, steps=2)
        page.mouse.up()
    page.check("#consent")
    page.click("#register-submit")
    page.wait_for_selector("#queue-number")
    page.click("#slip-done")


def setup_office(app):
    from server.extensions import db
    from server.models import Host, Office, Service

    with app.app_context():
        office = Office(code="WEAK", name="Kantor Uji Sinyal", timezone="Asia/Jakarta", sop_template="kalbar-2021")
        db.session.add(office)
        db.session.flush()
        for i in range(10):
            db.session.add(Host(office_id=office.id, name=f"Pejabat {i:02d}", position="Kepala Bagian",
                                tier="eselon_4_asn"))
        db.session.add(Service(office_id=office.id, name="Konsultasi"))
        db.session.commit()
        return office.id


def enrol_code(app, office_id: int) -> str:
    from server.api.operations import create_enrollment_code
    from server.extensions import db
    from server.models import Office

    with app.app_context():
        code, _ = create_enrollment_code(db.session.get(Office, office_id), None, "Meja uji")
        return code


STEPS_JS = """async ({n}) => {
  const records = await import('/app/records.js');
  const visits = (await import('/app/db.js'));
  const all = (await visits.all('visits')).filter((v) => v.local?.has_registration);
  const answers = {persyaratan: 4, prosedur: 3, waktu: 4, biaya: 4, produk: 3, kompetensi: 4, perilaku: 4,
                   pengaduan: 3, sarana: 3};
  for (const v of all) {
    await records.recordEvent(v.id, 'verification', {ok: true}, {actor: 'system'});
    await records.recordEvent(v.id, 'host_notified', {channel: 'phone'}, {actor: 'system'});
    await records.recordEvent(v.id, 'admitted', {time_limit_minutes: 30}, {actor: 'system'});
    await records.recordEvent(v.id, 'checked_out', {card_returned: true, ktp_returned: true, locker_returned: false},
                              {actor: 'system'});
    await records.saveSurvey({visit_id: v.id, answers, profile: {gender: 'P', age_band: '30-39', education: 'S1',
                              occupation: 'swasta'}, source: 'kiosk'});
  }
  return all.length;
}"""

OUTBOX_JS = """async () => {
  const db = await import('/app/db.js');
  const entries = await db.all('outbox');
  const out = {records: 0, record_bytes: 0, blobs: [], waiting: entries.length};
  for (const e of entries) {
    if (e.kind === 'blob') {
      const b = await db.get('blobs', e.rid);
      out.blobs.push({sha: e.rid, size: b.data.size, kind: b.kind, type: b.type});
    } else {
      out.records += 1;
      out.record_bytes += new TextEncoder().encode(JSON.stringify(e.body)).length;
      (out[e.kind] = out[e.kind] || []).push(e.rid);
    }
  }
  return out;
}"""


def server_counts(app, device_uid: str, expected: dict) -> dict:
    """Count what the server holds of the tablet's records: missing and doubled."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import Attachment, Device, SurveyResponse, Visit, VisitEvent

    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.uid == device_uid))
        events = set(db.session.scalars(select(VisitEvent.id).where(VisitEvent.device_id == device.id)))
        surveys = set(db.session.scalars(select(SurveyResponse.id).where(
            SurveyResponse.id.in_(expected["survey"]))))
        blobs = {sha: data for sha, data in db.session.execute(
            select(Attachment.sha256, Attachment.data).where(Attachment.sha256.in_(expected["blob"])))}
        visits = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.device_id == device.id))
        doubled_regs = db.session.scalar(select(func.count()).select_from(
            select(VisitEvent.visit_id).where(VisitEvent.device_id == device.id, VisitEvent.kind == "registration")
            .group_by(VisitEvent.visit_id).having(func.count() > 1).subquery()))
        doubled_surveys = db.session.scalar(select(func.count()).select_from(
            select(SurveyResponse.visit_id).where(SurveyResponse.id.in_(expected["survey"]))
            .group_by(SurveyResponse.visit_id).having(func.count() > 1).subquery()))
        db.session.rollback()
    lost = (len(set(expected["event"]) - events) + len(set(expected["survey"]) - surveys)
            + len(set(expected["blob"]) - set(blobs)))
    corrupt = sum(1 for sha, data in blobs.items() if hashlib.sha256(data).hexdigest() != sha)
    duplicated = (len(events - set(expected["event"])) + doubled_regs + doubled_surveys
                  + max(0, visits - expected["visits"]) + corrupt)
    return {"lost": lost, "duplicated": duplicated}


def run_profile(pw, app, office_id, proxy, clip, work, name, visits, timeout, artifacts):
    from tests.pwa.conftest import Desk

    profile = PROFILES[name]
    proxy.set_profile(PROFILES["none"])
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}"])
    context = browser.new_context(viewport={"width": 1180, "height": 820}, locale="id-ID",
                                  timezone_id="Asia/Jakarta", permissions=["camera"])
    desk = Desk(context, f"http://127.0.0.1:{proxy.port}", artifacts)
    desk.enrol(enrol_code(app, office_id))
    device_uid = desk.page.evaluate("async () => (await (await import('/app/db.js')).getMeta('device')).uid")
    context.set_offline(True)
    rng = random.Random(visits)
    for i in range(visits):
        register(desk, i, rng)
    desk.page.evaluate(STEPS_JS, {"n": visits})
    outbox = desk.page.evaluate(OUTBOX_JS)
    expected = {"event": outbox.get("event", []), "survey": outbox.get("survey", []),
                "blob": [b["sha"] for b in outbox["blobs"]], "visits": visits}
    photos = [b["size"] for b in outbox["blobs"] if b["kind"] == "photo"]
    signatures = [b["size"] for b in outbox["blobs"] if b["kind"] == "signature"]
    payload = outbox["record_bytes"] + sum(photos) + sum(signatures)
    needed = math.ceil(outbox["records"] / PUSH_BATCH) + len(outbox["blobs"]) + 1
    proxy.set_profile(profile)
    started = time.monotonic()
    context.set_offline(False)
    drained = False
    counts = {}
    while time.monotonic() - started < timeout:
        time.sleep(0.5)
        counts = server_counts(app, device_uid, expected)
        if counts["lost"] == 0 and desk.page.evaluate(
                "async () => (await (await import('/app/db.js')).all('outbox')).length") == 0:
            drained = True
            break
    drain = time.monotonic() - started
    if drained:
        desk.page.evaluate("location.hash = '#/staff'")
    c = proxy.counters
    up = profile["up_kbit"]
    ideal = payload / (up * 1000 / 8) + needed * profile["rtt_ms"] / 1000 if up else None
    result = {
        "profile": name, "up_kbit": up, "down_kbit": profile["down_kbit"], "rtt_ms": profile["rtt_ms"],
        "cut_rate": profile["cut_rate"], "visits": visits, "records": outbox["records"],
        "blobs": len(outbox["blobs"]), "payload_bytes": payload,
        "photo_bytes": round(sum(photos) / max(1, len(photos))),
        "signature_bytes": round(sum(signatures) / max(1, len(signatures))),
        "link_bytes_up": c["bytes_up"], "link_bytes_down": c["bytes_down"], "connections": c["connections"],
        "requests": c["requests"], "requests_needed": needed, "requests_by_method": c["by_method"],
        "cut_connections": c["cuts"], "stalls": c["stalls"], "retries": max(0, c["requests"] - needed),
        "drained": drained, "drain_seconds": round(drain, 1),
        "ideal_seconds": round(ideal, 1) if ideal else None,
        "ratio": round(drain / ideal, 2) if ideal else None,
        "lost": counts.get("lost"), "duplicated": counts.get("duplicated"),
    }
    context.close()
    browser.close()
    return result


ENCODINGS_JS = """async ({src, sides, qualities}) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const out = [];
  for (const side of sides) {
    const canvas = document.createElement('canvas');
    canvas.width = side; canvas.height = Math.round(side * img.height / img.width);
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    for (const type of ['image/webp', 'image/jpeg']) {
      for (const q of qualities) {
        const blob = await new Promise((r) => canvas.toBlob(r, type, q));
        out.push({side, type: blob.type, quality: q, bytes: blob.size});
      }
    }
  }
  return out;
}"""


def measure_encodings(pw, clip: Path) -> dict:
    """Encode a frame of the camera clip in Chromium as WebP and JPEG at the sizes that matter."""
    import base64
    import io

    from PIL import Image

    width, height = 640, 480
    data = clip.read_bytes()
    frame = data[data.index(b"FRAME\n") + 6:]
    y = Image.frombytes("L", (width, height), frame[:width * height])
    cb = Image.frombytes("L", (width // 2, height // 2), frame[width * height:width * height * 5 // 4])
    cr = Image.frombytes("L", (width // 2, height // 2), frame[width * height * 5 // 4:width * height * 3 // 2])
    image = Image.merge("YCbCr", (y, cb.resize((width, height)), cr.resize((width, height)))).convert("RGB")
    png = io.BytesIO()
    image.save(png, "PNG")
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page()
    rows = page.evaluate(ENCODINGS_JS, {"src": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode(),
                                        "sides": [640, 480, 400, 320], "qualities": [0.5, 0.6, 0.7, 0.8]})
    browser.close()
    table = {}
    for row in rows:
        table.setdefault(f"{row['type'].split('/')[1]} {row['side']} px", {})[str(row["quality"])] = row["bytes"]
    return {"encodings": table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--profiles", default="none,256k,64k")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a drain may take per profile")
    parser.add_argument("--stall-rate", type=float, default=0.0, help="share of requests stalled once")
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--encodings", action="store_true",
                        help="only print the photo's size as WebP and JPEG at several sides and qualities")
    args = parser.parse_args()
    if args.encodings:
        from playwright.sync_api import sync_playwright

        clip = Path(tempfile.mkdtemp(prefix="sitamu-bench-clip-")) / "face.y4m"
        write_clip(clip, frames=1)
        with sync_playwright() as pw:
            print(json.dumps(measure_encodings(pw, clip)))
        return

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from server import create_app

    work = Path(tempfile.mkdtemp(prefix="sitamu-bench-weaklink-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(work / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "SECRET_KEY": "bench",
                      "SITAMU_DATA_KEY": DATA_KEY, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(REPO / "server" / "migrations"))
    office_id = setup_office(app)
    port, server = serve(work / "bench.db", work / "instance")
    proxy = Proxy(port, seed=args.seed)
    proxy.stall_rate, proxy.stall_seconds = args.stall_rate, args.stall_seconds
    clip = work / "face.y4m"
    write_clip(clip)
    with sync_playwright() as pw:
        for name in args.profiles.split(","):
            result = run_profile(pw, app, office_id, proxy, clip, work, name.strip(), args.visits, args.timeout, work)
            print(json.dumps(result), flush=True)
    server.terminate()
    server.wait(10)


if __name__ == "__main__":
    main()
