"""The phone-survey QR works while the desk is offline: the guest answers on their own phone
(online), the server keeps the answer, and once the desk syncs the visit's SKM step is done on
the server and on the tablet."""
import pytest
from sqlalchemy import select

from reports.ikm import ELEMENT_KEYS
from server.models import SurveyResponse, Visit

from .test_staff_lock import KALTIM_NIK, walk_to_survey

DECODE_QR = """async () => {
  const { default: jsQR } = await import('./vendor/jsqr.js');
  const img = document.querySelector('#survey-qr-img');
  await img.decode();
  const size = 480;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, size, size);
  ctx.drawImage(img, 0, 0, size, size);
  return jsQR(ctx.getImageData(0, 0, size, size).data, size, size)?.data || null;
}"""


@pytest.fixture
def public_url(app, live_server, monkeypatch):
    """Phone links point at the live server (the office's public URL, pulled by the tablet)."""
    monkeypatch.setitem(app.config, "SITAMU_PUBLIC_URL", live_server)
    return live_server


def test_offline_desk_shows_a_phone_qr_whose_answer_completes_the_skm_step(
        desk_office, enrol_code, desk_factory, browser, public_url, db):
    data = desk_office("kaltim-2022", name="Disperindagkop UKM")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    page = desk.page
    desk.context.set_offline(True)
    queue = desk.register(name="Siti Aminah", nik=KALTIM_NIK, service="Konsultasi Pengadaan")
    page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    visit_id = page.url.rsplit("/", 1)[-1]
    walk_to_survey(desk).click()
    page.wait_for_selector("#survey-qr-img")
    assert "daring" not in page.text_content("#survey")
    desk.shot("phone-qr-offline")
    url = page.evaluate(DECODE_QR)
    assert url and url.startswith(f"{public_url}/p/survey/m.")
    assert visit_id.replace("-", "") in url

    # The guest's phone has data: it answers while the desk is still offline.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        for key in ELEMENT_KEYS:
            phone.check(f"input[name='q_{key}'][value='4']")
        phone.click("button[type=submit]")
        phone.wait_for_selector("text=Terima kasih atas penilaian Anda!")
        phone.screenshot(path=str(desk.artifacts / "pwa-phone-survey-thanks.png"))
    finally:
        phone_context.close()
    db.session.expire_all()
    kept = db.session.scalar(select(SurveyResponse))
    assert kept.visit_id == visit_id and kept.source == "phone"
    assert db.session.get(Visit, visit_id) is None  # the desk has not synced yet

    # The desk comes back online: the visit arrives, the answer joins it, the step is done.
    desk.context.set_offline(False)
    desk.sync()
    desk.sync()  # the pull after the push brings the server's view of the visit back
    db.session.expire_all()
    visit = db.session.get(Visit, visit_id)
    assert (visit.state or {}).get("steps", {}).get("isi_skm")
    assert db.session.scalar(select(SurveyResponse)).service_id == data["service"].id
    desk.login(data["staff"])
    desk.open_visit(queue)
    page.wait_for_selector(".step.done[data-step='isi_skm']", state="attached")
    desk.shot("phone-survey-step-done")
