"""The lifecycle pages in a real browser (Debian's Chromium) with CSRF on: the desk gives back
card 11 and the KTP of a guest who was turned away from the on-site page (touch targets of at
least 44 px), and the Wakil Bupati's aide records the guest going in and the meeting's end."""
import pytest

from server.models import Visit
from tests.web.test_browser import axe_problems
from tests.web.test_lifecycle_pages import _turned_away_with_card_11, tanjabbar  # noqa: F401

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def page_as(browser, live_server):
    contexts = []

    def make(user, viewport=DESK, bypass_csp=False):
        context = browser.new_context(viewport=viewport, locale="id-ID", bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(live_server + "/login")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "password123")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def test_desk_gives_back_card_and_ktp_from_the_on_site_page(db, tanjabbar, tablet, make_visit, page_as,  # noqa: F811
                                                            live_server, artifacts, csrf_on):
    visit = _turned_away_with_card_11(tanjabbar, tablet, make_visit)
    make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Masih Menunggu", queue="B012",
               steps=[("waiting", 3, {}, "arahkan_ruang_tunggu")])
    page = page_as(tanjabbar.desk_user, bypass_csp=True)  # axe-core is injected as an inline script
    page.goto(live_server + "/admin/onsite")
    onsite = page.locator("[data-testid=onsite]")
    assert "Tamu Masih Menunggu" in onsite.inner_text() and "Tamu Ditolak Halus" not in onsite.inner_text()
    row = page.locator(f"[data-testid=custody] tr[data-visit='{visit.id}']")
    assert row.locator("[data-item=card]").inner_text() == "11"
    assert row.locator("[data-item=id_document]").inner_text() == "KTP"
    buttons = row.locator("button")
    assert buttons.count() == 3
    for n in range(3):
        box = buttons.nth(n).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (buttons.nth(n).inner_text(), box)
    assert axe_problems(page) == []
    page.screenshot(path=str(artifacts / "web-onsite-custody.png"), full_page=True)

    row.locator("button", has_text="Semua").click()
    page.wait_for_load_state()
    assert "Tercatat dikembalikan: Kartu tamu, Identitas." in page.inner_text(".flash")
    assert page.locator(f"[data-testid=custody] tr[data-visit='{visit.id}']").count() == 0
    db.session.expire_all()
    assert not db.session.get(Visit, visit.id).custody_open
    page.goto(live_server + f"/admin/visits/{visit.id}")
    status = page.locator("[data-testid=visit-status]")
    assert "Tidak dapat ditemui" in status.inner_text() and "belum dikembalikan" not in status.inner_text()
    page.screenshot(path=str(artifacts / "web-visit-returned.png"), full_page=True)
    assert page.errors == []


def test_aide_marks_the_guest_in_and_the_meeting_finished(db, tanjabbar, tablet, make_visit, page_as,  # noqa: F811
                                                          live_server, artifacts, csrf_on):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Bupati", steps=[
        ("card_issued", 2, {"card_number": "3", "id_held": "ktp"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu")])
    page = page_as(tanjabbar.aide, viewport={"width": 390, "height": 844})
    page.goto(live_server + "/host/")
    card = page.locator("[data-testid=waiting-guest]", has_text="Tamu Bupati")
    assert "batas waktu menghadap 20 menit" in card.inner_text()
    card.locator("button", has_text="Tamu menghadap").click()
    page.wait_for_load_state()
    card = page.locator("[data-testid=with-host-guest]", has_text="Tamu Bupati")
    assert "batas waktu 20 menit, sampai" in card.inner_text()
    assert card.locator("button").bounding_box()["height"] >= 44
    page.screenshot(path=str(artifacts / "web-host-with-host.png"), full_page=True)
    card.locator("button", has_text="Selesai menghadap").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=with-host-guest]").count() == 0
    db.session.expire_all()
    state = db.session.get(Visit, visit.id).state
    assert state["location"] == "finished" and state["time_limit_reminded"] is True
    assert page.errors == []
