"""A full day at the desk with no internet: the server ends up with exactly what happened."""
from sqlalchemy import func, select

from server.models import Attachment, SurveyResponse, Visit, VisitEvent

NIK_1 = "6171011505900001"
NIK_2_TYPO = "6171017102900002"   # day 71-40 = 31 February: not a date
NIK_2 = "6171015102900002"        # a woman born 11 February 1990
NIK_2_FIXED = "6171015102900003"  # the desk finds the serial was copied wrong


def walk_to_checkout(desk, *, host_reply=True):
    desk.act("#act-notify-phone")
    if host_reply:
        desk.act("#act-host-received", wait_step_change=False)
        desk.page.wait_for_selector("#act-host-received", state="detached")
    desk.act("#act-admit")
    desk.act("#act-finish")
    desk.act("#act-feedback-ok")
    desk.page.click("#act-checkout")
    desk.page.wait_for_selector("#visit-stage[data-stage='checked_out']")


def test_offline_day_reaches_the_server_exactly(desk_office, enrol_code, desk_factory, photo_file, db):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.page.goto(f"{desk.base}/app/")
    desk.page.wait_for_selector("#enroll-code")
    desk.shot("enroll")
    desk.enrol(enrol_code(data["office"], data["staff"]))

    # The internet goes away; the app still opens.
    desk.context.set_offline(True)
    desk.page.reload()
    desk.page.wait_for_selector("#start-register")
    desk.page.wait_for_selector("#net-state.off")
    desk.shot("kiosk-offline")

    q1 = desk.register(name="Budi Santoso", nik=NIK_1, sex="L", host="Ir. Agus Salim, M.T.", photo=photo_file,
                       shot="register-filled")
    desk.shot("slip")
    desk.page.click("#slip-done")

    # Guest 2 mistypes the NIK: the form refuses it offline and says why, then accepts the fix.
    page = desk.page
    page.click("#start-register")
    page.fill("#id_number", NIK_2_TYPO)
    assert "tidak valid" in page.text_content("#id_number-error")
    page.click("#register-submit")
    assert page.locator("#form-message").text_content().strip()
    desk.shot("register-nik-error")
    page.click("a.btn:has-text('Batal')")
    q2 = desk.register(name="Siti Aminah", nik=NIK_2, sex="P", host="Dra. Rina Wati", photo=photo_file)
    page.click("#slip-done")
    q3 = desk.register(name="John Smith", id_type="sim", id_number="SIM-1234567", service="Konsultasi Pengadaan")
    assert [q1, q2, q3] == ["A-001", "A-002", "A-003"]

    # The receptionist walks each visit through the office's SOP, still offline.
    page.click("#slip-done")
    desk.login(data["staff"])
    assert page.locator("#on-site a.visit-row").count() == 3
    desk.shot("board")

    desk.open_visit(q1)
    assert page.get_attribute(".step.current", "data-step") == "cocokkan_identitas"
    assert "Helpdesk" in page.text_content(".step.current .actor")
    desk.shot("visit-sop")
    assert page.text_content("#visit-id-number") == NIK_1  # the desk compares it with the KTP
    desk.act("#act-verify-ok")
    assert page.text_content("#visit-id-number") == "•••• •••• •••• 0001"
    walk_to_checkout(desk)

    desk.open_visit(q2)
    page.click("#act-verify-bad-open")
    desk.act("#act-verify-bad")
    assert page.get_attribute(".step.current", "data-step") == "perbaiki_identitas"
    page.fill("#fix-id_number", NIK_2_FIXED)
    desk.shot("visit-correction")
    desk.act("#act-correct")
    walk_to_checkout(desk)

    desk.open_visit(q3)
    desk.act("#act-verify-ok")
    # A SIM number is masked like a NIK once it has been checked: one mask for every document.
    shown = page.text_content("#visit-id-number")
    assert shown.startswith("•") and "•" * 4 in shown
    desk.act("#act-notify-aiphone")
    page.click("#act-host-unavailable-open")
    page.fill("#unavailable-reason", "Mohon maaf, petugas sedang dinas luar.")
    page.click("#act-host-unavailable")
    page.wait_for_selector("#unavailable-note")
    # The polite refusal ends the visit: the guest is no longer on site, nothing is left to do.
    page.wait_for_selector("#visit-stage[data-status='turned_away']")
    assert page.locator("#act-cancel").count() == 0
    assert page.locator("#current-step").count() == 0

    # Guest 1 answers the survey at the kiosk.
    desk.open_visit(q1)
    page.click("#offer-survey")
    page.click("#survey-start")
    for score in (4, 3, 4, 4, 3, 4, 4, 3, 3):
        if score == 4 and page.get_attribute("#question", "data-element") == "waktu":
            page.click("button:has-text('Lewati')")
            continue
        page.click(f"button.answer[data-score='{score}']")
    page.click("label[for='gender-L']")
    page.click("label[for='age_band-30-39']")
    page.click("label[for='education-s1']")
    page.click("label[for='occupation-swasta']")
    page.fill("#saran", "Ruang tunggu nyaman.")
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")

    local_events = page.evaluate("""async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('sitamu-desk'); r.onsuccess = () => ok(r.result); });
        const all = (s) => new Promise((ok) => { const r = db.transaction(s).objectStore(s).getAll(); r.onsuccess = () => ok(r.result); });
        return (await all('events')).map((e) => [e.id, e.kind]);
    }""")
    assert len(local_events) == 21
    assert desk.pending() == len(local_events) + 1 + 5  # the events, the survey, 2 photos and 3 signatures
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0

    # Back online: everything reaches the server.
    desk.context.set_offline(False)
    desk.login(data["staff"])  # "Sinkronkan sekarang" is a staff control, hidden from guests
    desk.sync_by_button()
    db.session.expire_all()
    visits = {v.queue_number: v for v in db.session.scalars(select(Visit))}
    assert set(visits) == {q1, q2, q3}
    assert visits[q1].stage == "checked_out"
    assert visits[q2].stage == "checked_out"
    assert visits[q2].id_number == NIK_2_FIXED
    assert visits[q3].stage == "host_unavailable"
    assert visits[q3].state["outcome"] == "turned_away"
    assert visits[q3].state["outcome_reason"] == "Mohon maaf, petugas sedang dinas luar."
    assert visits[q3].id_type == "sim"
    server_events = {e.id: e.kind for e in db.session.scalars(select(VisitEvent))}
    assert server_events == dict(local_events)
    responses = db.session.scalars(select(SurveyResponse)).all()
    assert len(responses) == 1
    assert responses[0].visit_id == visits[q1].id
    assert (responses[0].persyaratan, responses[0].waktu, responses[0].sarana) == (4, None, 3)
    shas = {visits[q1].photo_sha, visits[q1].signature_sha, visits[q2].photo_sha, visits[q2].signature_sha,
            visits[q3].signature_sha}
    assert None not in shas
    stored = {a.sha256: a for a in db.session.scalars(select(Attachment))}
    assert shas <= set(stored)
    assert stored[visits[q1].photo_sha].content_type == "image/webp"  # pwa/encode.js
    assert stored[visits[q1].photo_sha].size <= 20 * 1024
    desk.shot("synced")
