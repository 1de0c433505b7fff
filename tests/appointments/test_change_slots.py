"""The status page's "Minta waktu lain" offers the free slots of the booking's own service or
host on a chosen date (a GET ?date= without JavaScript, the slot list with it), and the
language switch keeps a page's choices."""

import re
from datetime import timedelta

import pytest

from server.appointments import slots
from server.models import Appointment
from tests.appointments.conftest import next_weekday
from tests.appointments.test_free_slots import note


def offered(html: str) -> dict[str, str]:
    """Return {time: label} of the change form's slot choices."""
    return dict(
        re.findall(
            r'<input type="radio" name="c-time" value="([0-9:]+)"[^>]*> '
            r"<span><strong>[0-9:]+</strong> <small>([^<]+)</small></span>",
            html,
        )
    )


def status_page(client, token, day=None, status=200, **args):
    query = {"date": str(day), **args} if day is not None else args
    response = client.get(f"/janji/s/{token}", query_string=query)
    assert response.status_code == status, response.data.decode()[:2000]
    return response.data.decode()


def switch_link(html: str) -> str:
    return re.search(r'<a href="([^"]*)" lang="en" data-lang-switch>', html).group(1)


def test_a_chosen_date_offers_the_bookings_own_hosts_free_slots(
    client, db, booking_office, booked
):
    office, service, host = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"h{host.id}", day, "10:00")
    booked(office, f"h{host.id}", day, "09:00", id_number="6171014506900002")  # someone else
    booked(office, f"s{service.id}", day, "11:00", id_number="6171014506900003")  # not the host
    times = offered(status_page(client, token, day))
    # 09:00 is full; 10:00 is the slot the booking holds now: asking for it changes nothing.
    assert list(times) == [t for t in slots.day_slots(office, day) if t not in ("09:00", "10:00")]
    assert times["11:00"] == "sisa 1 tempat"
    html = status_page(client, token, day)
    assert note(html).startswith("Jam yang masih kosong pada Selasa")
    assert f'<input type="hidden" name="c-date" value="{day.isoformat()}">' in html


def test_a_service_booking_offers_the_services_places_left(client, db, booking_office, booked):
    office, service, _ = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"s{service.id}", day, "09:00")
    booked(office, f"s{service.id}", day, "09:30", id_number="6171014506900002")
    later = next_weekday(office, weekday=2)
    assert offered(status_page(client, token, day))["09:30"] == "sisa 1 tempat"
    times = offered(status_page(client, token, later))
    assert times["09:00"] == "sisa 2 tempat" and len(times) == len(slots.day_slots(office, later))


def test_without_a_date_the_change_form_asks_for_one(client, db, booking_office, booked):
    office, service, _ = booking_office
    _, token = booked(office, f"s{service.id}", next_weekday(office))
    html = status_page(client, token)
    assert offered(html) == {} and note(html) == "Pilih tanggal, lalu lihat jam yang masih kosong."
    assert 'id="show-slots"' in html  # the no-JavaScript way to the list
    assert re.search(r'<form method="get" action="/janji/s/[^"]+#change"', html)


@pytest.mark.parametrize(
    "case,message",
    [
        ("sunday", "Kantor tidak melayani janji temu pada tanggal itu."),
        ("past", "Tanggal sudah lewat."),
        ("too_far", "Pemesanan paling lama 60 hari ke depan."),
        ("full", "Semua jam pada tanggal itu sudah penuh. Pilih tanggal lain."),
        ("only_its_own", "Semua jam pada tanggal itu sudah penuh. Pilih tanggal lain."),
    ],
)
def test_a_date_without_a_free_slot_says_why(client, db, booking_office, booked, case, message):
    office, _, host = booking_office
    day = next_weekday(office)
    office.booking = {"hours": {str(day.weekday()): ["09:00", "10:00"]}, "slot_minutes": 30}
    db.session.commit()
    _, token = booked(office, f"h{host.id}", day, "09:00")
    if case == "full":
        booked(office, f"h{host.id}", day, "09:30", id_number="6171014506900002")
        day = day + timedelta(days=7)
        booked(office, f"h{host.id}", day, "09:00", id_number="6171014506900003")
        booked(office, f"h{host.id}", day, "09:30", id_number="6171014506900004")
    elif case == "only_its_own":
        booked(office, f"h{host.id}", day, "09:30", id_number="6171014506900002")
    else:
        day = {
            "sunday": next_weekday(office, weekday=6),
            "past": day - timedelta(days=14),
            "too_far": next_weekday(office, after_days=70),
        }[case]
    html = status_page(client, token, day)
    assert offered(html) == {} and note(html) == message


