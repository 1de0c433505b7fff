"""Issue 15's journey in one browser test: a guest books on a 390x844 phone, the aide approves
in the host inbox, the ticket PDF is read back, its printed QR is held up to the camera of a desk
tablet that is offline and last synced before the booking, the guest checks in, the tablet
syncs, and the admin's visit list and the host inbox show the appointment guest arrived."""

import json
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from server.appointments import operations as ops
from server.appointments.tickets import office_private_key, public_jwk, verify_ticket
from server.models import Appointment, Notification
from tests.appointments.conftest import NIK, fill_guest
from tests.conftest import CHROMIUM
from tests.pwa.conftest import LANDSCAPE, Desk
from tests.pwa.test_checkin import assert_pulled, finish_guest_book, server_visits
from tests.pwa.test_checkin_camera import write_frames
from tests.pwa.test_enrol_scan import ARGS

JSQR = Path(__file__).resolve().parents[2] / "pwa" / "vendor" / "jsqr.js"
DESK_GREY = (196, 192, 186)


def find_qr(png: Path) -> tuple[str, tuple[int, int, int, int]]:
    """Return the text of the QR in a picture and its box, read by the desk's own jsQR."""
    image = Image.open(png).convert("RGBA")
    with tempfile.NamedTemporaryFile(suffix=".rgba", delete=False) as raw:
        raw.write(image.tobytes())
    script = (
        f"import jsQR from {json.dumps(str(JSQR))}; import fs from 'fs';"
        f"const d = new Uint8ClampedArray(fs.readFileSync({json.dumps(raw.name)}));"
        f"const r = jsQR(d, {image.width}, {image.height});"
        "process.stdout.write(JSON.stringify(r && {data: r.data, at: r.location}));"
    )
    try:
        out = subprocess.run(
            ["node", "--input-type=module", "-e", script],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(raw.name).unlink()
    found = json.loads(out.stdout or "null")
    assert found, f"no QR in {png.name}: {out.stderr}"
    corners = [found["at"][k] for k in found["at"] if k.endswith("Corner")]
    xs, ys = [c["x"] for c in corners], [c["y"] for c in corners]
    return found["data"], (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))


def held_up(page_png: Path, box) -> Image.Image:
    """A 640x480 camera picture of the printed ticket's QR (with its quiet zone) at the desk."""
    left, top, right, bottom = box
    margin = (right - left) // 4
    qr = (
        Image.open(page_png)
        .convert("RGB")
        .crop((left - margin, top - margin, right + margin, bottom + margin))
    )
    qr.thumbnail((400, 400))
    frame = Image.new("RGB", (640, 480), DESK_GREY)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    return frame


