"""Check-in by appointment at an offline desk: the day's scheduled guests on the board, a
ticket by booking code or by a barcode scanner that types like a keyboard, verified offline
with the office's public key (WebCrypto), refused with its reason (forged, other office, not
today, expired, cancelled, already checked in), and two offline tablets checking in one ticket.

Tickets are signed here exactly as sync/PROTOCOL.md ("Appointments") says, with a key pair kept
where the server keeps the office's ticket key (`Office.ticket_key`), so the office's public key
and the appointments reach the tablet by the real pull, and the check-ins by the real push.
"""
import base64
import json
import secrets
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import select

from server.appointments.operations import cancel
from server.appointments.tickets import ticket_text, verify_ticket
from server.extensions import db as _db
from server.models import Appointment, Device, Visit
from sync.rules import first_checkin, format_time
from tests.pwa.conftest import LANDSCAPE, Desk
from tests.pwa.test_accessibility import axe_problems

NIK = "6171014506900001"  # a woman born 1990-06-05 (Pontianak)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_ticket(key, *, a, o, d, t="09:30", q="J-007") -> str:
    """Return the QR text of a ticket: SITAMU1.<b64url compact JSON>.<b64url r||s>."""
    payload = b64url(json.dumps({"a": a, "o": o, "d": d, "t": t, "q": q}, separators=(",", ":")).encode())
    r, s = decode_dss_signature(key.sign(payload.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"SITAMU1.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def public_jwk(key) -> dict:
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big"))}


def test_tickets_signed_here_are_the_servers_format(ticket_office, make_appointment):
    """The tests' own signing (for forged and other-office tickets) is the server's, byte for byte in shape."""
    data = ticket_office()
    booked = make_appointment(data["office"])
    mine, servers = data["sign"](booked), ticket_text(booked)
    assert mine.split(".")[:2] == servers.split(".")[:2]  # same prefix and payload (ECDSA signatures differ)
    assert verify_ticket(mine, data["jwk"]) == verify_ticket(servers, data["jwk"]) == {
        "a": booked.id, "o": data["office"].code, "d": booked.date.isoformat(), "t": booked.time, "q": booked.queue}


def office_today(office, days=0) -> str:
    return (datetime.now(ZoneInfo(office.timezone)).date() + timedelta(days=days)).isoformat()


@pytest.fixture
def ticket_office(desk_office, db):
    """An office of desk_office with its ticket key pair (private key sealed in Office.ticket_key)."""

    def make(template="kalbar-2021", **overrides):
        data = desk_office(template, **overrides)
        key = ec.generate_private_key(ec.SECP256R1())
        data["office"].ticket_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()).decode()
        _db.session.commit()
        data.update(key=key, jwk=public_jwk(key))
        data["sign"] = lambda appointment, **kw: sign_ticket(key, **{
            "a": appointment.id, "o": data["office"].code, "d": appointment.date.isoformat(),
            "t": appointment.time, "q": appointment.queue, **kw})
        return data

    return make


@pytest.fixture
def make_appointment(db):
    """Return a factory of approved appointments (rows of the server's Appointment model)."""
    counter = iter(range(1, 1000))

    def make(office, *, days=0, host=None, service=None, **overrides):
        n = next(counter)
        day = datetime.strptime(office_today(office, days), "%Y-%m-%d").date()
        values = dict(id=str(uuid.uuid4()), office_id=office.id, kind="booking", date=day,
                      time=f"{9 + n % 6:02d}:{30 if n % 2 else 0:02d}", queue=f"J-{n:03d}",
                      status="approved", id_type="ktp",
                      name=f"Tamu Janji {n}", institution="CV Maju Bersama", purpose="Audiensi pengadaan",
                      host_id=host.id if host else None, service_id=service.id if service else None,
                      token_hash=secrets.token_hex(32))
        values.update(overrides)
        appointment = Appointment(**values)
        _db.session.add(appointment)
        _db.session.commit()
        return appointment

    return make


def pull_data(appointment) -> dict:
    """The appointment as the pull sends it (contract: no NIK, no phone)."""
    return {"id": appointment.id, "code": appointment.id.replace("-", "")[:8].upper(),
            "office_code": appointment.office.code,
            "date": appointment.date.isoformat(), "time": appointment.time, "queue": appointment.queue,
            "service_id": appointment.service_id, "host_id": appointment.host_id, "status": appointment.status,
            "name": appointment.name, "institution": appointment.institution, "purpose": appointment.purpose,
            "id_type": appointment.id_type, "id_number_masked": "", "phone_masked": "",
            "kind": appointment.kind, "group": appointment.group_label}


PULLED = """async () => {
  const db = await import(new URL("db.js", location.href).href);
  return { key: (await db.get("pulled", "office:current"))?.data?.ticket_public_key ?? null,
           appointments: (await db.all("pulled", "entity", "appointment")).map((r) => r.data) };
}"""


def pulled(desk) -> dict:
    """Return what the tablet holds by pull: the office's ticket key and the appointments by id."""
    state = desk.page.evaluate(PULLED)
    return {"key": state["key"], "appointments": {a["id"]: a for a in state["appointments"]}}


def assert_pulled(desk, jwk, appointments=(), absent=()):
    """The pull gave the tablet the office's ticket key and exactly these appointments' records."""
    state = pulled(desk)
    assert state["key"] == jwk
    for appointment in appointments:
        assert state["appointments"][appointment.id] == pull_data(appointment)
    for appointment in absent:
        assert appointment.id not in state["appointments"]


def sync_until(desk, done, tries=20):
    """Sync until `done()`: on PostgreSQL a pull hands out a change only once every older
    transaction of the cluster has ended (sync/PROTOCOL.md, "Pull"), so one sync may be early."""
    for _ in range(tries):
        desk.sync()
        if done():
            return
        time.sleep(0.5)
    raise AssertionError("the change did not reach the tablet")


def checkin(desk, text, *, press_enter=True):
    """Type into the check-in input as a keyboard-wedge barcode scanner does (text, then Enter)."""
    page = desk.page
    page.evaluate("location.hash = '#/checkin'")
    page.wait_for_selector("#checkin-input")
    page.fill("#checkin-input", "")
    page.focus("#checkin-input")
    page.keyboard.type(text, delay=0)
    if press_enter:
        page.keyboard.press("Enter")
    else:
        page.click("#checkin-submit")


def refused_reason(desk) -> tuple[str, str]:
    locator = desk.page.locator("#checkin-result .refused")
    locator.wait_for()
    return locator.get_attribute("data-reason"), locator.text_content()


def finish_guest_book(desk, *, nik=NIK, name=None, purpose=None, host=None):
    """The guest confirms the pre-filled guest book: types the NIK (checked against the KTP), signs, consents."""
    page = desk.page
    page.wait_for_selector("#register-form")
    page.fill("#id_number", nik)
    if name:
        page.fill("#name", name)
    if purpose:
        page.fill("#purpose", purpose)
    if host:
        page.fill("#host-search", host.split()[-1])
        page.click(f"label.host:has-text('{host}')")
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 10):
        page.mouse.move(box["x"] + 20 + i * 30, box["y"] + (30 if i % 2 else 90))
    page.mouse.up()
    page.check("#consent")
    page.click("#register-submit")
    page.wait_for_selector("#queue-number")
    return page.text_content("#queue-number").strip()


