"""axe-core finds no serious or critical violation on the desk app's main screens, in
Indonesian and English, portrait and landscape; each screen is saved as a screenshot."""
from pathlib import Path

import pytest

from .conftest import LANDSCAPE, PORTRAIT, Desk

AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def axe_problems(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_main_screens_have_no_serious_accessibility_violations(orientation, browser, live_server, artifacts,
                                                               desk_office, enrol_code, db):
    data = desk_office("kalbar-2021")
    viewport = LANDSCAPE if orientation == "landscape" else PORTRAIT
    # axe is injected as an inline script, which the app's CSP rightly forbids: bypass it here only.
    context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta", bypass_csp=True)
    desk = Desk(context, live_server, artifacts)
    page = desk.page
    found = {}

    def check(name):
        desk.shot(f"{name}-{orientation}")
        found[name] = axe_problems(page)

    try:
        desk.open()
        page.wait_for_selector("#enroll-code")
        check("enroll")
        desk.enrol(enrol_code(data["office"], data["staff"]))
        check("kiosk")
        page.click("#start-register")
        page.wait_for_selector("#register-form")
        check("register")
        page.click("a.btn:has-text('Batal')")
        queue = desk.register(name="Budi Santoso", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.")
        check("slip")
        page.evaluate("location.hash = '#/staff'")
        page.wait_for_selector("#login-form")
        check("login")
        desk.login(data["staff"])
        check("board")
        desk.open_visit(queue)
        check("visit")
        page.evaluate("location.hash = '#/survey/' + document.location.hash.split('/')[2]")
        page.click("#survey-start")
        check("survey-question")
        for _ in range(9):
            page.click("button.answer[data-score='4']")
        check("survey-profile")
        desk.login(data["staff"])  # the survey handed the tablet to the guest: staff mode locked
        page.evaluate("location.hash = '#/reconcile'")
        page.wait_for_selector(".reconcile")
        check("reconcile")
        # English for a foreign guest.
        page.evaluate("location.hash = '#/kiosk'")
        page.click("button.lang[lang='en']")
        page.wait_for_selector("text=Sign the Guest Book")
        page.click("#start-register")
        page.wait_for_selector("#register-form")
        check("register-en")
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}
