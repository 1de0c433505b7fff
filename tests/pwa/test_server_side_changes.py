"""What the server decides reaches the tablet: a host's reply from the inbox, a one-time phone
survey link, and revocation (the tablet keeps what it has not sent and wipes the rest)."""
from sqlalchemy import select

from server.api.operations import find_survey_link, record_server_event, revoke_device
from server.models import Device, Visit

from .test_phone_survey import DECODE_QR


def idb_count(page, store):
    return page.evaluate("""async (store) => {
        const db = await new Promise((ok) => { const r = indexedDB.open('sitamu-desk'); r.onsuccess = () => ok(r.result); });
        return new Promise((ok) => { const r = db.transaction(store).objectStore(store).count(); r.onsuccess = () => ok(r.result); });
    }""", store)


def test_host_reply_and_phone_survey_link_reach_the_tablet(desk_office, enrol_code, desk_factory, db):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    queue = desk.register(name="Budi Santoso", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.")
    desk.page.click("#slip-done")

    # The same guest comes back later: found by NIK on this tablet, the form fills itself.
    page = desk.page
    page.click("#start-register")
    page.click("details.returning summary")
    page.fill("#lookup", "6171 0115 0590 0001")
    page.click("#lookup-find")
    page.wait_for_selector("#lookup-msg:not(:empty)")
    assert page.input_value("#name") == "Budi Santoso"
    assert page.input_value("#id_number") == "6171011505900001"
    page.click("a.btn:has-text('Batal')")
    desk.login(data["staff"])
    desk.open_visit(queue)
    desk.act("#act-verify-ok")
    desk.act("#act-notify-app")
    desk.sync()

    # The host answers from the web inbox; the tablet learns it by pull.
    visit = db.session.scalar(select(Visit).where(Visit.queue_number == queue))
    record_server_event(visit, "host_received", {}, actor=f"host:{data['hosts'][0].id}")
    desk.sync()
    desk.open_visit(queue)
    assert desk.page.get_attribute("#visit-stage", "data-stage") == "host_received"

    # The kiosk offers the survey with a one-time QR link for the guest's phone, minted by the
    # tablet (sync/PROTOCOL.md, "Survey links"): the server accepts it for this visit.
    desk.page.evaluate(f"location.hash = '#/survey/{visit.id}'")
    desk.page.wait_for_selector("#survey-qr img")
    desk.shot("survey-intro-qr")
    url = desk.page.evaluate(DECODE_QR)
    db.session.expire_all()
    link = find_survey_link(url.rsplit("/", 1)[-1])
    assert link is not None and link.visit_id == visit.id


def test_revoked_tablet_keeps_unsent_records_and_wipes_synced_personal_data(desk_office, enrol_code, desk_factory, db):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.register(name="Sudah Terkirim", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.")
    desk.page.click("#slip-done")
    desk.sync()

    desk.context.set_offline(True)
    device = db.session.scalar(select(Device))
    revoke_device(device, data["staff"])
    desk.register(name="Belum Terkirim", nik="6171011505900002", sex="L", host="Ir. Agus Salim, M.T.")
    desk.page.click("#slip-done")
    desk.context.set_offline(False)  # the `online` event starts a sync by itself
    desk.page.wait_for_selector("#enroll-code")
    assert "dicabut" in desk.page.text_content("main")
    desk.shot("revoked")
    assert idb_count(desk.page, "visits") == 0
    names = desk.page.evaluate("""async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('sitamu-desk'); r.onsuccess = () => ok(r.result); });
        return new Promise((ok) => { const r = db.transaction('events').objectStore('events').getAll(); r.onsuccess = () => ok(r.result.map((e) => e.payload.name)); });
    }""")
    assert names == ["Belum Terkirim"]
    assert idb_count(desk.page, "outbox") >= 1
    db.session.expire_all()
    assert [v.name for v in db.session.scalars(select(Visit))] == ["Sudah Terkirim"]