def server_visits(appointment_id):
    _db.session.expire_all()
    visits = _db.session.scalars(select(Visit)).all()
    return [v for v in visits if (v.state or {}).get("appointment_id") == appointment_id]


def test_offline_desk_checks_in_a_scheduled_guest_by_booking_code(ticket_office, make_appointment, enrol_code, desk_factory):
    data = ticket_office()
    office, host = data["office"], data["hosts"][1]
    expected = make_appointment(office, host=host, name="Siti Aminah", institution="Dinas PUPR", purpose="Audiensi paket jalan")
    later = make_appointment(office, service=data["service"], name="Budi Hartono")
    tomorrow = make_appointment(office, days=1, host=host, name="Besok Saja")  # pulled, not on today's list
    pending = make_appointment(office, host=host, name="Belum Disetujui", status="pending")
    desk = desk_factory()
    desk.enrol(enrol_code(office, data["staff"]))
    desk.context.set_offline(True)
    assert_pulled(desk, data["jwk"], [expected, later, tomorrow], absent=[pending])
    desk.login(data["staff"])
    page = desk.page

    # The board lists today's scheduled guests still to come, by time.
    rows = page.locator("#scheduled-list li.scheduled-row")
    assert rows.count() == 2
    names = page.eval_on_selector_all("#scheduled-list .n", "els => els.map((e) => e.textContent)")
    assert set(names) == {"Siti Aminah", "Budi Hartono"}
    assert "Tamu terjadwal hari ini (2)" in page.text_content("#scheduled h2")
    desk.shot("checkin-board-scheduled")

    # The booking code typed in lower case, as a guest reads it out.
    checkin(desk, expected.id[:8].lower(), press_enter=False)
    page.wait_for_selector("#register-form")
    assert "J-" in page.text_content("#appointment-banner") and "KTP" in page.text_content("#appointment-banner")
    assert page.input_value("#name") == "Siti Aminah"
    assert page.input_value("#institution") == "Dinas PUPR"
    assert page.input_value("#purpose") == "Audiensi paket jalan"
    assert page.is_checked(f"input[name=host][value='{host.id}']")
    assert page.input_value("#id_number") == ""  # the NIK is never pulled: the guest types it
    desk.shot("checkin-prefilled")
    queue = finish_guest_book(desk)
    assert queue == expected.queue  # the ticket's queue number

    # Checked in: off the scheduled list, marked on the board, refused a second time.
    desk.login(data["staff"])
    assert page.locator(f"#scheduled-list li[data-appointment='{expected.id}']").count() == 0
    row = page.locator(f"#on-site a.visit-row[data-queue='{queue}']")
    assert row.locator(".appt-badge").text_content() == "janji temu"
    checkin(desk, data["sign"](expected))
    reason, text = refused_reason(desk)
    assert reason == "already" and queue in text

    # A guest without the ticket at hand: the row's own button; a service booking opens on the service.
    page.click("#checkin-back")
    page.click(f"#checkin-{later.id[:8].upper()}")
    page.wait_for_selector("#register-form")
    assert page.input_value("#name") == "Budi Hartono"
    assert page.is_checked("input[name=meet_kind][value=service]")
    assert page.is_checked(f"input[name=service][value='{data['service'].id}']")
    page.click("a.btn:has-text('Batal')")

    desk.context.set_offline(False)
    desk.sync()
    (visit,) = server_visits(expected.id)
    assert visit.state["by_appointment"] is True
    assert visit.name == "Siti Aminah" and visit.host_id == host.id and visit.queue_number == queue


