"""The strict CSP holds in a real browser: staff pages and the desk app run without a violation."""
import pytest

from tests.sync.conftest import Tablet  # noqa: F401  (the tablet fixtures come from conftest)

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def violations(page) -> list[str]:
    found = page.evaluate("window.__csp || []")
    found += [m for m in page.console_errors if "Content Security Policy" in m]
    return found


def test_staff_pages_work_under_the_csp(page, live_server, make_user, client, tablet_for, artifacts):
    admin = make_user("office_admin")
    tablet = tablet_for(admin.office)
    event = tablet.registration(id_number="6171014508900003")
    assert client.post("/api/v1/push", json={"protocol": 1, "events": [event]},
                       headers=tablet.headers).status_code == 200
    page.goto("/login")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    seen = {}
    for path in ("/admin/", "/admin/visits", f"/admin/visits/{event['visit_id']}", "/admin/devices",
                 "/admin/onsite", "/dashboard/", "/admin/privacy/"):
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        seen[path] = (response.status, violations(page))
    page.fill("input[name=nik]", "6171014508900003")
    page.click("form[action$='/search'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-visit]").count() == 1
    page.screenshot(path=str(artifacts / "trust-privacy-search.png"), full_page=True)
    seen["privacy search"] = (200, violations(page))
    page.goto(f"/admin/privacy/visits/{event['visit_id']}/correct?lang=en")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / "trust-privacy-correct-en.png"), full_page=True)
    seen["privacy correct"] = (200, violations(page))
    assert {p: v for p, (s, v) in seen.items() if v} == {}
    assert all(s == 200 for s, _ in seen.values()), seen


def test_desk_app_loads_under_the_csp(page, artifacts):
    page.goto("/app/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "trust-desk-app-csp.png"))
    assert violations(page) == []
    assert page.locator("body").inner_text().strip() != ""
