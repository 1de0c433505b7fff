"""A working day at two offline desks that walks every branch of the seed SOPs (issue 12):
Tanjung Jabung Barat's three tiers (polite refusal at the desk and later, a refusal at the metal
detector, a cancel with items held, a guest without bags) and Kalimantan Timur's lobby arrival
and exit. The bugs people met are assertions here: a turned-away guest stays "on site", a held
card and KTP drop out of the reconciliation, the status reads "Terdaftar" all along, Kaltim
guests never leave, an empty card number says nothing."""
from sqlalchemy import select

from server.models import Visit

TANJABBAR = "Sekretariat Daerah Kab. Tanjung Jabung Barat"


def status(desk):
    return desk.page.get_attribute("#visit-stage", "data-status")


def current(desk):
    page = desk.page
    return page.get_attribute("#current-step", "data-step") if page.locator("#current-step").count() else None


def on_site_queues(desk):
    desk.page.evaluate("location.hash = '#/staff'")
    desk.page.wait_for_selector(".board")
    return desk.page.eval_on_selector_all("#on-site a.visit-row", "els => els.map((e) => e.dataset.queue)")


def reconcile_rows(desk):
    page = desk.page
    page.click("#go-reconcile")
    page.wait_for_selector("#reconcile-table, #reconcile-none")
    return {row.get_attribute("data-visit"): row.text_content() for row in page.locator("#reconcile-table tbody tr").all()}


def issue_card(desk, number, id_held="ktp"):
    desk.page.fill("#card-number", number)
    desk.page.select_option("#id-held", id_held)
    desk.act("#act-card")