def test_barcode_scanner_checks_in_a_ticket_booked_after_the_last_sync(ticket_office, make_appointment, enrol_code, desk_factory):
    data = ticket_office()
    office = data["office"]
    desk = desk_factory()
    desk.enrol(enrol_code(office, data["staff"]))
    desk.context.set_offline(True)
    assert_pulled(desk, data["jwk"])  # the office key only: no appointment pulled
    # Booked and approved after the tablet went offline: only its signed QR can tell the desk.
    fresh = make_appointment(office, host=data["hosts"][0], name="Tamu Baru", time="10:15", queue="J-042")
    desk.login(data["staff"])
    assert desk.page.locator("#scheduled-list").count() == 0
    # The scanner types the server's own ticket text (as on the PDF and the status page) and presses Enter.
    checkin(desk, ticket_text(fresh))
    page = desk.page
    page.wait_for_selector("#register-form")
    banner = page.text_content("#appointment-banner")
    assert "J-042" in banner and "10:15" in banner
    assert page.input_value("#name") == ""  # only what the QR carries: no name, no NIK
    queue = finish_guest_book(desk, name="Tamu Baru", purpose="Menyerahkan berkas", host="Ir. Agus Salim, M.T.")
    assert queue == "J-042"
    desk.context.set_offline(False)
    desk.sync()
    (visit,) = server_visits(fresh.id)
    assert visit.state["by_appointment"] is True and visit.name == "Tamu Baru"
    _db.session.refresh(fresh)
    assert (fresh.status, fresh.checked_in_visit_id) == ("checked_in", visit.id)


def test_refused_tickets_say_why(ticket_office, make_appointment, enrol_code, desk_factory, make_office):
    data = ticket_office()
    office = data["office"]
    good = make_appointment(office, host=data["hosts"][0])
    cancelled = make_appointment(office, host=data["hosts"][0], name="Batal")
    desk = desk_factory()
    desk.enrol(enrol_code(office, data["staff"]))
    assert_pulled(desk, data["jwk"], [good, cancelled])
    # Cancelled on the server after the tablet pulled it: the next pull brings its tombstone.
    cancel(cancelled, "Tamu berhalangan")
    _db.session.commit()
    sync_until(desk, lambda: pulled(desk)["appointments"][cancelled.id].get("tombstone"))
    assert pulled(desk)["appointments"][cancelled.id] == {
        "id": cancelled.id, "date": cancelled.date.isoformat(), "office_code": office.code, "status": "cancelled", "tombstone": True}
    desk.context.set_offline(True)
    desk.login(data["staff"])
    forger = ec.generate_private_key(ec.SECP256R1())
    other = make_office(name="Kantor Lain")
    cases = [
        ("forged", sign_ticket(forger, a=good.id, o=office.code, d=good.date.isoformat()), "tidak sah"),
        # Signed with this office's own key, but naming another office.
        ("other_office", data["sign"](good, o=other.code), "kantor lain"),
        ("not_yet", data["sign"](good, d=office_today(office, 1)), "belum hari ini"),
        ("expired", data["sign"](good, d=office_today(office, -1)), "kedaluwarsa"),
        ("cancelled", data["sign"](cancelled), "dibatalkan"),
        ("cancelled", cancelled.id[:8], "dibatalkan"),
        ("invalid", "https://contoh.go.id/bukan-tiket", "Bukan tiket"),
        ("unknown_code", "DEADBEEF", "tidak ada di tablet ini"),
    ]
    for n, (reason, text, words) in enumerate(cases):
        checkin(desk, text)
        got, message = refused_reason(desk)
        assert (got, words in message) == (reason, True), (reason, message)
        if n == 0:
            desk.shot("checkin-refused-forged")
        desk.page.evaluate("document.querySelector('#checkin-result').replaceChildren()")
    assert desk.page.url.endswith("#/checkin")  # nothing opened the guest book
    # The ticket's own date of a good ticket passes (the same tablet, the same key).
    checkin(desk, data["sign"](good))
    desk.page.wait_for_selector("#register-form")


