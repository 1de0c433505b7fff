"""The staff and public pages in a real browser: the main flows, a screenshot of every page
type (test-artifacts/web-*.png), and axe-core with no serious or critical violation."""
import json
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.api.operations import create_survey_link
from server.models import ELEMENT_KEYS, Device, Quarantine, Visit

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def axe_problems(page) -> list:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found
            if v["impact"] in ("serious", "critical")]


class Session:
    """A browser context for one user, watching for CSP and script errors."""

    def __init__(self, browser, base, artifacts, viewport=DESKTOP, bypass_csp=False):
        self.context = browser.new_context(viewport=viewport, locale="id-ID", bypass_csp=bypass_csp)
        self.page = self.context.new_page()
        self.base, self.artifacts = base, artifacts
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, user):
        self.page.goto(self.base + "/login")
        self.page.fill("input[name=username]", user.username)
        self.page.fill("input[name=password]", "password123")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path):
        response = self.page.goto(self.base + path)
        return response

    def shot(self, name, full_page=True):
        self.page.screenshot(path=str(self.artifacts / f"web-{name}.png"), full_page=full_page)

    def close(self):
        self.context.close()


@pytest.fixture
def session(browser, live_server, artifacts):
    opened = []

    def make(**kw):
        s = Session(browser, live_server, artifacts, **kw)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def test_admin_enrols_a_tablet_with_the_code_page(db, staffed, session, live_server):
    s = session()
    s.login(staffed.users["office_admin"])
    s.go("/admin/devices")
    s.page.click("text=Daftarkan tablet")
    s.page.select_option("select[name=office_id]", str(staffed.office.id))
    s.page.fill("input[name=device_name]", "Meja lobi utama")
    s.page.click("button[type=submit].primary")
    code = s.page.inner_text("[data-testid=enrol-code]").strip()
    assert s.page.locator(".qr svg").count() == 1
    s.shot("device-code")
    request = urllib.request.Request(
        live_server + "/api/v1/enroll", method="POST",
        data=json.dumps({"protocol": 1, "code": code, "device_name": "Meja lobi utama"}).encode(),
        headers={"Content-Type": "application/json", "X-Sitamu-Protocol": "1"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    s.go("/admin/devices")
    assert s.page.locator("td", has_text="Meja lobi utama").count() == 1
    s.shot("devices")
    assert not [e for e in s.errors if "Content Security Policy" in e], s.errors


def test_host_receives_a_guest_and_declines_another_with_a_reason(db, staffed, session, tablet, make_visit):
    desk = tablet(staffed.office)
    first = make_visit(desk, host=staffed.host, name="Siti Aminah", queue="A001")
    second = make_visit(desk, host=staffed.host, name="Agus Salim", queue="A002", institution="PT Sinar")
    s = session(viewport=PHONE)
    s.login(staffed.users["host"])
    s.go("/host/")
    assert s.page.locator("[data-testid=waiting-guest]").count() == 2
    s.shot("host-inbox")
    card = s.page.locator("[data-testid=waiting-guest]", has_text="Agus Salim")
    card.locator("button.danger").click()
    s.page.wait_for_load_state()
    assert s.page.locator(".field-error").first.inner_text().startswith("Wajib diisi")
    card = s.page.locator("[data-testid=waiting-guest]", has_text="Agus Salim")
    card.locator("input[name$=reason]").fill("Sedang rapat, mohon kembali besok.")
    card.locator("button.danger").click()
    s.page.wait_for_load_state()
    s.page.locator("[data-testid=waiting-guest]", has_text="Siti Aminah").locator("button.primary").click()
    s.page.wait_for_load_state()
    assert "Tidak ada tamu yang menunggu" in s.page.content()
    s.shot("host-inbox-answered")
    db.session.expire_all()
    assert db.session.get(Visit, first.id).stage == "host_received"
    assert db.session.get(Visit, second.id).unavailable_reason == "Sedang rapat, mohon kembali besok."
    assert not [e for e in s.errors if "Content Security Policy" in e], s.errors


def test_supervisor_reads_a_trend_and_downloads_its_csv(db, staffed, session, make_response):
    for month, score in ((8, 3), (9, 4), (10, 4)):
        make_response(staffed.office, score, at=datetime(2026, month, 12, 3, tzinfo=timezone.utc))
    s = session()
    s.login(staffed.users["supervisor"])
    s.go("/dashboard/?period=2026-10")
    row = s.page.locator("[data-testid=trend-table] tbody tr", has_text="KANTOR-A")
    cells = row.locator("td").all_inner_texts()
    assert cells == ["–", "–", "–", "75,00", "100,00", "100,00"]
    assert s.page.locator("svg.chart").count() >= 3
    s.shot("dashboard")
    with s.page.expect_download() as info:
        s.page.locator("#trend-h ~ p a", has_text="Unduh CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == "KANTOR-A,,,,75.0,100.0,100.0"


def test_admin_downloads_the_visit_register_of_a_month(db, staffed, session, tablet, make_visit):
    """The register itself is the reports area's; the admin reaches it from the console."""
    from pypdf import PdfReader

    make_visit(tablet(staffed.office), host=staffed.host, name="Siti Aminah", institution="CV Maju Jaya")
    s = session()
    s.login(staffed.users["office_admin"])
    s.go("/admin/")
    s.page.click("nav.subnav >> text=Laporan")
    s.page.wait_for_load_state()
    s.page.select_option("#reg-office", str(staffed.office.id))
    month = datetime.now(timezone.utc).astimezone(staffed.office.tz).strftime("%Y-%m")
    s.page.fill("#reg-month", month)
    s.page.locator("form", has=s.page.locator("input[name=kind][value=register]")) \
        .locator("button[type=submit]").click()
    link = s.page.locator("[data-report-download]")
    link.wait_for(state="visible", timeout=120_000)
    s.shot("report-job")
    # Fetched with the browser's own session (the PDF may open inline rather than download).
    href = link.evaluate("a => a.href")
    response = s.context.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/pdf"), href
    pdf = s.artifacts / "web-register.pdf"
    pdf.write_bytes(response.body())
    text = "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert "Siti Aminah" in text and "CV Maju Jaya" in text


@pytest.fixture
def every_page(db, staffed, tablet, make_visit, make_response):
    """Data so that every page type has something on it."""
    desk = tablet(staffed.office, name="Meja depan 1")
    now = datetime.now(timezone.utc)
    visit = make_visit(desk, host=staffed.host, name="Siti Aminah", steps=[
        ("verification", 20, {"ok": True}, "cocokkan_identitas"),
        ("host_notified", 22, {"channel": "phone"}, "hubungi_petugas")])
    make_visit(desk, service=staffed.service, name="Rudi Hartono", queue="A002", institution="Dinas PU")
    for month_back in range(4):
        make_response(staffed.office, {k: (4 if (i + month_back) % 3 else 3) for i, k in enumerate(ELEMENT_KEYS)},
                      at=now - timedelta(days=30 * month_back + 1))
    device = db.session.get(Device, desk.device.id)
    device.highest_seq, device.clock_skew_ms = device.acked_seq + 2, 420_000
    item = Quarantine(office_id=staffed.office.id, device_id=desk.device.id, record_id="q1",
                      record_type="event", payload={"kind": "registration", "visit_id": "q1",
                                                    "payload": {"name": "", "id_number": "6171014506900001"}},
                      errors={"payload.name": "must not be empty"})
    db.session.add(item)
    db.session.commit()
    token, _, _ = create_survey_link(desk.device, visit.id)
    return {"visit": visit, "item": item, "token": token}


ADMIN_PAGES = [
    ("admin-home", "/admin/"),
    ("offices", "/admin/offices"),
    ("office-form", "/admin/offices/{office}"),
    ("office-new", "/admin/offices/new"),
    ("office-sop", "/admin/offices/{office}/sop"),
    ("staff", "/admin/staff"),
    ("staff-form", "/admin/staff/new"),
    ("hosts", "/admin/hosts"),
    ("host-form", "/admin/hosts/{host}"),
    ("services", "/admin/services"),
    ("service-form", "/admin/services/new"),
    ("devices-list", "/admin/devices"),
    ("device-enrol", "/admin/devices/enrol"),
    ("visits", "/admin/visits"),
    ("visit-detail", "/admin/visits/{visit}"),
    ("onsite", "/admin/onsite"),
    ("quarantine", "/admin/quarantine"),
    ("quarantine-item", "/admin/quarantine/{item}"),
    ("audit", "/admin/audit"),
    ("dashboard-full", "/dashboard/"),
]


def test_every_page_type_passes_axe_and_is_screenshotted(db, staffed, every_page, session):
    ids = {"office": staffed.office.id, "host": staffed.host.id, "visit": every_page["visit"].id,
           "item": every_page["item"].id}
    problems = {}
    s = session(bypass_csp=True)
    s.login(staffed.users["central_admin"])
    for name, path in ADMIN_PAGES:
        response = s.go(path.format(**ids))
        assert response.status == 200, (name, response.status)
        s.shot(name)
        problems[name] = axe_problems(s.page)
    # The on-site list as it prints.
    s.go("/admin/onsite")
    s.page.emulate_media(media="print")
    s.shot("onsite-print")
    s.page.pdf(path=str(s.artifacts / "web-onsite.pdf"), format="A4")
    s.page.emulate_media(media="screen")
    # An invalid form, as the user sees it.
    s.go("/admin/hosts/new")
    s.page.click("button[type=submit].primary")
    s.page.wait_for_load_state()
    s.shot("host-form-errors")
    problems["host-form-errors"] = axe_problems(s.page)
    # The English switch.
    s.go("/admin/?lang=en")
    s.shot("admin-home-en")
    s.go("/admin/?lang=id")

    host = session(viewport=PHONE, bypass_csp=True)
    host.login(staffed.users["host"])
    host.go("/host/")
    host.shot("host-inbox-phone")
    problems["host-inbox"] = axe_problems(host.page)

    public = session(viewport=PHONE, bypass_csp=True)
    public.go(f"/p/survey/{every_page['token']}")
    public.shot("survey-phone")
    problems["survey"] = axe_problems(public.page)
    public.page.locator("label.opt", has_text="Sangat mudah").click()
    public.page.locator("label.opt", has_text="Sangat baik").click()
    public.page.click("button[type=submit]")
    public.page.wait_for_load_state()
    public.shot("survey-thanks")
    problems["survey-thanks"] = axe_problems(public.page)
    public.go(f"/p/ikm/{staffed.office.code}")
    public.shot("public-ikm-phone")
    problems["public-ikm"] = axe_problems(public.page)
    public.go(f"/p/survey/{every_page['token']}")
    public.shot("survey-closed")

    bad = {k: v for k, v in problems.items() if v}
    assert not bad, bad


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_real_forms_carry_their_csrf_token(db, app, staffed, session, tablet, make_visit, csrf_on):
    visit = make_visit(tablet(staffed.office), host=staffed.host, name="Siti Aminah")
    host = session(viewport=PHONE)
    host.login(staffed.users["host"])
    host.go("/host/")
    host.page.locator("[data-testid=waiting-guest] button.primary").click()
    host.page.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).stage == "host_received"
    admin = session()
    admin.login(staffed.users["office_admin"])
    admin.go(f"/admin/hosts/{staffed.host.id}")
    admin.page.fill("input[name=position]", "Kepala Biro")
    admin.page.click("button[type=submit].primary")
    admin.page.wait_for_load_state()
    assert "Pejabat disimpan" in admin.page.content()
    admin.go("/admin/visits")
    admin.page.fill("#f-q", "siti")
    admin.page.click("form.filters button[type=submit]")
    admin.page.wait_for_load_state()
    assert "siti" not in admin.page.url.lower()
    assert admin.page.locator("table a", has_text="Siti Aminah").count() == 1
    # A form posted without its token is refused and changes nothing.
    response = admin.context.request.post(admin.base + f"/admin/hosts/{staffed.host.id}",
                                          form={"office_id": str(staffed.office.id), "name": "Diganti"})
    assert response.status == 400
    db.session.expire_all()
    from server.models import Host

    assert db.session.get(Host, staffed.host.id).name == "Dr. Rina Kartika"


def test_no_page_breaks_the_content_security_policy(db, staffed, every_page, session):
    s = session()  # CSP enforced
    s.login(staffed.users["central_admin"])
    ids = {"office": staffed.office.id, "host": staffed.host.id, "visit": every_page["visit"].id,
           "item": every_page["item"].id}
    for _name, path in ADMIN_PAGES:
        s.go(path.format(**ids))
    phone = session(viewport=PHONE)
    phone.go(f"/p/survey/{every_page['token']}")
    phone.go(f"/p/ikm/{staffed.office.code}")
    problems = [e for e in s.errors + phone.errors if "Content Security Policy" in e or "Refused" in e]
    assert not problems, problems
