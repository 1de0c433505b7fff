"""An offline desk checks in a guest by scanning the ticket's QR with its camera: Chromium's fake
camera plays a video of the printed QR, the vendored jsQR reads it (no BarcodeDetector, as on
Windows and Linux tablets), WebCrypto verifies the signature with the office's key."""
import io

import segno
from PIL import Image

from tests.conftest import CHROMIUM

from .conftest import LANDSCAPE, Desk
from .test_checkin import assert_pulled, finish_guest_book, make_appointment, server_visits, ticket_office  # noqa: F401 (fixtures)
from .test_enrol_scan import ARGS


def write_frames(path, frames: list[Image.Image]) -> None:
    """Write pictures as a YUV 4:2:0 video (Y4M) at 10 frames a second; Chromium's fake camera loops it."""
    width, height = frames[0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, cb, cr = frame.convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())


def ticket_frame(text: str) -> Image.Image:
    """A 640x480 camera picture of a ticket's QR held up to the tablet."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=5, border=4)
    qr = Image.open(png).convert("RGB")
    frame = Image.new("RGB", (640, 480), (196, 192, 186))
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    return frame


def test_offline_desk_checks_in_by_scanning_the_ticket_qr(browser, live_server, artifacts, tmp_path, ticket_office,  # noqa: F811
                                                          make_appointment, enrol_code):  # noqa: F811
    data = ticket_office()
    office = data["office"]
    booked = make_appointment(office, host=data["hosts"][0], name="Tamu Kamera", institution="Universitas Tanjungpura",
                              purpose="Wawancara penelitian")
    text = data["sign"](booked)
    frame = ticket_frame(text)
    frame.save(artifacts / "pwa-checkin-camera-frame.png")
    video = tmp_path / "ticket.y4m"
    # Two seconds of the empty desk, then the ticket held up: the scanner shows the camera meanwhile.
    write_frames(video, [Image.new("RGB", frame.size, (196, 192, 186))] * 20 + [frame] * 5)
    context = browser.browser_type.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, viewport=LANDSCAPE,
        args=ARGS + [f"--use-file-for-fake-video-capture={video}"],
        locale="id-ID", timezone_id="Asia/Jakarta", permissions=["camera"])
    context.add_init_script("delete window.BarcodeDetector;")
    try:
        desk = Desk(context, live_server, artifacts)
        desk.enrol(enrol_code(office, data["staff"]))
        context.set_offline(True)
        assert_pulled(desk, data["jwk"], [booked])
        desk.login(data["staff"])
        page = desk.page
        page.click("#go-checkin")
        page.wait_for_selector("#checkin-scan")
        page.click("#checkin-scan")
        page.wait_for_function("() => document.querySelector('#checkin-scanner')?.videoWidth > 0")
        assert "kode QR" in page.text_content("#checkin-result")
        desk.shot("checkin-scan")
        page.wait_for_selector("#register-form", timeout=20_000)
        assert page.input_value("#name") == "Tamu Kamera"
        assert page.input_value("#institution") == "Universitas Tanjungpura"
        queue = finish_guest_book(desk)
        assert queue == booked.queue
        context.set_offline(False)
        desk.sync()
        (visit,) = server_visits(booked.id)
        assert visit.state["by_appointment"] is True and visit.name == "Tamu Kamera"
    finally:
        context.close()
