"""After the browser is closed and opened again with no internet, the desk app opens from its
service worker, keeps its enrolment and data, and works; what it recorded syncs later."""
from sqlalchemy import select

from server.models import Visit
from tests.conftest import CHROMIUM

from .conftest import LANDSCAPE, Desk

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def test_app_opens_and_works_offline_after_a_browser_restart(browser, live_server, artifacts, tmp_path,
                                                             desk_office, enrol_code, db):
    data = desk_office("kaltim-2022", name="Dinas Perindagkop UKM")
    profile = tmp_path / "chromium-profile"
    launch = dict(user_data_dir=str(profile), executable_path=CHROMIUM, args=ARGS, viewport=LANDSCAPE,
                  locale="id-ID", timezone_id="Asia/Makassar")

    context = browser.browser_type.launch_persistent_context(**launch)
    desk = Desk(context, live_server, artifacts)
    desk.enrol(enrol_code(data["office"], data["staff"]))
    context.close()

    # Browser restarted with the network down: a fresh open of the app.
    context = browser.browser_type.launch_persistent_context(**launch)
    try:
        context.set_offline(True)
        desk = Desk(context, live_server, artifacts)
        desk.open()
        desk.page.wait_for_selector("#start-register")
        assert desk.page.text_content("#net-state").startswith("Luring")
        queue = desk.register(name="Rahmat Hidayat", nik="6471011505900001", sex="L", service="Konsultasi Pengadaan")
        assert queue == "A-001"
        desk.page.click("#slip-done")
        desk.login(data["staff"])  # the PIN is checked offline
        desk.open_visit(queue)
        # Kaltim's SOP: reception at the lobby is the first step still to do.
        assert desk.page.get_attribute(".step.current", "data-step") == "terima_di_lobby"
        desk.act("#act-step-done")
        assert desk.pending() > 0
        desk.shot("restart-offline-visit")
    finally:
        context.close()

    context = browser.browser_type.launch_persistent_context(**launch)
    try:
        desk = Desk(context, live_server, artifacts)
        desk.open()
        desk.wait_synced()
    finally:
        context.close()
    db.session.expire_all()
    visit = db.session.scalar(select(Visit))
    assert visit.name == "Rahmat Hidayat"
    assert "terima_di_lobby" in (visit.state or {}).get("steps", {})
