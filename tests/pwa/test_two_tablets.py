"""Two tablets of one office see each other's visits after a sync; the SOP walk follows the
host's tier (Tanjung Jabung Barat: metal-detector screening only for pimpinan and eselon II/III)."""
from sqlalchemy import select

from server.models import Visit


def steps_of(desk):
    return desk.page.eval_on_selector_all("#sop-steps li.step", "els => els.map((e) => e.dataset.step)")


def test_two_tablets_see_each_others_visits(desk_office, enrol_code, desk_factory, make_host, db):
    data = desk_office("tanjabbar-2017", name="Sekretariat Daerah Kab. Tanjung Jabung Barat")
    make_host(office=data["office"], name="Drs. Wakil Contoh", position="Wakil Bupati", tier="pimpinan")
    a, b = desk_factory(), desk_factory()
    a.enrol(enrol_code(data["office"], data["staff"], "Meja A"), name="Meja A")
    b.enrol(enrol_code(data["office"], data["staff"], "Meja B"), name="Meja B")

    qa = a.register(name="Tamu Pimpinan", nik="1571011505900001", sex="L", host="Drs. Wakil Contoh")
    a.page.click("#slip-done")
    qb = b.register(name="Tamu Staf", nik="1571015505900002", sex="P", host="Dra. Rina Wati")
    b.page.click("#slip-done")
    assert qa[0] != qb[0]  # each tablet has its own letter: numbers never collide
    assert qa.endswith("-001") and qb.endswith("-001")

    a.sync()
    b.sync()
    a.sync()
    for desk in (a, b):
        desk.login(data["staff"])
        queues = desk.page.eval_on_selector_all("#on-site a.visit-row", "els => els.map((e) => e.dataset.queue)")
        assert sorted(queues) == sorted([qa, qb])

    # Tablet B walks the visit tablet A registered: the pimpinan tier with its screening step.
    b.open_visit(qa)
    assert "pemeriksaan_metal_detektor" in steps_of(b)
    assert b.page.get_attribute(".step.current", "data-step") == "sambut_dan_registrasi"
    b.shot("visit-tanjabbar-pimpinan")
    b.page.fill("#card-number", "07")
    b.act("#act-card")
    b.act("#act-step-done")
    b.page.fill("#locker-number", "L12")
    b.act("#act-locker")
    b.act("#act-screen-clear")
    assert b.page.get_attribute(".step.current", "data-step") == "menghadap"

    # The eselon IV / ASN tier has no screening step.
    b.open_visit(qb)
    assert "pemeriksaan_metal_detektor" not in steps_of(b)

    # Reconciliation lists the card, KTP and locker still held.
    b.page.click("#go-reconcile")
    b.page.wait_for_selector("#reconcile-table")
    row = b.page.text_content("#reconcile-table tbody")
    assert "07" in row and "L12" in row
    b.shot("reconcile")

    b.sync()
    a.sync()
    db.session.expire_all()
    visit = db.session.scalar(select(Visit).where(Visit.queue_number == qa))
    assert (visit.card_number, visit.locker_number, visit.screening) == ("07", "L12", "clear")
    # Tablet A sees what tablet B did.
    a.open_visit(qa)
    assert a.page.get_attribute(".step.current", "data-step") == "menghadap"
