"""Scheduled delivery: on the first working day each office that asks for it gets last month's
register (and in January and July the semester's IKM report) made and e-mailed, with a link,
once; settings per office with clear errors."""
from datetime import date, datetime, timezone

import pytest

from reports.delivery import due_reports, first_working_day
from server.models import ReportDelivery, ReportDispatch


@pytest.mark.parametrize("today,expected", [
    (date(2026, 11, 1), []),  # a Sunday, before the first working day (Monday 2 November)
    (date(2026, 11, 2), [("register", "2026-10")]),
    (date(2026, 11, 20), [("register", "2026-10")]),  # caught up later in the month
    (date(2027, 1, 1), [("register", "2026-12"), ("ikm", "2026-S2")]),  # a Friday
    (date(2026, 7, 1), [("register", "2026-06"), ("ikm", "2026-S1")]),
])
def test_reports_are_due_from_the_first_working_day(today, expected):
    assert [(kind, p.code) for kind, p in due_reports(today)] == expected


def test_first_working_day_skips_the_weekend():
    assert first_working_day(2026, 11) == date(2026, 11, 2)
    assert first_working_day(2026, 12) == date(2026, 12, 1)


@pytest.fixture
def delivering(db, staffed, make_user, tablet, make_visit, smtp_server, mail_config):
    mail_config(smtp_server.port)
    s = staffed
    admin = s.users["office_admin"]
    admin.email = "admin.a@uji.go.id"
    db.session.add(ReportDelivery(office_id=s.office.id, enabled=True, signer_email="kepala@uji.go.id",
                                  recipients="tu@uji.go.id", to_admins=True))
    db.session.commit()
    make_visit(tablet(s.office), host=s.host, at=datetime(2026, 10, 6, 2, tzinfo=timezone.utc))
    return s


def _deliver(app, day="2026-11-02"):
    return app.test_cli_runner().invoke(args=["report", "deliver", "--date", day])


def test_the_register_is_made_and_mailed_once_with_a_link(app, db, delivering, smtp_server, as_user):
    result = _deliver(app)
    assert result.exit_code == 0, result.output
    assert '"due": 1' in result.output and '"mailed": 1' in result.output
    dispatch = db.session.scalars(db.select(ReportDispatch)).one()
    assert (dispatch.office_id, dispatch.kind, dispatch.period, dispatch.state, dispatch.recipients) == \
        (delivering.office.id, "register", "2026-10", "mailed", 3)
    to = sorted(m["To"] for m in smtp_server.messages)
    assert to == ["admin.a@uji.go.id", "kepala@uji.go.id", "tu@uji.go.id"]
    message = smtp_server.messages[0]
    assert "KANTOR-A" in message["Subject"] and "Oktober 2026" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    link = f"/admin/reports/jobs/{dispatch.job_id}"
    assert link in body and "6171014506900001" not in body
    client = as_user(delivering.users["office_admin"])
    assert client.get(link).status_code == 200
    pdf = client.get(link + "/download")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The next daily run finds it done: nothing made or mailed twice.
    again = _deliver(app, "2026-11-03")
    assert again.exit_code == 0 and '"due": 0' in again.output
    assert len(smtp_server.messages) == 3


def test_an_office_with_delivery_off_gets_nothing(app, db, delivering, smtp_server):
    db.session.scalars(db.select(ReportDelivery)).one().enabled = False
    db.session.commit()
    assert '"due": 0' in _deliver(app).output
    assert smtp_server.messages == [] and db.session.scalars(db.select(ReportDispatch)).all() == []


def test_a_failed_dispatch_is_tried_again_by_the_next_run(app, db, delivering, smtp_server):
    db.session.add(ReportDispatch(office_id=delivering.office.id, kind="register", period="2026-10",
                                  state="failed", attempts=1, job_id="", recipients=0, last_error="OSError"))
    db.session.commit()
    result = _deliver(app)
    assert result.exit_code == 0 and '"mailed": 1' in result.output
    dispatch = db.session.scalars(db.select(ReportDispatch)).one()
    assert dispatch.state == "mailed" and dispatch.attempts == 2 and dispatch.last_error == ""
    assert len(smtp_server.messages) == 3


def test_delivery_settings_refuse_a_bad_address_and_store_nothing(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    assert client.get("/dashboard/delivery").status_code == 200
    bad = client.post(f"/dashboard/delivery/{staffed.office.id}",
                      data={"enabled": "1", "signer_email": "kepala@", "recipients": "tu@uji.go.id\nbukan-email"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Bukan alamat e-mail." in text and "Tulis satu alamat e-mail per baris." in text
    assert db.session.scalars(db.select(ReportDelivery)).all() == []
    good = client.post(f"/dashboard/delivery/{staffed.office.id}",
                       data={"enabled": "1", "signer_email": "kepala@uji.go.id", "recipients": "tu@uji.go.id, a@uji.go.id"})
    assert good.status_code == 302
    stored = db.session.scalars(db.select(ReportDelivery)).one()
    assert stored.enabled and stored.recipients == "tu@uji.go.id\na@uji.go.id" and not stored.to_admins
    assert client.post(f"/dashboard/delivery/{staffed.other.id}", data={"enabled": "1"}).status_code == 403
    nobody = client.post(f"/dashboard/delivery/{staffed.office.id}", data={"enabled": "1"})
    assert nobody.status_code == 400 and "paling sedikit satu penerima" in nobody.get_data(as_text=True)
