"""Admins read, filter and answer the SKM saran (issue 14, item 11)."""
from datetime import datetime, timezone

import pytest

from server.models import AuditLog, SurveyResponse

WHEN = datetime(2026, 10, 5, 3, tzinfo=timezone.utc)


@pytest.fixture
def saran(staffed, make_response):
    """Three saran in October 2026 at office A, one at office B, one response without a saran."""
    made = {
        "parkir": make_response(staffed.office, 3, at=WHEN, saran="Tempat parkir tamu masih sempit."),
        "tunggu": make_response(staffed.office, 3, at=WHEN.replace(hour=4),
                                saran="Waktu tunggu terlalu lama, hubungi 0812-3456-7890."),
        "ramah": make_response(staffed.office, 4, at=WHEN.replace(hour=5), saran="Petugas ramah, terima kasih."),
        "other": make_response(staffed.other, 3, at=WHEN, saran="Saran kantor lain."),
        "blank": make_response(staffed.office, 4, at=WHEN),
    }
    return made


def _page(client, office, **args):
    query = "&".join(f"{k}={v}" for k, v in {"office_id": office.id, "period": "2026-10", **args}.items())
    response = client.get(f"/admin/saran?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_admin_reads_the_saran_of_their_office_de_identified(staffed, as_user, saran):
    html = _page(as_user(staffed.users["office_admin"]), staffed.office)
    assert "3 saran pada Oktober 2026" in html
    assert "Tempat parkir tamu masih sempit." in html and "Petugas ramah" in html
    assert "0812" not in html and "Waktu tunggu terlalu lama" in html  # the phone number is not shown
    assert "Saran kantor lain." not in html


@pytest.mark.parametrize("args, shown, hidden", [
    ({"theme": "sarana"}, ["Tempat parkir"], ["Waktu tunggu", "Petugas ramah"]),
    ({"theme": "perilaku"}, ["Petugas ramah"], ["Tempat parkir"]),
    ({"q": "lama"}, ["Waktu tunggu"], ["Tempat parkir", "Petugas ramah"]),
])
def test_saran_filtered_by_theme_or_words(staffed, as_user, saran, args, shown, hidden):
    html = _page(as_user(staffed.users["office_admin"]), staffed.office, **args)
    assert all(text in html for text in shown) and not any(text in html for text in hidden)


def test_admin_answers_a_saran_and_the_answer_is_kept_and_audited(db, staffed, as_user, saran):
    client = as_user(staffed.users["office_admin"])
    target = saran["parkir"]
    response = client.post(f"/admin/saran/{target.id}/reply",
                           data={"reply": "Lahan parkir tambahan disiapkan bulan depan.", "period": "2026-10"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(SurveyResponse, target.id)
    assert stored.saran_reply == "Lahan parkir tambahan disiapkan bulan depan."
    assert stored.saran_replied_by == staffed.users["office_admin"].id and stored.saran_replied_at
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "survey.saran_reply")) is not None
    answered = _page(client, staffed.office, state="answered")
    assert "Lahan parkir tambahan" in answered and "Petugas ramah" not in answered
    assert "Tempat parkir" not in _page(client, staffed.office, state="open")


def test_too_long_an_answer_is_refused_and_nothing_is_stored(db, staffed, as_user, saran):
    client = as_user(staffed.users["office_admin"])
    response = client.post(f"/admin/saran/{saran['ramah'].id}/reply", data={"reply": "x" * 2001})
    assert response.status_code == 400 and "Paling banyak 2000 karakter." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SurveyResponse, saran["ramah"].id).saran_reply == ""


def test_supervisor_reads_but_does_not_answer_and_other_offices_are_forbidden(staffed, as_user, saran):
    supervisor = as_user(staffed.users["supervisor"])
    assert "Tempat parkir" in _page(supervisor, staffed.office)
    assert supervisor.post(f"/admin/saran/{saran['parkir'].id}/reply", data={"reply": "x"}).status_code == 403
    other = as_user(staffed.other_admin)
    assert other.get(f"/admin/saran?office_id={staffed.office.id}&period=2026-10").status_code == 403
    assert other.post(f"/admin/saran/{saran['parkir'].id}/reply", data={"reply": "x"}).status_code == 403
    assert as_user(staffed.users["receptionist"]).get("/admin/saran").status_code == 403


def test_saran_page_in_english(staffed, as_user, saran):
    html = _page(as_user(staffed.users["office_admin"]), staffed.office, lang="en")
    assert "3 suggestions in October 2026" in html and "Save the answer" in html


def test_saran_page_in_a_real_browser(staffed, saran, live_server, browser, artifacts):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill("#username", staffed.users["office_admin"].username)
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/saran?office_id={staffed.office.id}&period=2026-10")
    assert page.locator('[data-testid="saran"]').count() == 3
    target = f"#reply-{saran['parkir'].id}"
    page.fill(target, "Lahan parkir tambahan disiapkan.")
    page.click(f"#saran-{saran['parkir'].id} button[type=submit]")
    assert page.input_value(target) == "Lahan parkir tambahan disiapkan."
    page.screenshot(path=str(artifacts / "admin-saran.png"), full_page=True)
    page.close()
