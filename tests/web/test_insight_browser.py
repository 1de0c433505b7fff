"""The dashboard pages in Debian's Chromium at 1366x768 and 390 px: nothing wider than the
screen, charts drawn with their axes, no script error, no serious axe-core violation;
screenshots in test-artifacts/insight-*.png."""
from datetime import datetime, timedelta, timezone

import pytest

from server.models import ELEMENT_KEYS
from tests.web.test_browser import Session, axe_problems

pytestmark = pytest.mark.browser

SIZES = {"wide": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def figures(db, staffed, tablet, make_visit, make_response):
    desk = tablet(staffed.office)
    start = datetime(2026, 10, 5, 2, 0, tzinfo=timezone.utc)
    for n in range(12):
        make_visit(desk, host=staffed.host, service=staffed.service, at=start + timedelta(days=n % 5, hours=n % 6),
                   institution=["CV Maju Jaya", "Dinas PU", "Universitas Tanjungpura"][n % 3],
                   steps=[("verification", 5 + 3 * n, {"ok": True}, "cocokkan_identitas"),
                          ("admitted", 20 + n, {}, "terima_tamu"), ("checked_out", 50 + 2 * n, {}, None)])
    for month, score in ((8, 3), (9, 3), (10, 4)):
        for k in range(3):
            make_response(staffed.office, {key: score if (i + k) % 3 else 3 for i, key in enumerate(ELEMENT_KEYS)},
                          at=datetime(2026, month, 10 + k, 3, tzinfo=timezone.utc), service_id=staffed.service.id)
    return staffed


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("path", ["/dashboard/?period=2026-10", "/dashboard/visits?period=2026-10",
                                  "/dashboard/exports?period=2026-10", "/dashboard/recap"])
def test_dashboard_pages_fit_the_screen(browser, live_server, artifacts, figures, path, size):
    s = Session(browser, live_server, artifacts, viewport=SIZES[size], bypass_csp=True)  # for axe-core
    try:
        missing = []
        s.page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        s.login(figures.users["central_admin"])
        response = s.go(path)
        assert response.status == 200
        page = s.page
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the {size} screen"
        if path.startswith("/dashboard/?"):
            # The trend chart has its axis ticks and the values at the points.
            ticks = page.locator('svg[aria-label="Tren IKM"] text.tick').all_text_contents()
            numbers = [int(t) for t in ticks if t.isdigit()]
            assert numbers == sorted(numbers) and len(numbers) >= 3 and numbers[0] >= 60, ticks
            assert page.locator('svg[aria-label="Tren IKM"] text.point').count() == 3
        name = path.split("?")[0].strip("/").replace("/", "-")
        s.page.screenshot(path=str(artifacts / f"insight-{name}-{size}.png"), full_page=True)
        assert axe_problems(page) == []
        # The browser's own favicon request is the only thing allowed to be missing.
        assert [u for u in missing if not u.endswith("/favicon.ico")] == []
        assert [e for e in s.errors if not e.startswith("Failed to load resource")] == []
    finally:
        s.close()
