"""At 1280x800 (a landscape desk tablet) the visit screen shows the current step's buttons
without scrolling, at every step of every seed SOP, the longest Tanjabbar tier included."""
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .test_staff_lock import KALTIM_NIK

TABLET = {"width": 1280, "height": 800}
OUT_OF_VIEW = """() => {
  const panel = document.querySelector('#current-step');
  if (!panel) return null;
  const controls = [...panel.querySelectorAll('button, summary, a.btn, input, select, textarea')]
    .filter((el) => el.checkVisibility({ checkVisibilityCSS: true }));
  return { scrollY: window.scrollY, count: controls.length,
           below: controls.filter((el) => el.getBoundingClientRect().bottom > innerHeight).map((el) => el.id || el.textContent.trim().slice(0, 40)) };
}"""


def advance(page):
    """Do the current step the ordinary way (card 11, locker 5, contact by phone, the main
    button); return once the step changed."""
    panel = "#current-step"
    before = page.get_attribute(panel, "data-step")
    for selector, value in (("#card-number", "11"), ("#locker-number", "5")):
        if page.locator(f"{panel} {selector}").count():
            page.fill(f"{panel} {selector}", value)
    for buttons in (f"{panel} .action .btn.primary:visible", f"{panel} .action button:visible",
                    f"{panel} .action .btn.primary:visible"):
        if not page.locator(buttons).count():
            continue
        page.locator(buttons).first.click()
        try:
            page.wait_for_function("(b) => document.querySelector('#current-step')?.dataset.step !== b",
                                   arg=before, timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"step {before} did not move on")


@pytest.mark.parametrize("template, guest", [
    ("kalbar-2021", {"host": "Dra. Rina Wati", "nik": "6171010101900001"}),
    ("kaltim-2022", {"service": "Konsultasi Pengadaan", "nik": KALTIM_NIK}),
    ("tanjabbar-2017", {"host": "H. Bupati Contoh", "nik": "1571010101900001"}),
])
def test_current_step_buttons_are_visible_without_scrolling_at_1280x800(desk_office, enrol_code, desk_factory, template, guest):
    data = desk_office(template)
    desk = desk_factory(viewport=TABLET)
    desk.enrol(enrol_code(data["office"], data["staff"]))
    queue = desk.register(name="Budi Santoso", **guest)
    desk.page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    page = desk.page
    seen = []
    for _ in range(14):
        state = page.evaluate(OUT_OF_VIEW)
        if state is None:
            break
        step = page.get_attribute("#current-step", "data-step")
        seen.append(step)
        desk.shot(f"visit-1280-{template}-{len(seen)}")
        assert state["count"] > 0, step
        assert state["scrollY"] == 0 and not state["below"], (step, state)
        if page.locator("#current-step a[href^='#/survey/']").count():
            break  # the survey hands the tablet to the guest
        advance(page)
    assert len(seen) >= 2, seen
