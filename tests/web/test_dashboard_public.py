"""Supervisor dashboard figures and CSV, and the public survey and IKM pages."""
import csv
import io
from datetime import datetime, timedelta, timezone

from reports.periods import period_containing
from server.api.operations import create_survey_link
from server.models import ELEMENT_KEYS, Device, Office, SurveyResponse

# The reference's trap: these totals give 88.33 (A) exactly, 88.245 (B) with the 0.111 weight.
TOTALS = [354, 353, 353, 353, 353, 354, 354, 353, 353]


def _hundred_responses(make_response, office, at):
    """100 responses whose element totals are TOTALS."""
    for i in range(100):
        scores = {k: 4 if i < TOTALS[n] - 300 else 3 for n, k in enumerate(ELEMENT_KEYS)}
        make_response(office, scores, at=at)


def _this_month() -> str:
    """The dashboard shows the last complete month unless asked: data made now needs ?period=."""
    return "?period=" + period_containing(datetime.now(timezone.utc), "month").code


def _csv(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_dashboard_shows_ikm_per_office_with_the_nine_elements(db, staffed, as_user, make_response):
    now = datetime.now(timezone.utc)
    _hundred_responses(make_response, staffed.office, now - timedelta(minutes=5))
    client = as_user(staffed.users["supervisor"])
    html = client.get("/dashboard/" + _this_month()).get_data(as_text=True)
    assert "88,33" in html and "grade-A" in html
    assert "3,540" in html and "3,530" in html  # NRR of persyaratan and prosedur
    rows = _csv(client.get("/dashboard/ikm.csv" + _this_month()))
    header, row = rows[0], rows[1]
    assert header[:7] == ["kode", "kantor", "periode", "responden", "ikm_konversi", "mutu", "konvensi"]
    assert row[0] == "KANTOR-A" and row[3] == "100" and row[4] == "88.33" and row[5] == "A"
    assert row[7:] == ["3.54", "3.53", "3.53", "3.53", "3.53", "3.54", "3.54", "3.53", "3.53"]


def test_office_convention_0111_changes_the_grade(db, staffed, as_user, make_response):
    staffed.office.ikm_convention = "0.111"
    db.session.commit()
    _hundred_responses(make_response, staffed.office, datetime.now(timezone.utc) - timedelta(minutes=5))
    rows = _csv(as_user(staffed.users["office_admin"]).get("/dashboard/ikm.csv" + _this_month()))
    assert rows[1][5] == "B" and rows[1][6] == "0.111"


def test_supervisor_of_one_office_sees_only_that_office(db, staffed, as_user):
    html = as_user(staffed.users["supervisor"]).get("/dashboard/").get_data(as_text=True)
    assert "KANTOR-A" in html and "KANTOR-B" not in html


def test_trend_lists_six_periods_with_values_where_answered(db, staffed, as_user, make_response):
    make_response(staffed.office, 4, at=datetime(2026, 8, 10, 3, tzinfo=timezone.utc))
    make_response(staffed.office, 3, at=datetime(2026, 10, 10, 3, tzinfo=timezone.utc))
    rows = _csv(as_user(staffed.users["central_admin"]).get("/dashboard/trend.csv?period=2026-10"))
    assert rows[0] == ["kode", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    by_code = {r[0]: r[1:] for r in rows[1:]}
    assert by_code["KANTOR-A"] == ["", "", "", "100.0", "", "75.0"]


def test_bad_period_is_a_clear_400(db, staffed, as_user):
    client = as_user(staffed.users["supervisor"])
    response = client.get("/dashboard/?period=2026-13")
    assert response.status_code == 400 and "Periode tidak dikenal" in response.get_data(as_text=True)
    assert client.get("/dashboard/ikm.csv?period=kemarin").status_code == 400


def test_volumes_and_sop_step_times_come_from_visits(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    for minutes in (5, 25):  # verification 5 and 25 minutes after registration; standard 15
        make_visit(desk, host=staffed.host, steps=[("verification", minutes, {"ok": True}, "cocokkan_identitas")])
    client = as_user(staffed.users["supervisor"])
    volume = _csv(client.get("/dashboard/volume.csv" + _this_month()))
    assert volume[1][0] == "KANTOR-A" and volume[1][-1] == "2"
    sop_rows = {r[1]: r for r in _csv(client.get("/dashboard/sop.csv" + _this_month()))[1:]}
    check = sop_rows["cocokkan_identitas"]
    # Median 15 against a standard of 15: not late, though half the visits took longer.
    assert check[3:] == ["15", "2", "15.0", "15.0", "tidak", "50.0"]


def test_freshness_names_tablets_silent_for_a_day(db, staffed, as_user, tablet):
    desk = tablet(staffed.office, name="Meja lobi")
    device = db.session.get(Device, desk.device.id)
    device.last_seen_at = datetime.now(timezone.utc) - timedelta(days=2)
    db.session.commit()
    client = as_user(staffed.users["supervisor"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "Meja lobi" in html
    rows = _csv(client.get("/dashboard/freshness.csv"))
    assert rows[1][0] == "KANTOR-A" and rows[1][3] == "1"


# -- Public survey --------------------------------------------------------------------------

def _survey_link(staffed, tablet, make_visit):
    desk = tablet(staffed.office)
    visit = make_visit(desk, host=staffed.host)
    token, url, _ = create_survey_link(desk.device, visit.id)
    return visit, token


def test_phone_survey_stores_one_response_per_visit(db, app, staffed, tablet, make_visit):
    visit, token = _survey_link(staffed, tablet, make_visit)
    client = app.test_client()
    page = client.get(f"/p/survey/{token}")
    assert page.status_code == 200 and "width=device-width" in page.get_data(as_text=True)
    answers = {f"q_{k}": "4" for k in ELEMENT_KEYS} | {"q_biaya": "3", "gender": "P",
                                                        "age_band": "30-39", "education": "s1",
                                                        "occupation": "swasta", "saran": "Ruang tunggu sejuk"}
    response = client.post(f"/p/survey/{token}", data=answers)
    assert response.status_code == 200 and "Terima kasih" in response.get_data(as_text=True)
    stored = db.session.scalars(db.select(SurveyResponse)).all()
    assert len(stored) == 1
    assert stored[0].visit_id == visit.id and stored[0].source == "phone" and stored[0].biaya == 3
    assert stored[0].gender == "P" and stored[0].saran == "Ruang tunggu sejuk"
    again = client.post(f"/p/survey/{token}", data=answers)
    assert again.status_code == 404 and "sudah dipakai" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)) == 1


def test_phone_survey_refuses_out_of_scale_answers_and_stores_nothing(db, app, staffed, tablet, make_visit):
    _, token = _survey_link(staffed, tablet, make_visit)
    client = app.test_client()
    response = client.post(f"/p/survey/{token}", data={"q_waktu": "7", "q_sarana": "4"})
    assert response.status_code == 400 and "Pilihan tidak valid" in response.get_data(as_text=True)
    empty = client.post(f"/p/survey/{token}", data={})
    assert empty.status_code == 400 and "paling sedikit satu" in empty.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)) == 0
    assert client.get(f"/p/survey/{token}").status_code == 200  # the link is still good


def test_unknown_survey_link_is_404(app, db):
    assert app.test_client().get("/p/survey/tidak-ada-tautan-seperti-ini").status_code == 404


def test_public_ikm_page_shows_latest_value_mutu_and_trend(db, app, staffed, make_response):
    from reports.publication import last_complete

    # The headline is the last complete semester (issue 14): the responses are in it.
    semester = last_complete("semester", staffed.office.timezone)
    _hundred_responses(make_response, staffed.office, semester.start + timedelta(days=10))
    html = app.test_client().get("/p/ikm/KANTOR-A").get_data(as_text=True)
    assert 'data-testid="ikm-value">88,33<' in html and "Mutu A" in html and "Sangat Baik" in html
    assert "<svg" in html and "Tren enam bulan" in html
    english = app.test_client().get("/p/ikm/KANTOR-A?lang=en").get_data(as_text=True)
    assert 'data-testid="ikm-value">88.33<' in english and "3.540" in english and "88,33" not in english


def test_dashboard_in_english_writes_decimals_with_a_point(db, staffed, as_user, make_response):
    _hundred_responses(make_response, staffed.office, datetime.now(timezone.utc) - timedelta(minutes=5))
    html = as_user(staffed.users["supervisor"]).get("/dashboard/" + _this_month() + "&lang=en").get_data(as_text=True)
    assert "88.33" in html and "3.540" in html
    assert "88,33" not in html and "3,540" not in html


def test_unpublished_or_unknown_office_ikm_is_404(db, app, staffed):
    staffed.office.ikm_published = False
    db.session.commit()
    client = app.test_client()
    assert client.get("/p/ikm/KANTOR-A").status_code == 404
    assert client.get("/p/ikm/TIDAK-ADA").status_code == 404
    assert db.session.get(Office, staffed.other.id) is not None
