"""A tablet whose browser has no BarcodeDetector (Windows, Linux) enrols by scanning the admin's
QR with its camera: Chromium's fake camera plays a video of the QR, the vendored jsQR reads it."""
import io

import segno
from PIL import Image
from sqlalchemy import select

from server.api.operations import enrollment_url
from server.models import Device
from tests.conftest import CHROMIUM

from .conftest import LANDSCAPE, Desk

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def write_y4m(path, frame: Image.Image, frames: int = 3) -> None:
    """Write `frame` as a short YUV 4:2:0 video (Y4M), the format Chromium's fake camera plays."""
    width, height = frame.size
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def camera_frame(text: str) -> Image.Image:
    """A 640x480 camera picture of the admin screen's QR (as the admin page draws it, with segno)."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    qr = Image.open(png).convert("RGB")
    frame = Image.new("RGB", (640, 480), (182, 186, 190))
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    return frame


def test_tablet_without_barcode_detector_enrols_by_scanning(browser, live_server, artifacts, tmp_path,
                                                            desk_office, enrol_code, db):
    data = desk_office("kalbar-2021")
    code = enrol_code(data["office"], data["staff"])
    url = enrollment_url(code)
    assert f"#enroll={code}" in url
    frame = camera_frame(url)
    frame.save(artifacts / "pwa-enrol-scan-camera.png")
    video = tmp_path / "qr.y4m"
    write_y4m(video, frame)
    context = browser.browser_type.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, viewport=LANDSCAPE,
        args=ARGS + [f"--use-file-for-fake-video-capture={video}"],
        locale="id-ID", timezone_id="Asia/Jakarta", permissions=["camera"])
    # As on Windows and Linux tablets: no BarcodeDetector, whatever this Chromium build offers.
    context.add_init_script("delete window.BarcodeDetector;")
    try:
        desk = Desk(context, live_server, artifacts)
        desk.open()
        page = desk.page
        page.wait_for_selector("#enroll-code")
        assert page.evaluate("'BarcodeDetector' in window") is False
        assert page.input_value("#enroll-code") == ""
        # The decoder is not loaded with the app shell, only when scanning starts.
        loaded = lambda: [r for r in page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
                          if r.endswith("/vendor/jsqr.js")]
        assert loaded() == []
        page.fill("#enroll-name", "Meja depan 2")
        page.click("#enroll-scan")
        page.wait_for_function("(code) => document.querySelector('#enroll-code').value === code", arg=code,
                               timeout=20_000)
        assert page.get_attribute("#enroll-scanner", "data-decoder") == "jsqr"
        assert loaded()
        assert code in page.text_content("#enroll-message")
        assert page.is_hidden("#enroll-scanner")  # the camera is off again
        desk.shot("enrol-scanned")
        page.click("#enroll-submit")
        page.wait_for_selector("#start-register")
        desk.wait_synced()
    finally:
        context.close()
    db.session.expire_all()
    device = db.session.scalar(select(Device).where(Device.office_id == data["office"].id))
    assert device.name == "Meja depan 2" and device.revoked_at is None
