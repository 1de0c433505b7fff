"""The visit lifecycle on the web pages (issue 12): every page shows the derived status in words,
the on-site page lists the guests on site and, apart, every item the desk still holds whatever
the outcome, held items are marked returned from there (a server-made `returned` event, audited),
and the host inbox records "went in" and "meeting finished" and declines at any point before
the meeting."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from server.models import AuditLog, Visit, VisitEvent

NOW = datetime.now(timezone.utc)


@pytest.fixture
def tanjabbar(db, make_office, make_host, make_user):
    """A Tanjabbar office (three tiers) with the Wakil Bupati's aide, a desk and an admin."""

    class Office:
        pass

    o = Office()
    o.office = make_office(code="TJB-UJI", name="Setda Tanjabbar Uji", sop_template="tanjabbar-2017",
                           visit_time_limit=20)
    o.host = make_host(o.office, name="Wakil Bupati Uji", position="Wakil Bupati", tier="pimpinan")
    o.kabag = make_host(o.office, name="Kabag Hukum Uji", position="Kepala Bagian", tier="eselon_4_asn")
    o.aide = make_user("host", office=o.office, username="ajudan.uji", host_id=o.host.id)
    o.kabag_aide = make_user("host", office=o.office, username="agendaris.uji", host_id=o.kabag.id)
    o.admin = make_user("office_admin", office=o.office, username="admin.tjb")
    o.desk_user = make_user("receptionist", office=o.office, username="resepsionis.tjb")
    o.security = make_user("security", office=o.office, username="satpam.tjb")
    o.supervisor = make_user("supervisor", office=o.office, username="pengawas.tjb")
    return o


