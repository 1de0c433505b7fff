"""A returning guest is found by NIK across the office: registered and synced on tablet A, found
on tablet B (which never held the visit's NIK) through the server, and the form is filled; offline,
tablet B says politely that it can search only itself."""
from sqlalchemy import func, select

from server.crypto import nik_lookup_hash
from server.models import Visit

NIK = "6171014506900001"          # a woman born 5 June 1990
UNKNOWN_NIK = "6171011505900001"  # a man nobody registered


def open_lookup(desk, nik, enter=False):
    page = desk.page
    page.click("#start-register")
    page.wait_for_selector("#register-form")
    page.click("details.returning summary")
    page.fill("#lookup", nik)
    if enter:  # Enter searches; it never submits the half-filled form
        page.press("#lookup", "Enter")
    else:
        page.click("#lookup-find")


def test_guest_of_tablet_a_is_found_on_tablet_b_and_fills_the_form(desk_office, enrol_code, desk_factory, db):
    data = desk_office("kalbar-2021")
    a, b = desk_factory(), desk_factory()
    a.enrol(enrol_code(data["office"], data["staff"], "Meja A"), name="Meja A")
    b.enrol(enrol_code(data["office"], data["staff"], "Meja B"), name="Meja B")

    a.register(name="Siti Aminah", nik=NIK, sex="P", host="Dra. Rina Wati")
    a.page.click("#slip-done")
    a.sync()

    # Tablet B has never seen this guest's NIK (pulled visits carry it masked): the server finds her.
    assert b.page.evaluate("async () => (await window.__sitamu.app.device()).letter") != "A"
    open_lookup(b, "6171 0145 0690 0001")
    page = b.page
    page.wait_for_function("() => /diisikan/.test(document.querySelector('#lookup-msg')?.textContent || '')")
    assert "isi nomor HP" in page.text_content("#lookup-msg")
    values = {k: page.input_value(f"#{k}") for k in ("id_number", "name", "phone", "institution", "address")}
    assert values == {"id_number": NIK, "name": "Siti Aminah", "phone": "", "institution": "CV Maju Bersama",
                      "address": "Jl. Ahmad Yani No. 1, Pontianak"}
    assert page.is_checked("#id_type-ktp")
    assert "NIK valid" in page.text_content("#nik-info")
    # The picture: from the lookup down to the address, as the guest sees it filled.
    page.evaluate("window.scrollTo(0, 0)")
    top, bottom = (page.evaluate(f"document.querySelector('{sel}').getBoundingClientRect().{edge} + window.scrollY")
                   for sel, edge in (("details.returning", "top"), ("#address", "bottom")))
    page.screenshot(path=str(b.artifacts / "pwa-returning-guest-filled.png"), full_page=True,
                    clip={"x": 0, "y": max(0, top - 16), "width": page.viewport_size["width"], "height": bottom - top + 40})

    # The guest adds what the server does not hand out and finishes as usual.
    page.click("label[for='sex-P']")
    page.fill("#phone", "081299998888")
    page.fill("#purpose", "Konsultasi lanjutan")
    page.fill("#host-search", "Wati")
    page.click("label.host:has-text('Dra. Rina Wati')")
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 30, box["y"] + (30 if i % 2 else 90))
    page.mouse.up()
    page.check("#consent")
    page.click("#register-submit")
    page.wait_for_selector("#queue-number")
    assert page.text_content(".slip-name").strip() == "Siti Aminah"
    b.sync()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Visit).where(
        Visit.nik_hash == nik_lookup_hash(NIK), Visit.office_id == data["office"].id)) == 2

    # Offline, tablet B can search only itself, and says so.
    page.click("#slip-done")
    b.context.set_offline(True)
    page.wait_for_selector("#net-state.off")
    open_lookup(b, UNKNOWN_NIK, enter=True)
    page.wait_for_function("() => /internet/.test(document.querySelector('#lookup-msg')?.textContent || '')")
    assert page.text_content("#lookup-msg").startswith("Mohon maaf, tidak ada internet")
    assert page.input_value("#name") == ""
    assert page.text_content("#form-message").strip() == ""  # no registration was attempted
    b.shot("returning-guest-offline")
    b.context.set_offline(False)