def test_two_offline_tablets_checking_in_one_ticket_keep_one_check_in(ticket_office, make_appointment, enrol_code, desk_factory):
    data = ticket_office()
    office = data["office"]
    booked = make_appointment(office, host=data["hosts"][1], name="Siti Aminah")
    a, b = desk_factory(), desk_factory()
    a.enrol(enrol_code(office, data["staff"], "Meja A"), name="Meja A")
    b.enrol(enrol_code(office, data["staff"], "Meja B"), name="Meja B")
    ticket = data["sign"](booked)
    for desk in (a, b):
        desk.context.set_offline(True)
        assert_pulled(desk, data["jwk"], [booked])
    a.login(data["staff"])
    checkin(a, ticket)
    qa = finish_guest_book(a)
    b.login(data["staff"])
    checkin(b, ticket)  # B does not know A checked it in: both tablets are offline
    qb = finish_guest_book(b)
    assert qa == qb == booked.queue

    for desk in (a, b):
        desk.context.set_offline(False)
    a.sync()
    b.sync()
    a.sync()
    visits = server_visits(booked.id)
    assert len(visits) == 2 and all(v.state["by_appointment"] for v in visits)
    first = first_checkin([{"visit_id": v.id, "registered_at": format_time(v.registered_at)} for v in visits])
    # A registered first (its guest book was saved before B's): A's visit keeps the appointment.
    assert _db.session.get(Device, next(v for v in visits if v.id == first).device_id).name == "Meja A"
    # The server keeps the appointment on that visit and flags the other one.
    _db.session.refresh(booked)
    assert (booked.status, booked.checked_in_visit_id) == ("checked_in", first)
    assert {v.id: bool(v.state.get("appointment_duplicate")) for v in visits} == {v.id: v.id != first for v in visits}
    # Both tablets see both visits and flag the same one, the second check-in.
    for desk in (a, b):
        desk.login(data["staff"])
        badges = desk.page.eval_on_selector_all(
            "#on-site a.visit-row .appt-badge", "els => els.map((e) => e.dataset.duplicate)")
        assert sorted(badges) == ["0", "1"]
        assert desk.page.locator(f"#scheduled-list li[data-appointment='{booked.id}']").count() == 0
    b.shot("checkin-duplicate-flagged")


def test_checkin_screens_have_no_serious_accessibility_violations(browser, live_server, artifacts, ticket_office,
                                                                  make_appointment, enrol_code):
    data = ticket_office()
    office = data["office"]
    booked = make_appointment(office, host=data["hosts"][0], name="Siti Aminah")
    make_appointment(office, service=data["service"], name="Rombongan Dinas", group_label="Rapat koordinasi PBJ")
    # axe is injected as an inline script, which the app's CSP rightly forbids: bypass it here only.
    context = browser.new_context(viewport=LANDSCAPE, locale="id-ID", timezone_id="Asia/Jakarta", bypass_csp=True)
    found = {}
    try:
        desk = Desk(context, live_server, artifacts)
        desk.enrol(enrol_code(office, data["staff"]))
        context.set_offline(True)
        assert_pulled(desk, data["jwk"], [booked])
        desk.login(data["staff"])
        found["board"] = axe_problems(desk.page)
        checkin(desk, "0000000G")
        refused_reason(desk)
        found["checkin-refused"] = axe_problems(desk.page)
        desk.page.click("#lang-switch")
        desk.page.wait_for_selector("text=Scheduled guests today")
        checkin(desk, data["sign"](booked, d=office_today(office, -1)))
        assert "expired" in refused_reason(desk)[1]
        desk.shot("checkin-refused-en")
        found["checkin-en"] = axe_problems(desk.page)
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}
