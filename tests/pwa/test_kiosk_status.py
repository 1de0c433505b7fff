"""In kiosk mode guests see whether the tablet is online, never the sync internals (outbox
counts, storage permission, "Sinkronkan sekarang"); staff mode shows them."""
INTERNALS = ["#pending-count", "#last-sync", "#persist-state", "#sync-now"]


def test_guests_see_no_sync_internals_in_kiosk_mode(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    page = desk.page
    for screen in ("#/kiosk", "#/register", "#/survey"):
        page.evaluate(f"location.hash = '{screen}'")
        page.wait_for_function("(h) => location.hash === h && document.querySelector('#main > *:not(.loading)')", arg=screen)
        assert page.is_visible("#net-state")
        for selector in INTERNALS:
            assert not page.is_visible(selector), (screen, selector)
        text = page.inner_text("#statusbar")
        assert "Sinkronkan" not in text and "menunggu" not in text.lower(), text
    desk.shot("kiosk-statusbar")
    desk.login(data["staff"])
    for selector in INTERNALS:
        assert page.is_visible(selector), selector
