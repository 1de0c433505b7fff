"""Desk-app fixtures: an office with hosts, a service and a PIN-holding receptionist, enrolment
codes, and helpers that drive the real app in Chromium like a receptionist and a guest would."""
import pytest
from PIL import Image

from server.extensions import db as _db

PIN = "2468"
LANDSCAPE = {"width": 1180, "height": 820}
PORTRAIT = {"width": 820, "height": 1180}


@pytest.fixture
def desk_office(make_office, make_host, make_service, make_user):
    """An office on the given SOP template with two hosts, a service and a receptionist."""

    def make(template: str = "kalbar-2021", **overrides):
        office = make_office(sop_template=template, name=overrides.pop("name", "Biro Pengadaan Barang/Jasa"), **overrides)
        hosts = [
            make_host(office=office, name="Ir. Agus Salim, M.T.", position="Kepala Biro", tier="eselon_2_3"),
            make_host(office=office, name="Dra. Rina Wati", position="Kepala Bagian Umum", tier="eselon_4_asn"),
            make_host(office=office, name="H. Bupati Contoh", position="Bupati", tier="pimpinan",
                      available=False, unavailable_reason="Sedang rapat di luar kantor"),
        ]
        service = make_service(office=office, name="Konsultasi Pengadaan")
        staff = make_user(role="receptionist", office=office, username=f"resepsionis{office.id}")
        staff.set_pin(PIN)
        _db.session.commit()
        return {"office": office, "hosts": hosts, "service": service, "staff": staff}

    return make


@pytest.fixture
def enrol_code(db):
    """Return a factory of one-time enrolment codes made by the sync operation."""
    from server.api.operations import create_enrollment_code

    def make(office, user=None, name="Meja depan"):
        code, _ = create_enrollment_code(office, user, name)
        return code

    return make


@pytest.fixture
def photo_file(tmp_path):
    """A camera-sized JPEG a guest 'picks' when the tablet has no camera."""
    path = tmp_path / "guest.jpg"
    img = Image.new("RGB", (1280, 960), (200, 170, 140))
    for x in range(0, 1280, 40):
        for y in range(0, 960, 40):
            img.putpixel((x, y), (20, 20, 20))
    img.save(path, quality=92)
    return path


