"""The booking form offers only the chosen date's free slots, by a GET that re-renders the page
(no JavaScript) and by the JSON list /janji/<code>/slots the page's script reads."""

import re
from datetime import datetime, timedelta

import pytest

from server.appointments import slots
from server.models import Appointment
from tests.appointments.conftest import NIK, next_weekday


def offered(html: str) -> dict[str, str]:
    """Return {time: label} of the slot choices on the booking page."""
    return dict(
        re.findall(
            r'<input type="radio" name="time" value="([0-9:]+)"[^>]*> '
            r"<span><strong>[0-9:]+</strong> <small>([^<]+)</small></span>",
            html,
        )
    )


def note(html: str) -> str:
    return re.search(r'data-testid="slots-note"[^>]*>(.*?)</p>', html, re.DOTALL).group(1).strip()


def page(client, office, target, day, status=200, **args):
    response = client.get(
        f"/janji/{office.code}", query_string={"target": target, "date": str(day), **args}
    )
    assert response.status_code == status, response.data.decode()[:2000]
    return response.data.decode()


def test_the_chosen_dates_free_slots_are_offered_with_the_places_left(
    client, db, booking_office, booked
):
    office, service, host = booking_office
    day = next_weekday(office)
    booked(office, f"h{host.id}", day, "10:00")  # the host takes one guest a slot: 10:00 is full
    booked(office, f"s{service.id}", day, "09:00", id_number="6171014506900002")
    html = page(client, office, f"h{host.id}", day)
    times = offered(html)
    assert "10:00" not in times and times["09:00"] == "sisa 1 tempat"
    assert list(times) == [t for t in slots.day_slots(office, day) if t != "10:00"]
    assert "Jam yang masih kosong pada Selasa" in note(html)
    # The service takes two a slot: one place left at 09:00, two elsewhere.
    times = offered(page(client, office, f"s{service.id}", day))
    assert times["09:00"] == "sisa 1 tempat" and times["09:30"] == "sisa 2 tempat"
    # The booking form carries the choice to the POST.
    assert f'<input type="hidden" name="target" value="s{service.id}">' in page(
        client, office, f"s{service.id}", day
    )


def test_a_cancelled_booking_gives_its_place_back(client, db, booking_office, booked):
    from server.appointments import operations as ops

    office, _, host = booking_office
    day = next_weekday(office)
    appointment, _ = booked(office, f"h{host.id}", day, "10:00")
    assert "10:00" not in offered(page(client, office, f"h{host.id}", day))
    ops.cancel(appointment, "Berhalangan")
    db.session.commit()
    assert offered(page(client, office, f"h{host.id}", day))["10:00"] == "sisa 1 tempat"


@pytest.mark.parametrize(
    "case,message",
    [
        ("sunday", "Kantor tidak melayani janji temu pada tanggal itu."),
        ("holiday", "Kantor tidak melayani janji temu pada tanggal itu."),
        ("past", "Tanggal sudah lewat."),
        ("too_far", "Pemesanan paling lama 60 hari ke depan."),
    ],
)
def test_a_date_without_service_offers_no_slot_and_says_why(
    client, db, booking_office, case, message
):
    office, service, _ = booking_office
    day = {
        "sunday": next_weekday(office, weekday=6),
        "holiday": next_weekday(office),
        "past": next_weekday(office) - timedelta(days=14),
        "too_far": next_weekday(office, after_days=70),
    }[case]
    if case == "holiday":
        office.booking = {"closed": [day.isoformat()]}
        db.session.commit()
    html = page(client, office, f"s{service.id}", day)
    assert offered(html) == {} and note(html) == message


def test_a_full_date_says_so(client, db, booking_office, booked):
    office, _, host = booking_office
    day = next_weekday(office)
    office.booking = {"hours": {str(day.weekday()): ["09:00", "10:00"]}, "slot_minutes": 30}
    db.session.commit()
    booked(office, f"h{host.id}", day, "09:00")
    booked(office, f"h{host.id}", day, "09:30", id_number="6171014506900002")
    html = page(client, office, f"h{host.id}", day)
    assert offered(html) == {}
    assert note(html) == "Semua jam pada tanggal itu sudah penuh. Pilih tanggal lain."


def test_today_offers_only_the_times_still_ahead(client, db, booking_office):
    office, service, _ = booking_office
    office.booking = {
        "hours": {str(d): ["00:00", "24:00"] for d in range(7)},
        "slot_minutes": 10,
    }
    db.session.commit()
    now = datetime.now(office.tz)
    times = offered(page(client, office, f"s{service.id}", now.date()))
    assert times and min(times) > now.strftime("%H:%M")
    assert len(times) == len([t for t in slots.day_slots(office, now.date()) if t > min(times)]) + 1
    # A clock past every slot of the day: the date says its hours are over.
    free, reason = slots.free_slots(office, service, now.date(), now.replace(hour=23, minute=55))
    assert free == [] and reason == "Jam layanan pada tanggal itu sudah lewat. Pilih tanggal lain."


