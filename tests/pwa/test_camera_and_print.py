"""The guest photo comes from the tablet camera, scaled to a small WebP; the slip prints alone."""
from sqlalchemy import select

from server.models import Attachment, Visit
from tests.conftest import CHROMIUM

from .conftest import LANDSCAPE, Desk

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def test_photo_from_the_camera_is_scaled_and_the_slip_prints_alone(browser, live_server, artifacts, tmp_path,
                                                                    desk_office, enrol_code, db):
    data = desk_office("kalbar-2021")
    context = browser.browser_type.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, viewport=LANDSCAPE,
        locale="id-ID", timezone_id="Asia/Jakarta", permissions=["camera"])
    try:
        desk = Desk(context, live_server, artifacts)
        desk.enrol(enrol_code(data["office"], data["staff"]))
        page = desk.page
        page.click("#start-register")
        page.wait_for_selector("#take-photo:not([hidden])")
        page.wait_for_function("() => document.querySelector('video.camera').videoWidth > 0")
        page.click("#take-photo")
        page.wait_for_selector(".photo-preview:not([hidden])")
        desk.shot("register-camera")
        page.click("a.btn:has-text('Batal')")
        queue = desk.register(name="Budi Santoso", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.",
                              camera=True)
        page.emulate_media(media="print")
        desk.shot("slip-print")
        assert not page.is_visible("#statusbar")
        assert page.is_visible("#queue-number")
        page.emulate_media(media="screen")
        desk.sync()
    finally:
        context.close()
    db.session.expire_all()
    visit = db.session.scalar(select(Visit).where(Visit.queue_number == queue))
    photo = db.session.get(Attachment, visit.photo_sha)
    # A small WebP (pwa/encode.js): what a weak mobile link can carry.
    assert photo.content_type == "image/webp"
    assert photo.size <= 20 * 1024
    assert photo.data[:4] == b"RIFF" and photo.data[8:12] == b"WEBP"
