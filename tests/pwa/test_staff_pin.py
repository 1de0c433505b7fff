"""Staff PINs are checked offline; five wrong PINs in a row lock staff mode for a minute."""
from .conftest import PIN


def test_wrong_pins_lock_staff_mode(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.context.set_offline(True)
    page = desk.page
    page.evaluate("location.hash = '#/staff'")
    page.wait_for_selector("#login-form")
    for attempt in range(5):
        page.fill("#staff-pin", f"000{attempt}")
        page.click("#login-submit")
        page.wait_for_function("(n) => document.querySelector('#pin-message').textContent.length > 0", arg=attempt)
        assert "PIN salah" in page.text_content("#pin-message")
        page.evaluate("document.querySelector('#pin-message').textContent = ''")
    page.fill("#staff-pin", PIN)
    page.click("#login-submit")
    page.wait_for_function("() => document.querySelector('#pin-message').textContent.length > 0")
    assert "Terlalu banyak" in page.text_content("#pin-message")
    assert page.locator(".board").count() == 0
    desk.shot("pin-locked")
