"""In Chromium: book on a 390 px phone, approve as the aide in the host inbox, see the ticket."""

import pytest

from server.models import Appointment
from tests.appointments.conftest import NIK, next_weekday


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )
    yield context.new_page()
    context.close()


def test_book_on_a_phone_then_the_aide_approves_in_the_inbox(
    live_server, phone, browser, db, booking_office, make_user, artifacts
):
    office, _, host = booking_office
    aide = make_user("host", office=office, host_id=host.id, username="agendaris.janji")
    day = next_weekday(office)
    page = phone
    page.goto(f"{live_server}/janji/{office.code}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.select_option("#target", f"h{host.id}")
    page.fill("#date", day.isoformat())
    page.select_option("#time", "10:00")
    page.fill("#id_number", NIK)
    page.fill("#name", "Siti Aminah")
    page.fill("#phone", "081255550101")
    page.fill("#email", "siti@example.com")
    page.fill("#institution", "CV Maju")
    page.fill("#purpose", "Audiensi pengadaan barang")
    page.check("#consent")
    page.screenshot(path=str(artifacts / "appointments-booking-390.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=appointment-status][data-status=pending]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "appointments-status-pending-390.png"), full_page=True)
    status_url = page.url
    appointment = db.session.scalar(db.select(Appointment))
    assert page.inner_text("[data-testid=code]") == appointment.code

    desk = browser.new_context(viewport={"width": 1200, "height": 900})
    inbox = desk.new_page()
    inbox.goto(f"{live_server}/login")
    inbox.fill("#username", aide.username)
    inbox.fill("#password", "password123")
    inbox.click("button[type=submit]")
    inbox.goto(f"{live_server}/host/")
    card = inbox.locator(f"[data-testid=pending-appointment][data-appointment='{appointment.id}']")
    assert "Siti Aminah" in card.inner_text() and "Audiensi pengadaan barang" in card.inner_text()
    card.scroll_into_view_if_needed()
    inbox.screenshot(path=str(artifacts / "appointments-host-inbox.png"), full_page=True)
    card.get_by_role("button", name="Setujui").click()
    inbox.wait_for_load_state()
    desk.close()

    page.goto(status_url)
    page.wait_for_selector("[data-testid=appointment-status][data-status=approved]")
    assert page.get_by_role("link", name="Unduh tiket (PDF)").is_visible()
    page.screenshot(path=str(artifacts / "appointments-status-approved-390.png"), full_page=True)
    page.goto(f"{status_url}?lang=en")
    assert page.get_by_role("link", name="Download ticket (PDF)").is_visible()
