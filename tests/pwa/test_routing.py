"""A screen the user already left never mounts over the one they went to: routes render
one after another and the last hash wins (CI saw the welcome screen replace the PIN form when
"Selesai" on the slip was followed at once by "Mode Petugas")."""

LEAVE_SOON = """async (delay) => {
  location.hash = '#/kiosk';
  await new Promise((done) => addEventListener('hashchange', done, { once: true }));
  // The welcome screen's route is now waiting on the database; leave it part-way.
  await new Promise((done) => setTimeout(done, delay));
  location.hash = '#/staff';
  await new Promise((done) => setTimeout(done, 300));
  return { hash: location.hash, login: !!document.querySelector('#login-form'),
           welcome: !!document.querySelector('.welcome') };
}"""


def test_the_last_screen_asked_for_is_the_one_shown(desk_office, enrol_code, desk_factory):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    page = desk.page
    page.wait_for_selector(".welcome")
    for delay in (0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10):
        page.evaluate("location.hash = '#/survey'")
        page.wait_for_selector(".welcome", state="detached")
        state = page.evaluate(LEAVE_SOON, delay)
        assert state == {"hash": "#/staff", "login": True, "welcome": False}, (delay, state)