def test_tanjabbar_day_every_branch_offline(desk_office, enrol_code, desk_factory, make_host, db):
    data = desk_office("tanjabbar-2017", name=TANJABBAR)
    make_host(office=data["office"], name="Drs. Wakil Contoh", position="Wakil Bupati", tier="pimpinan")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.context.set_offline(True)
    page = desk.page

    q_away = desk.register(name="Tamu Bupati", nik="1571011505900001", sex="L", host="H. Bupati Contoh")
    page.click("#slip-done")
    q_meet = desk.register(name="Tamu Wakil", nik="1571015505900002", sex="P", host="Drs. Wakil Contoh")
    page.click("#slip-done")
    q_later = desk.register(name="Tamu Kepala Biro", nik="1571011505900003", sex="L", host="Ir. Agus Salim, M.T.")
    page.click("#slip-done")
    q_cancel = desk.register(name="Tamu Kabag", nik="1571015505900004", sex="P", host="Dra. Rina Wati")
    page.click("#slip-done")
    q_refused = desk.register(name="Tamu Diperiksa", nik="1571011505900005", sex="L", host="Drs. Wakil Contoh")
    page.click("#slip-done")
    desk.login(data["staff"])
    assert sorted(on_site_queues(desk)) == sorted([q_away, q_meet, q_later, q_cancel, q_refused])
    desk.shot("lifecycle-board-morning")

    # 1. The Bupati is away: the polite refusal at step 1 ends the visit at once.
    desk.open_visit(q_away)
    assert current(desk) == "sambut_dan_registrasi"
    assert status(desk) == "desk"
    page.click("#act-host-unavailable-open")
    page.fill("#unavailable-reason", "Mohon maaf, Bapak Bupati sedang dinas luar daerah.")
    page.click("#act-host-unavailable")
    page.wait_for_selector("#visit-stage[data-status='turned_away']")
    assert current(desk) is None
    assert "dinas luar daerah" in page.text_content("#unavailable-note")
    assert page.locator("#act-cancel").count() == 0
    desk.shot("lifecycle-tanjabbar-turned-away")
    assert q_away not in on_site_queues(desk)

    # 2. The Wakil Bupati's guest walks the whole pimpinan tier; the status follows every step.
    desk.open_visit(q_meet)
    page.click("#act-card")  # an empty card number says why
    assert page.text_content("#card-number-error").strip() == "Isi nomor kartu tamu."
    assert current(desk) == "sambut_dan_registrasi"
    desk.act("#act-notify-aiphone", wait_step_change=False)
    page.wait_for_selector("#notified-note")
    issue_card(desk, "10")
    assert current(desk) == "arahkan_ruang_tunggu"
    desk.shot("lifecycle-tanjabbar-pimpinan-step2")
    desk.act("#act-step-done")
    assert status(desk) == "waiting"
    assert current(desk) == "simpan_barang_loker"
    desk.shot("lifecycle-tanjabbar-pimpinan-locker")
    desk.act("#act-skip")  # no bags: one tap, recorded as skipped
    assert current(desk) == "pemeriksaan_metal_detektor"
    desk.act("#act-screen-clear")
    assert status(desk) == "screening"
    assert current(desk) == "menghadap"
    assert "15" in page.text_content("#time-limit-reminder") or page.locator("#time-limit-reminder").count() == 1
    page.click("#act-admit")  # the ADC shows the guest in, reminding of the time limit
    page.wait_for_selector("#visit-stage[data-status='with_host']")
    assert page.locator("#time-limit-until").count() == 1
    desk.shot("lifecycle-tanjabbar-pimpinan-with-host")
    desk.act("#act-finish")
    assert status(desk) == "finished"
    assert current(desk) == "kembalikan_kartu"
    page.click("#act-checkout")
    page.wait_for_selector("#visit-stage[data-status='checked_out']")

    # 3. Eselon II/III: the host becomes unavailable after the waiting room, with card and SIM held;
    # the desk keeps them for now: they stay in the reconciliation whatever the outcome.
    desk.open_visit(q_later)
    desk.shot("lifecycle-tanjabbar-eselon23-step1")
    issue_card(desk, "11", "sim")
    desk.act("#act-step-done")
    assert current(desk) == "simpan_barang_loker"
    page.click("#act-host-unavailable-open")
    assert page.is_checked("#host_unavailable-ret-card") and page.is_checked("#host_unavailable-ret-id_document")
    page.uncheck("#host_unavailable-ret-card")
    page.uncheck("#host_unavailable-ret-id_document")
    page.click("#act-host-unavailable")
    page.wait_for_selector("#visit-stage[data-status='turned_away']")
    assert page.get_attribute("#custody li[data-item='card']", "data-held") == "1"
    desk.shot("lifecycle-tanjabbar-turned-away-items-held")

    # 4. Eselon IV: cancelled with the card and KTP given back in the same step.
    desk.open_visit(q_cancel)
    desk.shot("lifecycle-tanjabbar-eselon4-step1")
    issue_card(desk, "12")
    page.click("#act-cancel-open")
    page.fill("#cancel-reason", "Tamu tidak jadi menunggu")
    page.click("#act-cancel")
    page.wait_for_selector("#visit-stage[data-status='cancelled']")
    assert page.locator("#custody li[data-held='1']").count() == 0

    # 5. Refused at the metal detector: the walk goes to returning the card, then the guest leaves.
    desk.open_visit(q_refused)
    issue_card(desk, "13")
    desk.act("#act-step-done")
    page.fill("#locker-number", "L4")
    desk.act("#act-locker")
    desk.act("#act-screen-refused")
    assert status(desk) == "refused"
    assert current(desk) == "kembalikan_kartu"
    page.click("#act-checkout")
    page.wait_for_selector("#current-step", state="detached")
    assert status(desk) == "refused"

    # End of day: only what is still held, whatever became of the visit; returned from the table.
    assert on_site_queues(desk) == []
    desk.shot("lifecycle-board-evening")
    rows = reconcile_rows(desk)
    desk.shot("lifecycle-reconcile")
    assert len(rows) == 1
    (visit_id, text), = rows.items()
    assert "11" in text and "SIM" in text
    box = page.locator("#reconcile-table tbody tr button").first.bounding_box()
    assert box["height"] >= 44
    # An offline restart keeps all of it.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    desk.login(data["staff"])
    assert list(reconcile_rows(desk)) == [visit_id]
    page.click(f"#reconcile-table tr[data-visit='{visit_id}'] button.primary")
    page.wait_for_selector("#reconcile-none")

    desk.context.set_offline(False)
    desk.sync()
    db.session.expire_all()
    visits = {v.queue_number: v for v in db.session.scalars(select(Visit))}
    outcomes = {q: visits[q].state["outcome"] for q in visits}
    assert outcomes == {q_away: "turned_away", q_meet: "checked_out", q_later: "turned_away",
                        q_cancel: "cancelled", q_refused: "refused"}
    assert not any(v.custody_open for v in visits.values())
    assert visits[q_meet].state["skipped"] == ["simpan_barang_loker"]
    assert visits[q_meet].state["time_limit_reminded"] is True
    assert visits[q_later].state["custody"]["id_document"]["type"] == "sim"
    assert visits[q_later].state["outcome_reason"]
    steps = {s for s in visits[q_later].state["step_last"]}
    assert "simpan_barang_loker" in steps  # the refusal travels with the step it happened at


