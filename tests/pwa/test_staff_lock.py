"""Staff mode locks when a guest takes the tablet (kiosk, survey) and after the office's idle
minutes; the PIN is asked again to return."""
from server.extensions import db as _db

from .conftest import PIN

KALTIM_NIK = "6471054107900003"


def walk_to_survey(desk):
    """Tick the current step until the visit screen offers the SKM survey."""
    page = desk.page
    for _ in range(12):
        link = page.locator("a[href^='#/survey/']")
        if link.count():
            return link.first
        desk.act(".step.current .action .btn.primary")
    raise AssertionError("the visit never offered the survey")


def test_staff_mode_asks_for_the_pin_again_after_a_guest_fills_the_survey(desk_office, enrol_code, desk_factory):
    data = desk_office("kaltim-2022", name="Disperindagkop UKM")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    page = desk.page
    queue = desk.register(name="Siti Aminah", nik=KALTIM_NIK, service="Konsultasi Pengadaan")
    page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    walk_to_survey(desk).click()
    page.wait_for_selector("#survey-start")
    page.click("#survey-start")
    for _ in range(9):
        page.click("button.answer[data-score='4']")
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")
    # The guest hands the tablet back; whoever taps "Mode Petugas" must type a PIN.
    page.click("a[href='#/staff']")
    page.wait_for_selector("#login-form")
    assert page.locator(".board").count() == 0
    desk.shot("staff-lock-after-survey")
    page.select_option("#staff-select", value=str(data["staff"].id))
    page.fill("#staff-pin", PIN)
    page.click("#login-submit")
    page.wait_for_selector(".board")


def test_kiosk_mode_locks_staff_mode(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.login(data["staff"])
    page = desk.page
    page.click("a[href='#/kiosk']")
    page.wait_for_selector("#start-register")
    page.evaluate("location.hash = '#/staff'")
    page.wait_for_selector("#login-form")
    assert page.locator(".board").count() == 0


def test_staff_mode_locks_after_the_offices_idle_minutes(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    data["office"].staff_lock_minutes = 2
    _db.session.commit()
    desk = desk_factory()
    desk.context.clock.install()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    assert desk.page.evaluate("async () => (await window.__sitamu.app.office()).staff_lock_minutes") == 2
    desk.login(data["staff"])
    page = desk.page
    page.clock.run_for(60_000)
    assert page.locator(".board").count() == 1
    page.clock.run_for(90_000)
    page.wait_for_selector("#login-form")
    assert page.locator(".board").count() == 0
    desk.shot("staff-lock-idle")
    # The PIN brings the staff member back to the board.
    page.select_option("#staff-select", value=str(data["staff"].id))
    page.fill("#staff-pin", PIN)
    page.click("#login-submit")
    page.wait_for_selector(".board")


def test_a_touch_after_the_tablet_slept_locks_before_it_acts(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.context.clock.install()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.login(data["staff"])
    page = desk.page
    # A sleeping tablet runs no timers: the clock jumps without firing them.
    now = page.evaluate("Date.now()")
    page.clock.set_system_time(now + 6 * 60_000)
    page.click("#go-reconcile")
    page.wait_for_selector("#login-form")
    assert page.locator(".reconcile").count() == 0