@pytest.mark.parametrize("day,message", [("8-12-2026", "TTTT-BB-HH"), ("", "Pilih tanggal.")])
def test_a_bad_date_in_the_url_is_a_form_error(client, db, booking_office, booked, day, message):
    office, service, _ = booking_office
    _, token = booked(office, f"s{service.id}", next_weekday(office))
    response = client.get(f"/janji/s/{token}?date={day}")
    html = response.data.decode()
    if not day:  # an empty ?date= is the page as it was
        assert response.status_code == 200 and 'id="date-error"' not in html
        return
    assert response.status_code == 400 and offered(html) == {}
    assert message in re.search(r'<p class="field-error" id="date-error">([^<]+)</p>', html)[1]
    assert 'aria-invalid="true" aria-describedby="date-error"' in html


def test_a_slot_that_filled_meanwhile_is_refused_with_the_form_kept(
    client, db, booking_office, booked
):
    office, _, host = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"h{host.id}", day, "10:00")
    later = next_weekday(office, weekday=2)
    assert "13:00" in offered(status_page(client, token, later))  # the guest sees 13:00
    booked(office, f"h{host.id}", later, "13:00", id_number="6171014506900002")  # someone else
    response = client.post(
        f"/janji/s/{token}/change",
        data={"c-date": later.isoformat(), "c-time": "13:00", "c-note": "Sesudah makan siang"},
    )
    html = response.data.decode()
    assert response.status_code == 400
    assert re.search(r'id="time-error">Jam itu sudah penuh. Pilih jam lain.<', html)
    assert 'value="Sesudah makan siang"' in html
    assert f'name="c-date" value="{later.isoformat()}"' in html
    assert f'id="date" name="date" value="{later.isoformat()}"' in html
    assert "13:00" not in offered(html) and "13:30" in offered(html)
    db.session.refresh(appointment)
    assert not appointment.requested_change and appointment.time == "10:00"


def test_a_free_slot_from_the_list_is_asked_for(client, db, booking_office, booked):
    office, _, host = booking_office
    appointment, token = booked(office, f"h{host.id}", next_weekday(office), "10:00")
    later = next_weekday(office, weekday=2)
    time = list(offered(status_page(client, token, later)))[0]
    response = client.post(
        f"/janji/s/{token}/change", data={"c-date": later.isoformat(), "c-time": time}
    )
    assert response.status_code == 303
    db.session.refresh(appointment)
    assert appointment.requested_change == f"{later.isoformat()} {time}"


def test_the_status_token_stays_in_the_status_pages_own_addresses(
    client, db, booking_office, booked
):
    office, service, _ = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"s{service.id}", day)
    html = status_page(client, token, day)
    # The WhatsApp text carries the status link on purpose (the guest sends it to themself).
    html = re.sub(r'href="https://wa\.me/\?text=[^"]*"', "", html)
    # Only the page itself (its GET), its ticket, change and cancel addresses hold the token.
    holders = re.findall(rf'"(/janji/s/{token}[^"]*)"', html)
    assert len(holders) == html.count(token)
    assert {re.sub(r"/janji/s/[^/#\"]+", "", h) for h in holders} <= {
        "#change",
        "/change",
        "/cancel",
        "/tiket.pdf",
    }
    assert 'data-slots-url="/janji/JANJI1/slots"' in html and f'data-target="s{service.id}"' in html