class Desk:
    """One tablet running the desk app in a browser context."""

    def __init__(self, context, base_url, artifacts):
        self.context = context
        self.base = base_url
        self.artifacts = artifacts
        self.page = context.pages[0] if context.pages else context.new_page()
        self.page.set_default_timeout(30_000)
        self.console = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def shot(self, name):
        self.page.screenshot(path=str(self.artifacts / f"pwa-{name}.png"), full_page=False)

    def open(self):
        self.page.goto(f"{self.base}/app/")
        self.page.wait_for_selector("body[data-ready='1']")

    def enrol(self, code, name="Meja depan"):
        self.open()
        self.page.fill("#enroll-code", code)
        self.page.fill("#enroll-name", name)
        self.page.click("#enroll-submit")
        self.page.wait_for_selector("#start-register")
        try:
            self.wait_synced()
            self.wait_worker()
        except Exception:
            state = self.page.evaluate("""async () => ({
                controller: !!navigator.serviceWorker.controller,
                regs: (await navigator.serviceWorker.getRegistrations()).map((r) => [r.active?.state, r.installing?.state, r.waiting?.state]),
                status: document.querySelector('#statusbar')?.textContent })""")
            raise AssertionError(f"enrolment did not settle: {state}; console: {self.console[-10:]}") from None

    def wait_worker(self):
        self.page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    def wait_synced(self):
        self.page.wait_for_function(
            "() => document.querySelector('#pending-count')?.dataset.count === '0' && !document.querySelector('#sync-now')?.disabled")
        self.page.wait_for_function("() => !/Belum|Never/.test(document.querySelector('#last-sync')?.textContent || 'Belum')")

    def sync(self):
        """Run a full sync that starts now (after any running one) and wait for its end."""
        result = self.page.evaluate("async () => await window.__sitamu.syncNow({again: true})")
        assert result["ok"], result
        self.wait_synced()

    def sync_by_button(self):
        """Tap "Sinkronkan sekarang" and wait until the outbox is empty."""
        self.page.click("#sync-now")
        self.page.wait_for_function("() => document.querySelector('#pending-count')?.dataset.count === '0'")
        self.wait_synced()

    def pending(self) -> int:
        return int(self.page.get_attribute("#pending-count", "data-count"))

    def register(self, *, name, nik=None, id_type="ktp", id_number=None, sex=None, host=None, service=None,
                 phone="081234567890", purpose="Konsultasi", photo=None, camera=False, shot=None,
                 start="#start-register"):
        """Fill the guest book as a guest; return the queue number shown on the slip."""
        page = self.page
        page.click(start)
        page.wait_for_selector("#register-form")
        if id_type != "ktp":
            page.click(f"label[for='id_type-{id_type}']")
        page.fill("#id_number", nik or id_number)
        if sex:
            page.click(f"label[for='sex-{sex}']")
        page.fill("#name", name)
        page.fill("#phone", phone)
        page.fill("#institution", "CV Maju Bersama")
        page.fill("#address", "Jl. Ahmad Yani No. 1, Pontianak")
        page.fill("#purpose", purpose)
        if host:
            page.fill("#host-search", host.split()[-1])
            page.click(f"label.host:has-text('{host}')")
        else:
            page.click("label[for='meet_kind-service']")
            page.click(f"label.choice:has-text('{service}')")
        if photo:
            page.set_input_files("#photo-file", str(photo))
            page.wait_for_selector(".photo-preview:not([hidden])")
        if camera:
            page.wait_for_function("() => document.querySelector('video.camera')?.videoWidth > 0")
            page.click("#take-photo")
            page.wait_for_selector(".photo-preview:not([hidden])")
        page.locator("#signature-pad").scroll_into_view_if_needed()
        box = page.locator("#signature-pad").bounding_box()
        w, h = box["width"], box["height"]
        page.mouse.move(box["x"] + w * 0.1, box["y"] + h * 0.5)
        page.mouse.down()
        for i in range(1, 12):
            page.mouse.move(box["x"] + w * (0.1 + i * 0.07), box["y"] + h * (0.3 if i % 2 else 0.7))
        page.mouse.up()
        page.check("#consent")
        if shot:
            self.shot(shot)
        page.click("#register-submit")
        try:
            page.wait_for_selector("#queue-number")
        except Exception:
            self.shot("debug-register")
            print("\n".join(self.console))
            raise
        return page.text_content("#queue-number").strip()

    def login(self, staff):
        page = self.page
        page.goto(f"{self.base}/app/#/staff") if page.url.endswith("/app/") else page.evaluate("location.hash = '#/staff'")
        try:
            page.wait_for_selector("#login-form")
            page.select_option("#staff-select", value=str(staff.id))
        except Exception:
            self.shot("debug-login")
            screen = page.evaluate("() => ({hash: location.hash, main: document.querySelector('main')?.innerText.slice(0, 300)})")
            print(f"login screen: {screen}\n" + "\n".join(self.console[-20:]))
            raise
        page.fill("#staff-pin", PIN)
        page.click("#login-submit")
        page.wait_for_selector(".board")

    def open_visit(self, queue):
        self.page.evaluate("location.hash = '#/staff'")
        self.page.click(f"a.visit-row[data-queue='{queue}']")
        self.page.wait_for_selector("#sop-steps", state="attached")  # the full SOP may be folded

    def act(self, selector, wait_step_change=True):
        page = self.page
        before = page.get_attribute(".step.current", "data-step") if page.locator(".step.current").count() else None
        page.click(selector)
        if wait_step_change:
            try:
                page.wait_for_function(
                    "(b) => (document.querySelector('.step.current')?.dataset.step || null) !== b", arg=before)
            except Exception:
                print("\n".join(self.console[-20:]))
                raise


@pytest.fixture
def desk_factory(browser, live_server, artifacts):
    """Return a factory of desks (each its own browser context = its own tablet)."""
    contexts = []

    def make(viewport=LANDSCAPE):
        context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta")
        contexts.append(context)
        return Desk(context, live_server, artifacts)

    yield make
    for context in contexts:
        context.close()

