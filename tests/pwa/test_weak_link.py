"""The desk app on a weak link: photos and signatures small enough for it and still printable,
and network failures while uploading never set a photo aside."""
import base64
import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from bench.weaklink import write_clip
from reports.render import _flat_gray
from server.models import Attachment, Visit
from tests.conftest import CHROMIUM

from .conftest import LANDSCAPE, Desk

BLOBS_JS = """async () => {
  const db = await import('/app/db.js');
  const out = {};
  for (const b of await db.all('blobs')) {
    const bytes = new Uint8Array(await b.data.arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    out[b.kind] = {type: b.type, data: btoa(s)};
  }
  return out;
}"""


@pytest.fixture
def camera_desk(browser, live_server, artifacts, tmp_path, desk_office, enrol_code):
    """An enrolled desk whose camera films the face clip of bench/weaklink.py."""
    clip = tmp_path / "face.y4m"
    write_clip(clip, frames=4)
    data = desk_office("kalbar-2021")
    context = browser.browser_type.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, viewport=LANDSCAPE,
        args=["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}"],
        locale="id-ID", timezone_id="Asia/Jakarta", permissions=["camera"])
    desk = Desk(context, live_server, artifacts)
    desk.enrol(enrol_code(data["office"], data["staff"]))
    yield desk, data
    context.close()


def test_camera_photo_is_a_small_webp_and_the_signature_a_1bit_png_both_printable(camera_desk, artifacts):
    desk, _ = camera_desk
    desk.context.set_offline(True)
    desk.register(name="Siti Aminah", nik="6171014506900001", sex="P", host="Ir. Agus Salim, M.T.", camera=True)
    blobs = {kind: (b["type"], base64.b64decode(b["data"])) for kind, b in desk.page.evaluate(BLOBS_JS).items()}
    photo_type, photo = blobs["photo"]
    sign_type, sign = blobs["signature"]
    assert photo_type == "image/webp" and len(photo) <= 20 * 1024
    picture = Image.open(io.BytesIO(photo))
    assert picture.format == "WEBP" and max(picture.size) == 480
    assert sign_type == "image/png" and len(sign) < 1024
    strokes = Image.open(io.BytesIO(sign))
    assert strokes.mode == "1" and strokes.size == (300, 110)
    # The strokes are there: some ink, mostly paper.
    ink = strokes.convert("L").histogram()[0]
    assert 50 < ink < 300 * 110 // 4
    # The register stamps signatures through Pillow; WeasyPrint reads both.
    assert _flat_gray(sign).getextrema() == (0, 255)
    from weasyprint import HTML

    def uri(kind_type, data):
        return f"data:{kind_type};base64,{base64.b64encode(data).decode()}"

    pdf = HTML(string=f"<img src='{uri(photo_type, photo)}' style='width:40mm'>"
                      f"<img src='{uri(sign_type, sign)}' style='width:17mm'>").write_pdf()
    (artifacts / "weaklink-blobs.pdf").write_bytes(pdf)
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert sorted(img.image.size for img in images) == sorted([picture.size, strokes.size])


def test_network_failures_while_uploading_never_set_a_photo_aside(camera_desk, db):
    desk, data = camera_desk
    page = desk.page
    failed = []

    def flaky(route):
        if len(failed) < 8:  # every blob upload fails for a while, as on a bad link
            failed.append(route.request.method)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/blobs/**", flaky)
    queue = desk.register(name="Budi Santoso", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.",
                          camera=True)
    for _ in range(20):
        page.evaluate("async () => await window.__sitamu.syncNow({again: true})")
        if desk.pending() == 0:
            break
    assert len(failed) == 8
    desk.wait_synced()
    problems = page.evaluate("async () => (await (await import('/app/db.js')).all('problems')).length")
    assert problems == 0
    assert not page.locator("#sync-error").count()
    db.session.expire_all()
    visit = db.session.scalar(select(Visit).where(Visit.queue_number == queue))
    assert db.session.get(Attachment, visit.photo_sha).content_type == "image/webp"
    assert db.session.get(Attachment, visit.signature_sha) is not None


def test_staff_see_what_waits_and_that_nothing_needs_doing_guests_see_no_sync_internals(camera_desk):
    desk, data = camera_desk
    page = desk.page
    desk.context.set_offline(True)
    for name, nik in (("Siti Aminah", "6171014506900001"), ("Rina Wati", "6171014506900002")):
        desk.register(name=name, nik=nik, sex="P", host="Ir. Agus Salim, M.T.", camera=True)
        page.click("#slip-done")
    assert not page.is_visible("#sync-progress")  # the kiosk: a guest holds the tablet
    desk.login(data["staff"])
    progress = page.locator("#sync-progress")
    assert progress.text_content() == "2 catatan, 4 foto/tanda tangan"
    assert progress.get_attribute("title") == "Terkirim sendiri bila sinyal ada, tidak perlu tindakan"
    desk.shot("weaklink-staff-waiting")
    desk.context.set_offline(False)
    # A slow link (Chromium's network emulation): once a photo has gone up, the time left shows.
    cdp = desk.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 300,
                                                  "uploadThroughput": 2000, "downloadThroughput": 8000})
    page.evaluate("() => { window.__sitamu.syncNow({again: true}); }")
    page.wait_for_function("() => /sisa ±/.test(document.querySelector('#sync-progress')?.textContent || '')",
                           timeout=60_000)
    assert progress.get_attribute("data-eta").isdigit()
    assert not page.locator("#sync-error").count()
    desk.shot("weaklink-staff-time-left")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "uploadThroughput": -1, "downloadThroughput": -1})
    desk.sync()
    page.wait_for_function("() => document.querySelector('#sync-progress')?.textContent === 'Semua data terkirim'")
    assert not page.locator("#sync-error").count()
    desk.shot("weaklink-staff-all-sent")