def test_a_closed_booking_ignores_a_date(client, db, booking_office, booked):
    from server.appointments import operations as ops

    office, service, _ = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"s{service.id}", day)
    ops.cancel(appointment, "Berhalangan")
    db.session.commit()
    html = status_page(client, token, day)
    assert "Minta waktu lain" not in html and offered(html) == {}


def test_the_change_form_has_english(client, db, booking_office, booked):
    office, service, host = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"s{service.id}", day, "09:00")
    html = status_page(client, token, day, lang="en")
    assert offered(html)["09:30"] == "places left: 2"
    assert note(html).startswith("Free times on Tuesday")
    assert "Choose a date, then see the times still free." in status_page(client, token, lang="en")
    _, token = booked(office, f"h{host.id}", day, "09:00", id_number="6171014506900002")
    assert "<dt>Meeting with</dt><dd>Ir. Sri Wahyuni</dd>" in status_page(client, token, lang="en")


# --- the language switch ---------------------------------------------------------------------


def test_the_language_switch_keeps_the_booking_pages_choice(client, db, booking_office):
    office, service, _ = booking_office
    day = next_weekday(office)
    html = client.get(
        f"/janji/{office.code}", query_string={"target": f"s{service.id}", "date": day}
    ).data.decode()
    assert switch_link(html) == f"?target=s{service.id}&amp;date={day.isoformat()}&amp;lang=en"
    english = client.get(f"/janji/{office.code}?target=s{service.id}&date={day}&lang=en")
    assert "places left: 2" in english.data.decode()


@pytest.mark.parametrize(
    "query,link",
    [
        ("", "?lang=en"),
        ("?lang=id", "?lang=en"),
        ("?date=2030-01-02&lang=id", "?date=2030-01-02&amp;lang=en"),
        ("?q=Siti+Aminah&period=2026-S2", "?period=2026-S2&amp;lang=en"),  # free words stay out
    ],
)
def test_the_language_switch_keeps_the_page_and_its_harmless_query(
    client, db, booking_office, booked, query, link
):
    office, service, _ = booking_office
    _, token = booked(office, f"s{service.id}", next_weekday(office))
    assert switch_link(client.get(f"/janji/s/{token}{query}").data.decode()) == link
    assert switch_link(client.get(f"/login{query}").data.decode()) == link


def test_no_booking_is_made_by_looking(client, db, booking_office, booked):
    office, _, host = booking_office
    _, token = booked(office, f"h{host.id}", next_weekday(office))
    status_page(client, token, next_weekday(office, weekday=2))
    assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 1


def test_the_asked_time_reads_as_a_date_in_words(client, db, booking_office, booked):
    office, _, host = booking_office
    _, token = booked(office, f"h{host.id}", next_weekday(office), "10:00")
    later = next_weekday(office, weekday=2)
    client.post(f"/janji/s/{token}/change", data={"c-date": later.isoformat(), "c-time": "13:00"})
    html = status_page(client, token)
    assert f"Anda meminta waktu lain: Rabu, {later.day} " in html
    assert f"{later.year} 13:00 WIB. Menunggu persetujuan." in html
    english = status_page(client, token, lang="en")
    assert f"You asked for another time: Wednesday, {later:%B} {later.day}, {later.year} 13:00 WIB." in english


@pytest.mark.parametrize("where", ["list", "inbox"])
def test_staff_read_the_asked_time_in_words(
    client, db, booking_office, booked, make_user, login, where
):
    office, _, host = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"h{host.id}", day, "10:00")
    later = next_weekday(office, weekday=2)
    client.post(f"/janji/s/{token}/change", data={"c-date": later.isoformat(), "c-time": "13:00"})
    if where == "list":
        login(make_user("office_admin", office=office))
        html = client.get(f"/appointments/?office={office.id}&date={day}").data.decode()
        assert f"Tamu meminta waktu lain: Rabu, {later.day} " in html and "13:00 WIB" in html
    else:  # the host inbox, where the aide decides, shows it in words too
        login(make_user("host", office=office, host_id=host.id, username="agendaris.biro"))
        html = client.get("/host/").data.decode()
        assert f"Tamu meminta waktu lain: Rabu, {later.day} " in html and "13:00 WIB" in html