def log_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("#username", user.username)
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_book_approve_print_scan_offline_check_in_sync_and_see_it_arrive(
    live_server, browser, db, desk_office, enrol_code, make_user, artifacts, tmp_path
):
    data = desk_office(code="JALAN1", email="kantor@example.go.id")
    office, staff = data["office"], data["staff"]
    # Open round the clock in 10-minute slots, so "today" has a slot still ahead (all but the
    # day's last 10 minutes, 23:50-24:00 local: the known midnight window).
    office.booking = {"hours": {str(d): ["00:00", "24:00"] for d in range(7)}, "slot_minutes": 10}
    host = data["hosts"][0]
    host.booking_mode, host.booking_capacity, host.email = "approval", 1, "biro@example.go.id"
    aide = make_user("host", office=office, host_id=host.id, username="agendaris.jalan")
    admin = make_user("office_admin", office=office, username="admin.jalan")
    office_private_key(office)  # the ticket key, so the desk's first pull carries its public half
    db.session.commit()
    jwk = public_jwk(office)

    # The desk tablet: its camera will play the video written below once the ticket exists
    # (an empty desk until then); it enrols, syncs, and goes offline before anyone books.
    video = tmp_path / "camera.y4m"
    write_frames(video, [Image.new("RGB", (640, 480), DESK_GREY)] * 5)
    tablet = browser.browser_type.launch_persistent_context(
        user_data_dir=str(tmp_path / "tablet"),
        executable_path=CHROMIUM,
        viewport=LANDSCAPE,
        args=[*ARGS, f"--use-file-for-fake-video-capture={video}"],
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        permissions=["camera"],
    )
    tablet.add_init_script("delete window.BarcodeDetector;")  # jsQR, as on Windows and Linux
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )
    staff_desk = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        desk = Desk(tablet, live_server, artifacts)
        desk.enrol(enrol_code(office, staff))
        tablet.set_offline(True)
        last_sync = datetime.now(UTC)
        assert_pulled(desk, jwk)

        # 1. The guest books today's first free slot on a phone.
        page = phone.new_page()
        page.goto(f"{live_server}/janji/{office.code}")
        page.select_option("#target", f"h{host.id}")
        today = datetime.now(office.tz).date()
        page.fill("#date", today.isoformat())
        page.locator("#date").dispatch_event("change")
        first = page.locator("#slot-options input").first
        first.wait_for()
        slot = first.get_attribute("value")
        assert slot > datetime.now(office.tz).strftime("%H:%M")  # no past time offered
        first.check()
        fill_guest(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts / "journey-1-booking-390.png"), full_page=True)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=appointment-status][data-status=pending]")
        status_url = page.url
        appointment = db.session.scalar(db.select(Appointment))
        assert appointment.created_at > last_sync  # booked after the tablet's last sync
        assert (appointment.date, appointment.time) == (today, slot)

        # 2. The aide (agendaris) approves it in the host inbox.
        inbox = staff_desk.new_page()
        log_in(inbox, live_server, aide)
        inbox.goto(f"{live_server}/host/")
        card = inbox.locator(
            f"[data-testid=pending-appointment][data-appointment='{appointment.id}']"
        )
        assert "Siti Aminah" in card.inner_text()
        card.get_by_role("button", name="Setujui").click()
        inbox.wait_for_load_state()
        db.session.expire_all()
        assert db.session.get(Appointment, appointment.id).status == "approved"

        # 3. The guest downloads the ticket PDF; it reads back with date, time, host and queue.
        page.goto(status_url)
        link = page.get_by_role("link", name="Unduh tiket (PDF)")
        response = phone.request.get(f"{live_server}{link.get_attribute('href')}")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        pdf = tmp_path / "tiket.pdf"
        pdf.write_bytes(response.body())
        (artifacts / "journey-3-ticket.pdf").write_bytes(response.body())
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        db.session.refresh(appointment)
        queue = appointment.queue
        assert queue.startswith("J-")  # the appointment queue letter
        for shown in (ops.date_text(today), slot, host.name, queue, appointment.code):
            assert shown in text, shown
        assert NIK not in text and "0812" not in text

        # 4. The printed QR, read back from the page's picture, is the signed ticket.
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "tiket")],
            check=True,
        )
        page_png = tmp_path / "tiket.png"
        (artifacts / "journey-3-ticket.png").write_bytes(page_png.read_bytes())
        ticket, box = find_qr(page_png)
        assert verify_ticket(ticket, jwk) == {
            "a": appointment.id,
            "o": office.code,
            "d": today.isoformat(),
            "t": slot,
            "q": queue,
        }

        # 5. The guest holds the printed QR up to the offline tablet's camera.
        frame = held_up(page_png, box)
        frame.save(artifacts / "journey-4-camera-frame.png")
        assert find_qr(artifacts / "journey-4-camera-frame.png")[0] == ticket
        write_frames(video, [Image.new("RGB", frame.size, DESK_GREY)] * 10 + [frame] * 10)
        assert_pulled(desk, jwk, absent=[appointment])  # the tablet never heard of it
        desk.login(staff)
        tab = desk.page
        tab.click("#go-checkin")
        tab.click("#checkin-scan")
        tab.wait_for_selector("#register-form", timeout=30_000)
        banner = tab.text_content("#appointment-banner")
        assert queue in banner and slot in banner
        desk.shot("journey-5-checkin-prefilled")
        assert (
            finish_guest_book(
                desk, name="Siti Aminah", purpose="Audiensi pengadaan barang", host=host.name
            )
            == queue
        )
        desk.shot("journey-5-checked-in")
        assert server_visits(appointment.id) == []  # nothing reached the server while offline

        # 6. Online again, the tablet syncs: the visit is the appointment's check-in.
        tablet.set_offline(False)
        desk.sync()
        (visit,) = server_visits(appointment.id)
        assert visit.state["by_appointment"] is True and visit.name == "Siti Aminah"
        assert not visit.state.get("appointment_duplicate")
        db.session.refresh(appointment)
        assert (appointment.status, appointment.checked_in_visit_id) == ("checked_in", visit.id)

        # 7. The admin's visit list marks it as by appointment ...
        admin_page = browser.new_page()
        log_in(admin_page, live_server, admin)
        admin_page.goto(f"{live_server}/admin/visits")
        row = admin_page.locator("tr", has=admin_page.locator(f"a[href$='/{visit.id}']"))
        assert row.locator("[data-testid=by-appointment]").inner_text() == "janji temu"
        assert queue in row.inner_text()
        admin_page.screenshot(path=str(artifacts / "journey-7-admin-visits.png"), full_page=True)
        admin_page.close()

        # ... and the host inbox says the appointment guest arrived (and an e-mail is queued).
        inbox.goto(f"{live_server}/host/")
        today_row = inbox.locator(
            f"[data-testid=today-appointment][data-appointment='{appointment.id}']"
        )
        assert today_row.get_attribute("data-status") == "checked_in"
        assert "Tamu janji temu sudah tiba pukul" in today_row.inner_text()
        today_row.scroll_into_view_if_needed()
        inbox.screenshot(path=str(artifacts / "journey-7-host-inbox.png"), full_page=True)
        note = db.session.scalar(
            db.select(Notification).where(
                Notification.appointment_id == appointment.id,
                Notification.subject.like("Tamu janji temu tiba%"),
            )
        )
        assert note is not None and note.recipient == "biro@example.go.id"
    finally:
        phone.close()
        staff_desk.close()
        tablet.close()