def test_the_form_without_a_choice_asks_for_one(client, db, booking_office):
    office, _, _ = booking_office
    html = client.get(f"/janji/{office.code}").data.decode()
    assert offered(html) == {}
    assert note(html).startswith("Pilih layanan atau pejabat dan tanggal")
    assert 'id="show-slots"' in html  # the no-JavaScript way to the list


@pytest.mark.parametrize(
    "target,day,field,message",
    [
        ("s999", "2030-01-01", "target", "tidak menerima janji temu"),
        ("{service}", "8-12-2026", "date", "TTTT-BB-HH"),
        ("{service}", "", "date", "Pilih tanggal."),
    ],
)
def test_a_bad_choice_in_the_url_is_a_form_error(
    client, db, booking_office, target, day, field, message
):
    office, service, _ = booking_office
    html = page(client, office, target.format(service=f"s{service.id}"), day, status=400)
    assert offered(html) == {}
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', html).group(1)
    assert message in error


def test_a_slot_that_filled_meanwhile_is_refused_with_the_form_kept(
    client, db, booking_office, book, booked
):
    office, _, host = booking_office
    day = next_weekday(office)
    assert "10:00" in offered(page(client, office, f"h{host.id}", day))  # the guest sees 10:00
    booked(office, f"h{host.id}", day, "10:00", id_number="6171014506900002")  # someone else
    response = book(
        office, f"h{host.id}", day, "10:00", name="Tamu Kedua", purpose="Audiensi kedua"
    )
    html = response.data.decode()
    assert response.status_code == 400
    assert re.search(r'id="time-error">Jam itu sudah penuh. Pilih jam lain.<', html)
    assert 'value="Tamu Kedua"' in html and "Audiensi kedua</textarea>" in html
    assert f'name="target" value="h{host.id}"' in html and f'value="{day.isoformat()}"' in html
    assert "10:00" not in offered(html) and "10:30" in offered(html)
    assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 1


# --- the JSON list ---------------------------------------------------------------------------


def test_the_slot_list_is_json_without_personal_data(client, db, booking_office, booked):
    office, service, host = booking_office
    day = next_weekday(office)
    booked(office, f"h{host.id}", day, "10:00")
    response = client.get(
        f"/janji/{office.code}/slots", query_string={"date": day.isoformat(), "host": host.id}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["date"] == day.isoformat() and body["target"] == f"h{host.id}"
    assert body["message"] is None and body["heading"].startswith("Jam yang masih kosong pada")
    assert body["slots"][0] == {"time": "08:00", "left": 1, "label": "sisa 1 tempat"}
    assert "10:00" not in [s["time"] for s in body["slots"]]
    text = response.data.decode()
    assert NIK not in text and "Siti" not in text and "0812" not in text
    # The same list by the form's key and by the service's id.
    by_key = client.get(
        f"/janji/{office.code}/slots", query_string={"date": day, "target": f"s{service.id}"}
    ).get_json()
    by_id = client.get(
        f"/janji/{office.code}/slots", query_string={"date": day, "service": service.id}
    ).get_json()
    assert by_key == by_id and by_key["slots"][0]["left"] == 2


def test_the_slot_list_says_why_a_date_has_none(client, db, booking_office):
    office, service, _ = booking_office
    sunday = next_weekday(office, weekday=6)
    body = client.get(
        f"/janji/{office.code}/slots", query_string={"date": sunday, "service": service.id}
    ).get_json()
    assert body["slots"] == [] and body["message"] == (
        "Kantor tidak melayani janji temu pada tanggal itu."
    )
    english = client.get(
        f"/janji/{office.code}/slots",
        query_string={"date": sunday, "service": service.id, "lang": "en"},
    ).get_json()
    assert english["message"] == "The office takes no appointments on that date."


@pytest.mark.parametrize(
    "args,field",
    [
        ({"service": "999", "date": "2030-01-01"}, "service"),
        ({"host": "abc", "date": "2030-01-01"}, "host"),
        ({"date": "2030-01-01"}, "target"),
        ({"target": "{service}", "date": "2030-13-01"}, "date"),
        ({"target": "{service}"}, "date"),
    ],
)
def test_bad_slot_list_input_is_a_400_naming_the_field(client, db, booking_office, args, field):
    office, service, _ = booking_office
    args = {k: v.format(service=f"s{service.id}") for k, v in args.items()}
    response = client.get(f"/janji/{office.code}/slots", query_string=args)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_the_slot_list_of_an_unknown_office_is_a_json_404(client, db):
    response = client.get("/janji/NOPE/slots", query_string={"date": "2030-01-01", "service": 1})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_slot_list_answers_its_errors_in_json_a_429_with_retry_after(limited_app, db, booking_office):
    office, service, _ = booking_office
    client = limited_app.test_client()
    url, args = f"/janji/{office.code}/slots", {"date": "2030-01-01", "service": service.id}
    # What the page's script sends: fetch's default Accept, no JSON preference.
    headers = {"Accept": "*/*"}
    statuses = [client.get(url, query_string=args, headers=headers).status_code for _ in range(120)]
    assert 429 not in statuses
    limited = client.get(url, query_string=args, headers=headers)
    assert limited.status_code == 429 and limited.mimetype == "application/json"
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    wrong_method = client.post(url, headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["code"] == "method_not_allowed"