def test_kaltim_lobby_arrival_joins_the_guest_book_and_the_guest_leaves(desk_office, enrol_code, desk_factory, db):
    data = desk_office("kaltim-2022", name="Dinas Perindustrian, Perdagangan, Koperasi dan UKM")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    desk.context.set_offline(True)
    page = desk.page
    desk.login(data["staff"])

    # The satpam receives the guest at the lobby before the guest book: one tap.
    page.click("#act-arrived")
    page.wait_for_selector("#on-site a.visit-row")
    queue = page.get_attribute("#on-site a.visit-row", "data-queue")
    desk.open_visit(queue)
    assert current(desk) == "isi_daftar_hadir"
    page.click("#act-open-kiosk")  # a guest screen: staff mode locks
    joined = desk.register(name="Tamu Lobi", nik="6471011505900001", sex="L", service="Konsultasi Pengadaan",
                           start="#register-form")
    assert joined == queue
    page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    assert current(desk) == "antar_ke_layanan"
    assert page.locator("#sop-steps li[data-step='terima_di_lobby'].done").count() == 1
    desk.act("#act-admit")
    assert status(desk) == "with_host"
    desk.act("#act-finish")
    assert current(desk) == "isi_skm"
    desk.act("#act-step-done")
    # The SOP ends with the survey: the desk records when the guest leaves.
    page.click("#act-checkout")
    page.wait_for_selector("#visit-stage[data-status='checked_out']")
    assert on_site_queues(desk) == []

    # A second guest: the service officer is away when the satpam takes the guest there.
    page.evaluate("location.hash = '#/kiosk'")
    q2 = desk.register(name="Tamu Kedua", nik="6471015505900002", sex="P", service="Konsultasi Pengadaan")
    page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(q2)
    desk.act("#act-step-done")  # the lobby step, ticked after the guest book
    assert current(desk) == "antar_ke_layanan"
    page.click("#act-host-unavailable-open")
    page.click("#act-host-unavailable")
    page.wait_for_selector("#visit-stage[data-status='turned_away']")
    assert on_site_queues(desk) == []

    desk.context.set_offline(False)
    desk.sync()
    db.session.expire_all()
    visits = {v.queue_number: v for v in db.session.scalars(select(Visit))}
    assert visits[queue].state["outcome"] == "checked_out"
    assert visits[queue].name == "Tamu Lobi"
    assert visits[queue].state["arrived_at"] < visits[queue].state["step_last"]["isi_daftar_hadir"]["at"]
    assert visits[q2].state["outcome"] == "turned_away"
    assert visits[q2].stage == "host_unavailable"
