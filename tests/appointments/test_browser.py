"""In Chromium: book on a 390 px phone, approve as the aide in the host inbox, see the ticket."""

import pytest

from server.models import Appointment
from tests.appointments.conftest import fill_guest, next_weekday


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
    page.locator("#date").dispatch_event("change")
    page.check("#slot-options input[value='10:00']")
    fill_guest(page)
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


def test_the_phone_lists_the_chosen_dates_free_slots_as_the_guest_picks(
    live_server, phone, db, booking_office, booked, artifacts
):
    office, service, host = booking_office
    day = next_weekday(office)
    booked(office, f"h{host.id}", day, "10:00")
    page = phone
    page.goto(f"{live_server}/janji/{office.code}")
    assert page.locator("#show-slots").count() == 0  # the script lists the slots by itself
    assert page.locator("#slot-options input").count() == 0
    page.select_option("#target", f"h{host.id}")
    page.fill("#date", day.isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slot-options input[value='09:30']")
    times = page.eval_on_selector_all("#slot-options input", "els => els.map((e) => e.value)")
    assert "10:00" not in times and "09:00" in times
    assert page.inner_text("label:has(input[value='09:30'])").split() == [
        "09:30",
        "sisa",
        "1",
        "tempat",
    ]
    assert "Jam yang masih kosong pada Selasa" in page.inner_text("#slots-note")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "appointments-free-slots-390.png"), full_page=True)
    # The service takes two a slot; a Sunday has none and says why.
    page.select_option("#target", f"s{service.id}")
    page.wait_for_selector("label:has(input[value='10:00']):has-text('sisa 2 tempat')")
    page.fill("#date", next_weekday(office, weekday=6).isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slots-note:has-text('tidak melayani janji temu')")
    assert page.locator("#slot-options input").count() == 0
    page.screenshot(path=str(artifacts / "appointments-free-slots-closed-390.png"), full_page=True)
    # A reload keeps the choice (the script wrote it into the address).
    page.fill("#date", day.isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slot-options input[value='10:00']")
    page.reload()
    assert page.locator("#slot-options input[value='10:00']").count() == 1
    page.goto(f"{live_server}/janji/{office.code}?target=s{service.id}&date={day}&lang=en")
    assert page.inner_text("label:has(input[value='10:00'])").split() == [
        "10:00",
        "places",
        "left:",
        "2",
    ]


def test_without_javascript_the_guest_sees_the_free_slots_and_books(
    live_server, browser, db, booking_office, booked, artifacts
):
    office, _, host = booking_office
    day = next_weekday(office)
    booked(office, f"h{host.id}", day, "10:00")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/janji/{office.code}")
        page.select_option("#target", f"h{host.id}")
        page.fill("#date", day.isoformat())
        page.click("#show-slots")
        page.wait_for_selector("#slot-options input[value='09:30']")
        assert page.locator("#slot-options input[value='10:00']").count() == 0
        assert "NIK" not in page.url and f"date={day}" in page.url
        page.screenshot(
            path=str(artifacts / "appointments-free-slots-nojs-390.png"), full_page=True
        )
        page.check("#slot-options input[value='09:30']")
        page.fill("#id_number", "6171014506900002")
        page.fill("#name", "Budi Hartono")
        page.fill("#phone", "081255550102")
        page.fill("#purpose", "Audiensi")
        page.check("#consent")
        page.click("button.primary")
        page.wait_for_selector("[data-testid=appointment-status][data-status=pending]")
    finally:
        context.close()
    assert (
        db.session.scalar(db.select(Appointment).where(Appointment.name == "Budi Hartono")).time
        == "09:30"
    )


def test_the_booking_page_with_its_slots_and_errors_passes_axe(
    live_server, browser, db, booking_office, artifacts
):
    from tests.pwa.test_accessibility import axe_problems

    office, _, host = booking_office
    day = next_weekday(office)
    # axe is injected as an inline script, which the app's CSP rightly forbids: bypass it here only.
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    found = {}
    try:
        page = context.new_page()
        page.goto(f"{live_server}/janji/{office.code}?target=h{host.id}&date={day}")
        page.wait_for_selector("#slot-options input[value='09:00']")
        found["slots"] = axe_problems(page)
        page.check("#slot-options input[value='09:00']")
        page.click("button.primary")  # nothing else filled: every field says what it needs
        page.wait_for_selector(".field-error")
        page.screenshot(path=str(artifacts / "appointments-booking-errors-390.png"), full_page=True)
        found["errors"] = axe_problems(page)
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_the_phone_asks_for_another_free_time_and_the_language_switch_keeps_the_date(
    live_server, phone, db, booking_office, booked, artifacts
):
    office, _, host = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"h{host.id}", day, "10:00")
    booked(office, f"h{host.id}", day, "09:00", id_number="6171014506900002")  # someone else
    page = phone
    page.goto(f"{live_server}/janji/s/{token}")
    assert page.locator("#show-slots").count() == 0  # the script lists the slots by itself
    assert page.inner_text("#slots-note") == "Pilih tanggal, lalu lihat jam yang masih kosong."
    page.fill("#date", day.isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slot-options input[value='09:30']")
    times = page.eval_on_selector_all("#slot-options input", "els => els.map((e) => e.value)")
    assert "09:00" not in times and "10:00" not in times and "08:00" in times  # full; its own
    assert "Jam yang masih kosong pada Selasa" in page.inner_text("#slots-note")
    assert token in page.url and f"date={day}" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#change").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "appointments-change-slots-390.png"), full_page=True)
    # A Sunday has none and says why.
    page.fill("#date", next_weekday(office, weekday=6).isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slots-note:has-text('tidak melayani janji temu')")
    assert page.locator("#slot-options input").count() == 0
    # English keeps the chosen date and its list.
    page.fill("#date", day.isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slot-options input[value='09:30']")
    page.click("a[data-lang-switch][lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.input_value("#date") == day.isoformat()
    assert page.inner_text("label:has(input[value='11:00'])").split() == [
        "11:00", "places", "left:", "1"
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "appointments-change-slots-en-390.png"), full_page=True)
    page.check("#slot-options input[value='11:00']")
    page.fill("#c-note", "Sesudah rapat pagi")
    page.click("#change-form button[type=submit]")
    page.wait_for_selector("[data-testid=appointment-status][data-status=pending]")
    db.session.refresh(appointment)
    assert appointment.requested_change == f"{day.isoformat()} 11:00"


def test_the_language_switch_keeps_the_booking_pages_choice(
    live_server, phone, db, booking_office, artifacts
):
    office, service, _ = booking_office
    day = next_weekday(office)
    page = phone
    page.goto(f"{live_server}/janji/{office.code}")
    page.select_option("#target", f"s{service.id}")
    page.fill("#date", day.isoformat())
    page.locator("#date").dispatch_event("change")
    page.wait_for_selector("#slot-options input[value='10:00']")
    page.click("a[data-lang-switch][lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.input_value("#target") == f"s{service.id}"
    assert page.input_value("#date") == day.isoformat()
    assert "places left: 2" in page.inner_text("#slot-options")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "appointments-booking-en-390.png"), full_page=True)
    page.click("a[data-lang-switch][lang=id]")
    page.wait_for_selector("html[lang=id]")
    assert "sisa 2 tempat" in page.inner_text("#slot-options")


def test_without_javascript_the_status_page_lists_a_dates_free_slots(
    live_server, browser, db, booking_office, booked, artifacts
):
    office, _, host = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"h{host.id}", day, "10:00")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/janji/s/{token}")
        page.fill("#date", day.isoformat())
        page.click("#show-slots")
        page.wait_for_selector("#slot-options input[value='09:30']")
        assert page.locator("#slot-options input[value='10:00']").count() == 0
        page.screenshot(
            path=str(artifacts / "appointments-change-slots-nojs-390.png"), full_page=True
        )
        page.check("#slot-options input[value='09:30']")
        page.click("#change-form button[type=submit]")
        page.wait_for_selector("[data-testid=appointment-status][data-status=pending]")
    finally:
        context.close()
    db.session.refresh(appointment)
    assert appointment.requested_change == f"{day.isoformat()} 09:30"


def test_the_status_pages_change_form_with_slots_and_errors_passes_axe(
    live_server, browser, db, booking_office, booked, artifacts
):
    from tests.pwa.test_accessibility import axe_problems

    office, _, host = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"h{host.id}", day, "10:00")
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    found = {}
    try:
        page = context.new_page()
        page.goto(f"{live_server}/janji/s/{token}?date={day}")
        page.wait_for_selector("#slot-options input[value='09:00']")
        found["slots"] = axe_problems(page)
        page.click("#change-form button[type=submit]")  # no time chosen: the list says so
        page.wait_for_selector("#time-error")
        found["time error"] = axe_problems(page)
        page.goto(f"{live_server}/janji/s/{token}?date=8-12-2026")
        page.wait_for_selector("#date-error")
        page.screenshot(path=str(artifacts / "appointments-change-errors-390.png"), full_page=True)
        found["date error"] = axe_problems(page)
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}
