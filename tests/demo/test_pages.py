"""The demo data as people see it: the Bupati's aide's inbox and the on-site list, in Chromium."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from server.demo import DEMO_PASSWORD, load_demo
from server.extensions import db as _db
from server.models import Host, Office, Visit
from server.webutil import local_day_bounds
from sync.rules import FINAL_STAGES

from .conftest import wipe

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_now(app):
    """Load the demo data for the real today, as `sitamu demo` does."""
    with app.app_context():
        wipe()
        load_demo(seed=2026)
        yield
        wipe()


def open_as(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_the_bupatis_aide_sees_guests_waiting_for_an_answer(app, demo_now, browser, live_server, artifacts):
    with app.app_context():
        bupati = _db.session.scalar(select(Host).where(Host.position == "Bupati Tanjung Jabung Barat"))
        waiting = [v.name for v in _db.session.scalars(select(Visit).where(
            Visit.host_id == bupati.id, Visit.stage == "host_notified"))]
    assert waiting
    context, page = open_as(browser, live_server, "ajudan.bupati")
    try:
        page.goto(live_server + "/host/")
        body = page.inner_text("body")
        assert "H. Muhammad Ridwan" in body
        for name in waiting:
            assert name in body
        page.screenshot(path=str(artifacts / "demo-host-inbox-bupati.png"), full_page=True)
    finally:
        context.close()


def test_the_on_site_list_has_todays_guests_and_no_full_nik(app, demo_now, browser, live_server, artifacts):
    with app.app_context():
        office = _db.session.scalar(select(Office).where(Office.code == "TANJABBAR-SETDA"))
        # On site: no outcome yet (a guest turned away has left, whatever the desk still holds).
        on_site = list(_db.session.scalars(select(Visit).where(
            Visit.office_id == office.id, Visit.stage.notin_(FINAL_STAGES))))
        left = list(_db.session.scalars(select(Visit).where(
            Visit.office_id == office.id, Visit.stage.in_(FINAL_STAGES),
            Visit.registered_at >= local_day_bounds(office.local(datetime.now(timezone.utc)).date(), office)[0])))
    assert on_site
    context, page = open_as(browser, live_server, "admin.tanjabbar")
    try:
        page.goto(live_server + "/admin/onsite")
        roll_call = page.inner_text("[data-testid=onsite]")
        assert all(v.name in roll_call for v in on_site)
        assert left and not [v.name for v in left if v.name in roll_call]
        body = page.inner_text("body")
        for visit in on_site:
            if visit.id_type == "ktp":
                assert visit.id_number not in body
        page.screenshot(path=str(artifacts / "demo-onsite-tanjabbar.png"), full_page=True)
        page.goto(live_server + "/admin/visits")
        page.screenshot(path=str(artifacts / "demo-visits-tanjabbar.png"))
    finally:
        context.close()