def _section(html: str, testid: str) -> str:
    """Return the part of the page inside the first element with data-testid=testid."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find("</section>", start)
    return html[start:end]


def _turned_away_with_card_11(tanjabbar, tablet, make_visit, name="Tamu Ditolak Halus"):
    """Card 11 and the KTP held, waiting room, then the Wakil Bupati cannot receive."""
    return make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name=name, queue="B011", steps=[
        ("card_issued", 2, {"card_number": "11", "id_held": "ktp"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu"),
        ("host_unavailable", 30, {"reason": "Beliau dinas luar, mohon kembali besok."}, "simpan_barang_loker"),
    ])


# -- the status in words -------------------------------------------------------------------

def test_status_words_cover_every_location_outcome_custody_item_and_id_type(app):
    from server import lifecycle
    from server.i18n import english
    from sync.rules import CUSTODY_ITEMS, ID_TYPES, LOCATIONS, OUTCOMES

    assert set(lifecycle.LOCATION_LABELS) == set(LOCATIONS)
    assert set(lifecycle.OUTCOME_LABELS) == set(OUTCOMES)
    assert set(lifecycle.CUSTODY_LABELS) == set(CUSTODY_ITEMS)
    assert set(lifecycle.ID_DOCUMENT_LABELS) == set(ID_TYPES)
    words = [*lifecycle.STATUS_LABELS.values(), lifecycle.LEFT_LABEL, *lifecycle.CUSTODY_LABELS.values(),
             *lifecycle.ID_DOCUMENT_LABELS.values()]
    assert len(set(lifecycle.STATUS_LABELS.values())) == len(lifecycle.STATUS_LABELS)  # one word, one status
    with app.app_context():
        assert [w for w in words if w not in english()] == []


def test_status_words_are_the_desk_apps_in_both_languages(app):
    """The board and visit screen (pwa/i18n) and the web pages name a status alike."""
    from pathlib import Path

    from server import lifecycle
    from server.i18n import english

    i18n = Path(__file__).resolve().parents[2] / "pwa" / "i18n"

    def desk_words(name):
        text = (i18n / name).read_text(encoding="utf-8")
        return dict(re.findall(r'status_([a-z_]+): "([^"]*)"', text))

    indonesian, english_desk = desk_words("id.js"), desk_words("en.js")
    ours = {**lifecycle.STATUS_LABELS, "left": lifecycle.LEFT_LABEL}
    assert {k: indonesian.get(k) for k in ours} == ours
    with app.app_context():
        assert {k: english().get(v) for k, v in ours.items()} == {k: english_desk.get(k) for k in ours}


def test_a_row_without_a_stored_lifecycle_reads_its_stage(db, staffed, tablet, make_visit):
    from server import lifecycle

    visit = make_visit(tablet(staffed.office), host=staffed.host, steps=[
        ("card_issued", 1, {"card_number": "7", "ktp_held": True}, None),
        ("host_unavailable", 5, {"reason": "Rapat"}, None)])
    visit.state = {k: v for k, v in visit.state.items() if k not in ("status", "outcome", "custody")}
    life = lifecycle.read(visit)
    assert (life.status, life.outcome, life.outcome_reason, life.on_site) == \
        ("turned_away", "turned_away", "Rapat", False)
    assert life.custody_outstanding == ["card", "id_document"]
    assert life.custody["card"]["number"] == "7" and life.custody["id_document"]["type"] == "ktp"


def test_every_page_shows_the_derived_status_in_words(db, tanjabbar, tablet, make_visit, as_user):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Di Ruang Tunggu", steps=[
        ("card_issued", 2, {"card_number": "12", "id_held": "sim"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu")])
    assert visit.stage == "registered"  # the stage alone would say "Terdaftar" (bug 4)
    admin = as_user(tanjabbar.admin)
    pages = {
        "list": admin.get("/admin/visits").get_data(as_text=True),
        "detail": _section(admin.get(f"/admin/visits/{visit.id}").get_data(as_text=True), "visit-status"),
        "onsite": _section(admin.get("/admin/onsite").get_data(as_text=True), "onsite"),
        "inbox": as_user(tanjabbar.aide).get("/host/").get_data(as_text=True),
    }
    for page, html in pages.items():
        assert 'data-status="waiting"' in html and "Di ruang tunggu" in html, page
        assert "Terdaftar" not in html, page
    assert "Kartu tamu 12" in pages["detail"] and "Identitas: SIM" in pages["detail"]
    index = admin.get("/admin/").get_data(as_text=True)
    row = index.split(tanjabbar.office.name)[1].split("</tr>")[0]
    assert re.search(r'data-testid="on-site-count"><a [^>]*>1<', row)
    assert re.search(r'data-testid="held-count"><a [^>]*>1<', row)
    english = admin.get(f"/admin/visits/{visit.id}?lang=en").get_data(as_text=True)
    assert "In the waiting room" in english and "Guest card 12" in english and "not returned yet" in english


def test_visit_list_filters_by_status_on_site_and_items_held(db, tanjabbar, tablet, make_visit, as_user):
    _turned_away_with_card_11(tanjabbar, tablet, make_visit, name="Tamu Ditolak")
    make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Menunggu",
               steps=[("waiting", 3, {}, "arahkan_ruang_tunggu")])
    make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Batal",
               steps=[("cancelled", 3, {"reason": "Salah kantor"}, None)])
    client = as_user(tanjabbar.desk_user)

    def names(status):
        html = client.get(f"/admin/visits?status={status}").get_data(as_text=True)
        return {n for n in ("Tamu Ditolak", "Tamu Menunggu", "Tamu Batal") if n in html}

    assert names("waiting") == {"Tamu Menunggu"}
    assert names("on_site") == {"Tamu Menunggu"}
    assert names("turned_away") == {"Tamu Ditolak"}
    assert names("cancelled") == {"Tamu Batal"}
    assert names("custody") == {"Tamu Ditolak"}
    assert names("with_host") == set()
    assert names("nonsense") == {"Tamu Ditolak", "Tamu Menunggu", "Tamu Batal"}


# -- custody on the on-site page ------------------------------------------------------------

def test_turned_away_guest_with_card_and_ktp_held_is_listed_for_return_not_on_site(
        db, app, tanjabbar, tablet, make_visit, as_user):
    visit = _turned_away_with_card_11(tanjabbar, tablet, make_visit)
    assert visit.stage == "host_unavailable" and visit.custody_open
    client = as_user(tanjabbar.security)
    html = client.get("/admin/onsite").get_data(as_text=True)
    assert "Tamu Ditolak Halus" not in _section(html, "onsite")
    custody = _section(html, "custody")
    row = custody.split(f'data-visit="{visit.id}"')[1].split("</tr>")[0]
    assert "Tamu Ditolak Halus" in row and "Tidak dapat ditemui" in row and "Beliau dinas luar" in row
    assert '<td class="code" data-item="card">11</td>' in row
    assert '<td data-item="id_document">KTP</td>' in row
    assert '<td data-item="locker">–</td>' in row
    # The visit page shows the same ledger: card 11 and the KTP, both not returned yet.
    detail = client.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    ledger = _section(detail, "visit-status")
    assert ledger.count("belum dikembalikan") == 2 and "Beliau dinas luar" in ledger

    response = client.post(f"/admin/visits/{visit.id}/returned", data={"items": "all"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#custody-{tanjabbar.office.id}")
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert not visit.custody_open and visit.state["custody_outstanding"] == []
    assert visit.state["outcome"] == "turned_away"  # returning items does not change the outcome
    event = db.session.scalar(db.select(VisitEvent).where(VisitEvent.visit_id == visit.id,
                                                          VisitEvent.kind == "returned"))
    assert event.device_id is None and event.actor == f"staff:{tanjabbar.security.id}"
    assert event.payload == {"items": ["card", "id_document"]}
    audit = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "visit.returned"))
    assert audit.target_id == visit.id and audit.user_id == tanjabbar.security.id
    assert audit.detail == {"items": ["card", "id_document"]}
    html = client.get("/admin/onsite").get_data(as_text=True)
    assert "Tamu Ditolak Halus" not in html and "Semua barang titipan sudah dikembalikan" in html
    ledger = _section(client.get(f"/admin/visits/{visit.id}").get_data(as_text=True), "visit-status")
    assert "belum dikembalikan" not in ledger and "Barang titipan dikembalikan" not in ledger
    # The tablets learn it by pull: the visit they see holds nothing any more.
    desk = tablet(tanjabbar.office)
    pulled = app.test_client().get("/api/v1/pull?limit=5000", headers=desk.headers).json
    view = [c for c in pulled["changes"] if c["entity"] == "visit" and c["id"] == visit.id][-1]["data"]
    assert view["state"]["custody_outstanding"] == [] and view["state"]["outcome"] == "turned_away"


def test_returning_one_item_keeps_the_others_listed(db, tanjabbar, tablet, make_visit, as_user):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Loker", steps=[
        ("card_issued", 2, {"card_number": "5", "id_held": "passport"}, "sambut_dan_registrasi"),
        ("locker", 5, {"locker_number": "L3", "items": "tas ransel"}, "simpan_barang_loker"),
        ("cancelled", 9, {"reason": "Tamu pulang"}, None)])
    client = as_user(tanjabbar.admin)
    row = _section(client.get("/admin/onsite").get_data(as_text=True), "custody")
    assert "Paspor" in row and "L3" in row and "tas ransel" in row
    client.post(f"/admin/visits/{visit.id}/returned", data={"items": "card"})
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state["custody_outstanding"] == ["id_document", "locker"] and visit.custody_open
    row = _section(client.get("/admin/onsite").get_data(as_text=True), "custody")
    row = row.split(f'data-visit="{visit.id}"')[1].split("</tr>")[0]
    assert '<td class="code" data-item="card">–</td>' in row and "Paspor" in row
    # Marking the card again changes nothing: no second event.
    response = client.post(f"/admin/visits/{visit.id}/returned", data={"items": "card", "back": "detail"})
    assert response.headers["Location"].endswith(f"/admin/visits/{visit.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitEvent).where(
        VisitEvent.kind == "returned")) == 1


def test_a_guest_on_site_shows_their_card_only_while_it_is_held(db, tanjabbar, tablet, make_visit, as_user):
    """The roll call, the held-items list, the visit page and the visit list read the same
    custody: a card given back is no longer the guest's (one rule, `custody_outstanding`)."""
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Masih Di Dalam", steps=[
        ("card_issued", 2, {"card_number": "14", "id_held": "ktp"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu")])
    client = as_user(tanjabbar.admin)

    def cells(section):
        html = _section(client.get("/admin/onsite").get_data(as_text=True), section)
        row = html.split(f'data-visit="{visit.id}"')[1].split("</tr>")[0]
        return dict(re.findall(r'data-item="([a-z_]+)">([^<]*)<', row))

    assert cells("onsite")["card"] == "14" and cells("custody")["card"] == "14"
    client.post(f"/admin/visits/{visit.id}/returned", data={"items": "card"})
    assert cells("onsite")["card"] == "–" and cells("custody") == {"card": "–", "id_document": "KTP", "locker": "–"}
    ledger = _section(client.get(f"/admin/visits/{visit.id}").get_data(as_text=True), "visit-status")
    assert ledger.count("belum dikembalikan") == 1  # the KTP; card 14 shows when it came back
    assert "barang dititip" in client.get("/admin/visits").get_data(as_text=True)
    client.post(f"/admin/visits/{visit.id}/returned", data={"items": "id_document"})
    assert cells("onsite")["card"] == "–"
    assert "barang dititip" not in client.get("/admin/visits").get_data(as_text=True)


def test_custody_list_is_sorted_by_the_time_items_were_held_and_looks_back_30_days(
        db, tanjabbar, tablet, make_visit, as_user):
    desk = tablet(tanjabbar.office)
    held = [("card_issued", 1, {"card_number": "9"}, "sambut_dan_registrasi"),
            ("cancelled", 5, {}, None)]
    make_visit(desk, host=tanjabbar.host, name="Tamu Kemarin", at=NOW - timedelta(days=1), steps=held)
    make_visit(desk, host=tanjabbar.host, name="Tamu Pagi", at=NOW - timedelta(hours=3), steps=held)
    make_visit(desk, host=tanjabbar.host, name="Tamu Dua Minggu", at=NOW - timedelta(days=14), steps=held)
    make_visit(desk, host=tanjabbar.host, name="Tamu Lama Sekali", at=NOW - timedelta(days=40), steps=held)
    html = _section(as_user(tanjabbar.admin).get("/admin/onsite").get_data(as_text=True), "custody")
    order = [m.group(1) for m in re.finditer(r">(Tamu [A-Za-z ]+)</a>", html)]
    assert order == ["Tamu Dua Minggu", "Tamu Kemarin", "Tamu Pagi"]


def test_return_buttons_are_at_least_44_px_tall(db, tanjabbar, tablet, make_visit, as_user):
    """The stylesheet's rule for the buttons the return forms use (checked in a real browser
    by test_lifecycle_browser)."""
    _turned_away_with_card_11(tanjabbar, tablet, make_visit)
    html = _section(as_user(tanjabbar.admin).get("/admin/onsite").get_data(as_text=True), "custody")
    buttons = re.findall(r"<button [^>]*>", html)
    assert len(buttons) == 3 and all('class="tap' in b for b in buttons)  # card, KTP, all


@pytest.mark.parametrize("who, status", [
    ("other_admin", 403), ("supervisor", 403), ("host", 403), ("desk_user", 302), ("admin", 302)])
def test_marking_items_returned_is_for_the_office_desk_and_admins_only(
        db, tanjabbar, tablet, make_visit, as_user, make_office, make_user, who, status):
    visit = _turned_away_with_card_11(tanjabbar, tablet, make_visit)
    users = {"other_admin": make_user("office_admin", office=make_office(code="LAIN")),
             "supervisor": tanjabbar.supervisor, "host": tanjabbar.aide,
             "desk_user": tanjabbar.desk_user, "admin": tanjabbar.admin}
    response = as_user(users[who]).post(f"/admin/visits/{visit.id}/returned", data={"items": "all"})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).custody_open is (status != 302)


def test_marking_items_returned_refuses_unknown_items_and_a_missing_csrf_token(
        db, app, tanjabbar, tablet, make_visit, as_user):
    visit = _turned_away_with_card_11(tanjabbar, tablet, make_visit)
    client = as_user(tanjabbar.admin)
    for data in ({}, {"items": "kunci_mobil"}, {"items": ["card", "kunci_mobil"]}):
        assert client.post(f"/admin/visits/{visit.id}/returned", data=data).status_code == 400
    assert client.post("/admin/visits/00000000-0000-4000-8000-000000000000/returned",
                       data={"items": "all"}).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/visits/{visit.id}/returned", data={"items": "all"}).status_code == 400
        page = client.get("/admin/onsite").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post(f"/admin/visits/{visit.id}/returned",
                           data={"items": "all", "csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitEvent).where(
        VisitEvent.kind == "returned")) == 1


def test_kaltim_guest_checked_out_leaves_the_on_site_list(db, make_office, make_host, make_user, tablet,
                                                          make_visit, as_user):
    office = make_office(code="KALTIM-UJI", name="Dinas Kaltim Uji", timezone="Asia/Makassar",
                         sop_template="kaltim-2022")
    host = make_host(office, name="Petugas Layanan Uji")
    desk = tablet(office)
    visit = make_visit(desk, host=host, name="Tamu Kaltim", steps=[
        ("step_done", -3, {}, "terima_di_lobby"),
        ("admitted", 3, {}, "antar_ke_layanan"),
        ("finished", 20, {}, "terima_layanan"),
        ("step_done", 25, {}, "isi_skm")])
    client = as_user(make_user("security", office=office))
    row = _section(client.get("/admin/onsite").get_data(as_text=True), "onsite")
    assert "Tamu Kaltim" in row and 'data-status="finished"' in row and "Selesai bertemu" in row
    desk.push([desk.event(visit.id, "checked_out", NOW, {})])
    html = client.get("/admin/onsite").get_data(as_text=True)
    assert "Tamu Kaltim" not in html
    detail = _section(client.get(f"/admin/visits/{visit.id}").get_data(as_text=True), "visit-status")
    assert 'data-status="checked_out"' in detail and "Sudah pulang" in detail


# -- the host inbox ----------------------------------------------------------------------------

def _events(db, visit_id, kind):
    return db.session.scalars(db.select(VisitEvent).where(VisitEvent.visit_id == visit_id,
                                                          VisitEvent.kind == kind)).all()


def test_aide_records_the_guest_going_in_with_the_time_limit_and_the_meeting_end(
        db, tanjabbar, tablet, make_visit, as_user):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, name="Tamu Bupati", steps=[
        ("card_issued", 2, {"card_number": "3", "id_held": "ktp"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu"),
        ("locker", 6, {"locker_number": "2"}, "simpan_barang_loker"),
        ("screening", 8, {"result": "clear"}, "pemeriksaan_metal_detektor")])
    client = as_user(tanjabbar.aide)
    html = client.get("/host/").get_data(as_text=True)
    assert "batas waktu menghadap 20 menit" in html and 'data-status="screening"' in html
    assert client.post(f"/host/visits/{visit.id}/admitted").status_code == 302
    [admitted] = _events(db, visit.id, "admitted")
    assert admitted.payload == {"time_limit_minutes": 20, "reminded": True}
    assert admitted.step == "" and admitted.device_id is None and admitted.actor == f"host:{tanjabbar.host.id}"
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state["location"] == "with_host" and visit.state["time_limit_reminded"] is True
    html = client.get("/host/").get_data(as_text=True)
    card = html.split('data-testid="with-host-guest"')[1].split("</article>")[0]
    assert "Tamu Bupati" in card and "batas waktu 20 menit, sampai" in card
    # Going in twice records nothing more.
    client.post(f"/host/visits/{visit.id}/admitted")
    assert len(_events(db, visit.id, "admitted")) == 1
    # The desk's admin page shows the reminder too.
    detail = _section(as_user(tanjabbar.admin).get(f"/admin/visits/{visit.id}").get_data(as_text=True),
                      "visit-status")
    assert "20 menit" in detail and "tamu sudah diingatkan" in detail

    assert client.post(f"/host/visits/{visit.id}/finished").status_code == 302
    [finished] = _events(db, visit.id, "finished")
    assert finished.step == "menghadap" and finished.actor == f"host:{tanjabbar.host.id}"
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state["location"] == "finished" and visit.state["outcome"] is None
    html = client.get("/host/").get_data(as_text=True)
    assert 'data-testid="with-host-guest"' not in html
    assert "Selesai bertemu" in html.split('id="answered-h"')[1]
    client.post(f"/host/visits/{visit.id}/finished")
    assert len(_events(db, visit.id, "finished")) == 1


@pytest.mark.parametrize("template, tier, step", [
    ("tanjabbar-2017", "pimpinan", "menghadap"), ("tanjabbar-2017", "eselon_2_3", "menghadap"),
    ("tanjabbar-2017", "eselon_4_asn", "bertemu"), ("kaltim-2022", "eselon_4_asn", "terima_layanan"),
    ("kalbar-2021", "eselon_4_asn", "beri_pelayanan")])
def test_meeting_end_names_the_tiers_meeting_step(db, make_office, make_host, make_user, tablet,
                                                  make_visit, as_user, template, tier, step):
    office = make_office(sop_template=template)
    host = make_host(office, tier=tier)
    visit = make_visit(tablet(office), host=host, steps=[("admitted", 5, {}, None)])
    client = as_user(make_user("host", office=office, host_id=host.id))
    assert client.post(f"/host/visits/{visit.id}/finished").status_code == 302
    [finished] = _events(db, visit.id, "finished")
    assert finished.step == step


def test_aide_declines_after_receiving_and_before_the_meeting_not_after(db, tanjabbar, tablet, make_visit,
                                                                        as_user):
    desk = tablet(tanjabbar.office)
    visit = make_visit(desk, host=tanjabbar.host, name="Tamu Sore", steps=[
        ("card_issued", 2, {"card_number": "14", "id_held": "ktp"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu")])
    client = as_user(tanjabbar.aide)
    client.post(f"/host/visits/{visit.id}/receive")
    html = client.get("/host/").get_data(as_text=True)
    card = html.split('data-testid="received-guest"')[1].split("</article>")[0]
    assert "Tamu Sore" in card and "Tidak dapat menerima" in card and "Tamu menghadap" in card
    prefix = f"v{visit.id[:8]}-reason"
    response = client.post(f"/host/visits/{visit.id}/unavailable", data={prefix: "Mendadak rapat dengan Gubernur."})
    assert response.status_code == 302
    [event] = _events(db, visit.id, "host_unavailable")
    # Recorded with the step the visit was at (the locker, after the waiting room).
    assert event.step == "simpan_barang_loker"
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state["outcome"] == "turned_away" and visit.custody_open
    assert visit.state["outcome_reason"] == "Mendadak rapat dengan Gubernur."
    answered = client.get("/host/").get_data(as_text=True).split('id="answered-h"')[1]
    assert "Tidak dapat ditemui: Mendadak rapat dengan Gubernur." in re.sub(r"<[^>]+>", "", answered)

    # Once the guest went in, the aide can no longer turn them away.
    later = make_visit(desk, host=tanjabbar.host, name="Tamu Sudah Masuk", steps=[("admitted", 5, {}, None)])
    response = client.post(f"/host/visits/{later.id}/unavailable", data={f"v{later.id[:8]}-reason": "Batal"},
                           follow_redirects=True)
    assert "Status tamu sudah berubah: Sedang bertemu." in response.get_data(as_text=True)
    assert _events(db, later.id, "host_unavailable") == []


def test_receive_after_the_guest_went_in_says_the_status_found(db, tanjabbar, tablet, make_visit, as_user):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, steps=[("admitted", 5, {}, None)])
    client = as_user(tanjabbar.aide)
    response = client.post(f"/host/visits/{visit.id}/receive", follow_redirects=True)
    assert "Status tamu sudah berubah: Sedang bertemu." in response.get_data(as_text=True)
    assert _events(db, visit.id, "host_received") == []


def test_host_actions_on_another_hosts_guest_are_forbidden(db, tanjabbar, tablet, make_visit, as_user):
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host)
    client = as_user(tanjabbar.kabag_aide)
    for action in ("admitted", "finished", "unavailable", "receive"):
        assert client.post(f"/host/visits/{visit.id}/{action}").status_code == 403, action
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitEvent).where(
        VisitEvent.device_id.is_(None))) == 0


@pytest.mark.parametrize("ending, status, words, reason", [
    (("host_unavailable", {"reason": "Beliau rapat mendadak."}, "simpan_barang_loker"),
     "turned_away", "Tidak dapat ditemui", "Beliau rapat mendadak."),
    (("screening", {"result": "refused", "note": "Membawa senjata tajam."}, "pemeriksaan_metal_detektor"),
     "refused", "Ditolak di pemeriksaan", "Membawa senjata tajam."),
    (("cancelled", {"reason": "Tamu membatalkan sendiri."}, None), "cancelled", "Dibatalkan",
     "Tamu membatalkan sendiri."),
    (("checked_out", {}, "kembalikan_kartu"), "checked_out", "Sudah pulang", None),
])
def test_visit_page_shows_the_outcome_with_its_reason_and_the_steps_skipped(
        db, tanjabbar, tablet, make_visit, as_user, ending, status, words, reason):
    kind, payload, step = ending
    visit = make_visit(tablet(tanjabbar.office), host=tanjabbar.host, steps=[
        ("card_issued", 2, {"card_number": "8", "id_held": "other"}, "sambut_dan_registrasi"),
        ("waiting", 4, {}, "arahkan_ruang_tunggu"),
        ("step_skipped", 6, {"reason": "Tidak membawa barang"}, "simpan_barang_loker"),
        (kind, 9, payload, step)])
    html = as_user(tanjabbar.desk_user).get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    card = _section(html, "visit-status")
    assert f'data-status="{status}"' in card and words in card
    if reason:
        assert f'<dd data-testid="outcome-reason">{reason}</dd>' in card
    # The locker step skipped with one tap, by its title; the identity document by its type.
    skipped = card.split('data-testid="skipped">')[1].split("</dd>")[0]
    assert "Petugas 2 mempersilahkan tamu menyimpan barang" in skipped
    assert "Identitas: Tanda pengenal lain" in card
    assert "Langkah dilewati" in html.split("Urutan kejadian")[1]
    held = "belum dikembalikan" in card
    assert held is (status != "checked_out")  # a check-out returns what it does not name as kept


def test_went_in_from_the_inbox_completes_the_tiers_admitted_step(db, make_office, make_host, make_user, tablet,
                                                                  make_visit, as_user):
    """Kaltim's "antar ke layanan" is the step the guest goes in by: the aide's "Tamu menghadap"
    completes it, so the desk does not ask for it again."""
    office = make_office(code="KALTIM-UJI2", name="Dinas Kaltim Uji", timezone="Asia/Makassar",
                         sop_template="kaltim-2022")
    host = make_host(office, name="Petugas Layanan Uji")
    aide = make_user("host", office=office, username="petugas.uji", host_id=host.id)
    visit = make_visit(tablet(office), host=host, name="Tamu Kaltim", steps=[("step_done", -3, {}, "terima_di_lobby")])
    client = as_user(aide)
    assert client.post(f"/host/visits/{visit.id}/admitted").status_code == 302
    [admitted] = _events(db, visit.id, "admitted")
    assert admitted.step == "antar_ke_layanan"
    db.session.expire_all()
    state = db.session.get(Visit, visit.id).state
    assert state["location"] == "with_host" and "antar_ke_layanan" in state["step_last"]
