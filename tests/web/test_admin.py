"""Admin console: forms store good input with an audit entry and refuse bad input whole."""
from datetime import datetime, timedelta, timezone

import pytest

from server.models import AuditLog, Device, Host, Office, Quarantine, Service, StaffUser, Visit
from tests.web.conftest import NIK

OFFICE_FORM = {
    "code": "KANTOR-C", "name": "Badan Uji C", "parent_id": "0", "region": "Kalimantan Timur",
    "letterhead": "PEMERINTAH PROVINSI UJI\nBADAN UJI C", "address": "Jl. Uji 1", "phone": "0541 123456",
    "email": "c@uji.go.id", "timezone": "Asia/Makassar", "ikm_convention": "0.111", "ikm_published": "y",
    "signer_name": "Dr. Siti", "signer_position": "Kepala Badan", "signer_nip": "197708301996031001",
    "retention_days": "365", "device_retention_days": "0", "visit_time_limit": "30",
    "sop_template": "kaltim-2022",
}


def audit_actions(db, action):
    return db.session.scalars(db.select(AuditLog).where(AuditLog.action == action)).all()


def test_central_admin_creates_an_office_with_an_audit_entry(db, staffed, as_user):
    client = as_user(staffed.users["central_admin"])
    response = client.post("/admin/offices/new", data=OFFICE_FORM)
    assert response.status_code == 302
    office = db.session.scalar(db.select(Office).where(Office.code == "KANTOR-C"))
    assert office.timezone == "Asia/Makassar" and office.sop_template == "kaltim-2022"
    assert office.letterhead == ["PEMERINTAH PROVINSI UJI", "BADAN UJI C"]
    assert office.ikm_convention == "0.111"
    entry = audit_actions(db, "office.create")[0]
    assert entry.target_id == str(office.id) and "letterhead" in entry.detail["fields"]


@pytest.mark.parametrize("field, value, message", [
    ("code", "kantor c", "Hanya huruf besar"),
    ("name", "", "Wajib diisi"),
    ("retention_days", "5", "antara 30 dan 3650"),
    ("retention_days", "satu tahun", "Harus berupa bilangan bulat"),
    ("email", "bukan-email", "e-mail tidak valid"),
    ("signer_nip", "12345", "NIP terdiri dari 18 angka"),
    ("timezone", "Europe/Berlin", "Pilihan tidak valid"),
])
def test_bad_office_input_is_refused_with_a_field_error_and_nothing_stored(db, staffed, as_user,
                                                                            field, value, message):
    client = as_user(staffed.users["central_admin"])
    before = db.session.scalar(db.select(db.func.count()).select_from(Office))
    response = client.post("/admin/offices/new", data={**OFFICE_FORM, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Office)) == before
    assert not audit_actions(db, "office.create")


def test_office_code_must_be_unique(db, staffed, as_user):
    client = as_user(staffed.users["central_admin"])
    response = client.post("/admin/offices/new", data={**OFFICE_FORM, "code": "KANTOR-A"})
    assert response.status_code == 400
    assert "sudah dipakai" in response.get_data(as_text=True)


def test_office_admin_edits_own_office_but_cannot_change_its_code(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    form = {**OFFICE_FORM, "code": "HIJACK", "name": "Biro Uji A (baru)", "timezone": "Asia/Jakarta"}
    response = client.post(f"/admin/offices/{staffed.office.id}", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    office = db.session.get(Office, staffed.office.id)
    assert office.code == "KANTOR-A" and office.name == "Biro Uji A (baru)"
    entry = audit_actions(db, "office.update")[0]
    assert "name" in entry.detail["fields"] and "code" not in entry.detail["fields"]


def test_logo_upload_must_be_a_real_image(db, staffed, as_user):
    import io

    client = as_user(staffed.users["office_admin"])
    form = {**OFFICE_FORM, "code": "KANTOR-A", "logo": (io.BytesIO(b"not an image at all"), "logo.png")}
    response = client.post(f"/admin/offices/{staffed.office.id}", data=form,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "bukan gambar PNG atau JPEG" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Office, staffed.office.id).logo_sha is None


def test_logo_upload_is_stored_and_served(db, staffed, as_user):
    import io

    png = (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    client = as_user(staffed.users["office_admin"])
    form = {**OFFICE_FORM, "code": "KANTOR-A", "logo": (io.BytesIO(png), "logo.png")}
    assert client.post(f"/admin/offices/{staffed.office.id}", data=form,
                       content_type="multipart/form-data").status_code == 302
    served = client.get(f"/admin/offices/{staffed.office.id}/logo")
    assert served.status_code == 200 and served.data == png and served.mimetype == "image/png"


def test_sop_minutes_override_is_saved_and_a_bad_one_refused(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    page = client.get(f"/admin/offices/{staffed.office.id}/sop").get_data(as_text=True)
    assert "minutes-isi_buku_tamu" in page
    response = client.post(f"/admin/offices/{staffed.office.id}/sop",
                           data={"sop_template": "kalbar-2021", "minutes-isi_buku_tamu": "10"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, staffed.office.id).sop_minutes == {"isi_buku_tamu": 10}
    response = client.post(f"/admin/offices/{staffed.office.id}/sop",
                           data={"sop_template": "kalbar-2021", "minutes-isi_buku_tamu": "-3"})
    assert response.status_code == 400
    assert "0 sampai 1440" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Office, staffed.office.id).sop_minutes == {"isi_buku_tamu": 10}


def test_host_account_must_point_at_a_host_of_the_same_office(db, staffed, as_user):
    client = as_user(staffed.users["central_admin"])
    base = {"username": "ajudan.baru", "name": "Ajudan Baru", "role": "host",
            "office_id": str(staffed.office.id), "password": "rahasia-sekali-1", "active": "y"}
    response = client.post("/admin/staff/new", data={**base, "host_id": str(staffed.other_host.id)})
    assert response.status_code == 400
    assert "kantor yang sama" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(StaffUser).where(StaffUser.username == "ajudan.baru")) is None
    response = client.post("/admin/staff/new", data={**base, "host_id": str(staffed.host.id)})
    assert response.status_code == 302
    user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "ajudan.baru"))
    assert user.host_id == staffed.host.id and user.check_password("rahasia-sekali-1")
    assert audit_actions(db, "staff.create")[0].detail == {"role": "host"}


def test_office_admin_cannot_create_a_central_admin(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    response = client.post("/admin/staff/new", data={
        "username": "naik.pangkat", "name": "X", "role": "central_admin", "office_id": "0",
        "host_id": "0", "password": "rahasia-sekali-1"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(StaffUser).where(StaffUser.username == "naik.pangkat")) is None


def test_staff_pin_is_stored_hashed(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    user = staffed.users["receptionist"]
    response = client.post(f"/admin/staff/{user.id}", data={
        "username": user.username, "name": user.name, "role": "receptionist",
        "office_id": str(staffed.office.id), "host_id": "0", "pin": "482913", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(StaffUser, user.id)
    assert user.check_pin("482913") and "482913" not in user.pin_hash
    assert audit_actions(db, "staff.update")[0].detail == {"fields": ["pin"]}


def test_unavailable_host_needs_a_reason(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    form = {"office_id": str(staffed.office.id), "name": "Dr. Rina Kartika", "tier": "eselon_2_3",
            "active": "y", "unavailable_reason": ""}
    response = client.post(f"/admin/hosts/{staffed.host.id}", data=form)
    assert response.status_code == 400 and "alasan yang sopan" in response.get_data(as_text=True)
    response = client.post(f"/admin/hosts/{staffed.host.id}",
                           data={**form, "unavailable_reason": "Dinas luar kota"})
    assert response.status_code == 302
    db.session.expire_all()
    host = db.session.get(Host, staffed.host.id)
    assert host.available is False and host.tier == "eselon_2_3"


def test_service_names_are_unique_per_office(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    response = client.post("/admin/services/new", data={
        "office_id": str(staffed.office.id), "name": "Konsultasi pengadaan", "active": "y"})
    assert response.status_code == 400 and "sudah punya layanan" in response.get_data(as_text=True)
    response = client.post("/admin/services/new", data={
        "office_id": str(staffed.office.id), "name": "Pengaduan", "active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Service).where(Service.name == "Pengaduan")) is not None


def test_office_admin_cannot_put_a_host_in_another_office(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    response = client.post("/admin/hosts/new", data={"office_id": str(staffed.other.id), "name": "X",
                                                     "tier": "eselon_4_asn", "available": "y"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(Host).where(Host.name == "X")) is None


# -- Devices ---------------------------------------------------------------------------------

def test_enrolment_code_page_shows_a_code_and_qr_that_enrol_a_tablet(db, app, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    page = client.post("/admin/devices/enrol", data={"office_id": str(staffed.office.id),
                                                     "device_name": "Meja depan 2"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html
    code = html.split('data-testid="enrol-code">')[1].split("<")[0].strip()
    api = app.test_client()
    response = api.post("/api/v1/enroll", json={"protocol": 1, "code": code, "device_name": "Meja depan 2"},
                        headers={"X-Sitamu-Protocol": "1"})
    assert response.status_code == 201, response.json
    devices = client.get("/admin/devices").get_data(as_text=True)
    assert "Meja depan 2" in devices


def test_revoked_tablet_is_refused_by_the_api(db, app, staffed, as_user, tablet):
    desk = tablet(staffed.office)
    client = as_user(staffed.users["office_admin"])
    assert client.post(f"/admin/devices/{desk.device.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(Device, desk.device.id).revoked_at is not None
    response = app.test_client().get("/api/v1/pull", headers=desk.headers)
    assert response.status_code == 401


def test_devices_page_shows_missing_events_and_clock_skew(db, staffed, as_user, tablet):
    desk = tablet(staffed.office)
    device = db.session.get(Device, desk.device.id)
    device.highest_seq, device.acked_seq, device.clock_skew_ms = 12, 9, 7 * 60 * 1000
    device.last_seen_at = datetime.now(timezone.utc) - timedelta(days=3)
    db.session.commit()
    html = as_user(staffed.users["office_admin"]).get("/admin/devices").get_data(as_text=True)
    assert '<span class="badge badge-bad">3</span>' in html  # 3 events missing
    assert '<span class="badge badge-bad">7,0</span>' in html  # 7 minutes of skew
    assert "lama tidak sinkron" in html


# -- Visits --------------------------------------------------------------------------------

def test_nik_is_masked_and_full_view_is_audited(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host)
    desk = as_user(staffed.users["receptionist"])
    html = desk.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    assert NIK not in html and "•••• •••• •••• 0001" in html
    assert "081234567890" not in html
    assert desk.post(f"/admin/visits/{visit.id}/nik").status_code == 403
    admin = as_user(staffed.users["office_admin"])
    shown = admin.post(f"/admin/visits/{visit.id}/nik")
    assert shown.status_code == 200 and NIK in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    entry = audit_actions(db, "visit.view_nik")[0]
    assert entry.target_id == visit.id and entry.user_id == staffed.users["office_admin"].id
    assert NIK not in str(entry.detail)


def test_visit_search_filters_by_name_host_status_and_date(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    make_visit(desk, host=staffed.host, name="Budi Hartono", queue="A001")
    make_visit(desk, name="Wati Susanti", queue="A002", service=staffed.service,
               at=datetime.now(timezone.utc) - timedelta(days=3))
    client = as_user(staffed.users["office_admin"])

    def names(query):
        html = client.get("/admin/visits?" + query).get_data(as_text=True)
        return {n for n in ("Budi Hartono", "Wati Susanti") if n in html}

    # The name is posted, kept in the session, and never put in the URL.
    response = client.post("/admin/visits", data={"q": "budi", "status": "desk"})
    assert response.status_code == 302 and "budi" not in response.headers["Location"].lower()
    cookie = client.get_cookie("session").value
    import base64
    import zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    raw = zlib.decompress(raw) if cookie.startswith(".") else raw
    assert b"budi" not in raw.lower()  # the session cookie is readable: the name is sealed
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Budi Hartono" in html and "Wati Susanti" not in html
    assert names("status=desk") == {"Budi Hartono", "Wati Susanti"}  # no nama=1: no name filter
    assert names(f"host={staffed.host.id}") == {"Budi Hartono"}
    today = datetime.now(timezone.utc).astimezone(staffed.office.tz).date()
    assert names(f"from={today.isoformat()}&office={staffed.office.id}") == {"Budi Hartono"}
    assert names(f"to={(today - timedelta(days=2)).isoformat()}&office={staffed.office.id}") == {"Wati Susanti"}
    assert names("status=desk") == {"Budi Hartono", "Wati Susanti"}
    assert names("status=checked_out") == set()
    bad = client.get("/admin/visits?from=2026-13-40")
    assert bad.status_code == 400 and "Tanggal tidak valid" in bad.get_data(as_text=True)


def test_visit_search_never_shows_another_offices_visits(db, staffed, as_user, tablet, make_visit):
    make_visit(tablet(staffed.other), host=staffed.other_host, name="Rahasia Kantor B")
    html = as_user(staffed.users["office_admin"]).get("/admin/visits").get_data(as_text=True)
    assert "Rahasia Kantor B" not in html


def test_visit_timeline_shows_step_minutes_against_the_standard(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host, steps=[
        ("verification", 20, {"ok": True}, "cocokkan_identitas"),
    ])
    html = as_user(staffed.users["office_admin"]).get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    # Registration took 2 minutes (consent to registration) of its 15; verification 20 of 15: late.
    assert "Mengisi Identitas Pada Buku Tamu" in html
    row = html.split("Mencocokan Data Identitas")[1].split("</tr>")[0]
    assert "20,0" in row and "lewat" in row
    # The event list names people and steps as users know them, not by their codes.
    events = html.split("Urutan kejadian")[1]
    assert "· Tamu" in events and "(Mengisi Identitas Pada Buku Tamu)" in events
    assert "isi_buku_tamu" not in events and "· guest" not in events


def test_visit_timeline_walks_back_to_the_service_and_adds_up_its_rounds(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host, steps=[
        ("verification", 3, {"ok": True}, "cocokkan_identitas"),
        ("host_notified", 5, {"channel": "phone"}, "hubungi_petugas"),
        ("admitted", 8, {}, "terima_tamu"),
        ("finished", 48, {}, "beri_pelayanan"),
        ("service_feedback", 50, {"sufficient": False, "need": "Contoh dokumen"}, "tanya_feedback"),
    ])
    admin = as_user(staffed.users["office_admin"])
    html = admin.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    # Not sufficient: the guest is back with the officer, as the tablets show it.
    row = html.split("Memberikan Pelayanan")[1].split("</tr>")[0]
    assert "langkah sekarang" in row and "40,0" in row
    assert visit.stage == "finished"
    tablet_events = [("finished", 65, {}, "beri_pelayanan"),
                     ("service_feedback", 67, {"sufficient": True}, "tanya_feedback")]
    desk = tablet(staffed.office)
    desk.push([desk.event(visit.id, kind, visit.registered_at + timedelta(minutes=m), p, step=step)
               for kind, m, p, step in tablet_events])
    html = admin.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    # Both rounds of the service count: 40 minutes, then 15 from the feedback to the second end.
    row = html.split("Memberikan Pelayanan")[1].split("</tr>")[0]
    assert "55,0" in row and "(2 putaran)" in row and "langkah sekarang" not in row
    assert "langkah sekarang" in html.split("Menghubungi Helpdesk")[1].split("</tr>")[0]


def test_onsite_lists_guests_not_checked_out(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    make_visit(desk, host=staffed.host, name="Masih Di Dalam")
    make_visit(desk, host=staffed.host, name="Sudah Pulang", steps=[("checked_out", 30, {}, None)])
    html = as_user(staffed.users["security"]).get("/admin/onsite").get_data(as_text=True)
    assert "Masih Di Dalam" in html and "Sudah Pulang" not in html
    assert "data-print" in html


# -- Quarantine --------------------------------------------------------------------------------

def _quarantined_registration(db, staffed, tablet):
    desk = tablet(staffed.office)
    bad = desk.event("11111111-2222-4333-8444-555555555555", "registration",
                     datetime.now(timezone.utc) - timedelta(minutes=5),
                     {"queue_number": "A009", "id_type": "ktp", "id_number": NIK, "name": "Ani",
                      "host_id": 999999}, actor="guest")
    from server.api.operations import ingest_batch

    result = ingest_batch(desk.device, [bad], [])
    assert result["ack"]["quarantined"], result
    return db.session.scalar(db.select(Quarantine).where(Quarantine.status == "open"))


def test_quarantine_fix_and_replay_stores_the_visit(db, staffed, as_user, tablet):
    import json

    item = _quarantined_registration(db, staffed, tablet)
    client = as_user(staffed.users["office_admin"])
    page = client.get(f"/admin/quarantine/{item.id}").get_data(as_text=True)
    assert NIK not in page and "tersimpan, tidak ditampilkan" in page
    shown = json.loads(page.split('name="payload"')[1].split(">", 1)[1].split("</textarea>")[0]
                       .replace("&#34;", '"').replace("&quot;", '"').strip())
    shown["payload"]["host_id"] = staffed.host.id
    response = client.post(f"/admin/quarantine/{item.id}", data={"payload": json.dumps(shown)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Quarantine, item.id).status == "replayed"
    visit = db.session.get(Visit, "11111111-2222-4333-8444-555555555555")
    assert visit.host_id == staffed.host.id and visit.id_number == NIK  # the hidden NIK was kept


def test_quarantine_bad_json_is_refused_and_item_stays_open(db, staffed, as_user, tablet):
    item = _quarantined_registration(db, staffed, tablet)
    client = as_user(staffed.users["office_admin"])
    response = client.post(f"/admin/quarantine/{item.id}", data={"payload": "{not json"})
    assert response.status_code == 400 and "JSON tidak valid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Quarantine, item.id).status == "open"


def test_quarantine_dismiss_needs_a_reason(db, staffed, as_user, tablet):
    item = _quarantined_registration(db, staffed, tablet)
    client = as_user(staffed.users["office_admin"])
    assert client.post(f"/admin/quarantine/{item.id}/dismiss", data={"note": ""}).status_code == 400
    assert client.post(f"/admin/quarantine/{item.id}/dismiss",
                       data={"note": "Tamu uji coba"}).status_code == 302
    db.session.expire_all()
    item = db.session.get(Quarantine, item.id)
    assert item.status == "dismissed" and item.note == "Tamu uji coba"


def test_audit_log_page_lists_entries_without_personal_data(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host)
    admin = as_user(staffed.users["office_admin"])
    admin.post(f"/admin/visits/{visit.id}/nik")
    html = admin.get("/admin/audit?action=visit.").get_data(as_text=True)
    assert "visit.view_nik" in html and NIK not in html



def test_an_office_cannot_be_placed_under_its_own_child(db, staffed, as_user, make_office):
    child = make_office(code="ANAK", parent_id=staffed.office.id)
    client = as_user(staffed.users["central_admin"])
    form = {**OFFICE_FORM, "code": "KANTOR-A", "timezone": "Asia/Jakarta", "parent_id": str(child.id)}
    response = client.post(f"/admin/offices/{staffed.office.id}", data=form)
    assert response.status_code == 400 and "Induk tidak boleh" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Office, staffed.office.id).parent_id is None


def test_guest_photo_is_shown_to_admins_only_and_audited(db, app, staffed, as_user, tablet, make_visit):
    import hashlib

    desk = tablet(staffed.office)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    sha = hashlib.sha256(jpeg).hexdigest()
    from server.api.operations import store_blob

    store_blob(desk.device, sha, jpeg, "image/jpeg", "photo")
    visit = make_visit(desk, host=staffed.host)
    visit.photo_sha = sha  # as a registration naming the photo derives it
    db.session.commit()
    admin = as_user(staffed.users["office_admin"])
    assert "Lihat foto" in admin.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    response = admin.get(f"/admin/visits/{visit.id}/photo")
    assert response.status_code == 200 and response.data == jpeg
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "visit.view_photo"))
    desk_user = as_user(staffed.users["receptionist"])
    assert "Lihat foto" not in desk_user.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    assert desk_user.get(f"/admin/visits/{visit.id}/photo").status_code == 403
    assert admin.get(f"/admin/visits/{visit.id}/signature").status_code == 404


def test_audit_csv_has_the_filtered_entries_of_the_scope_only(db, staffed, as_user, tablet, make_visit):
    import csv
    import io

    visit = make_visit(tablet(staffed.office), host=staffed.host)
    admin = as_user(staffed.users["office_admin"])
    admin.post(f"/admin/visits/{visit.id}/nik")
    as_user(staffed.other_admin).get("/admin/")  # a login in the other office
    text = admin.get("/admin/audit.csv?action=visit.").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["waktu_utc", "staf", "tablet", "kantor", "tindakan"]
    assert [r[4] for r in rows[1:]] == ["visit.view_nik"] and rows[1][3] == "KANTOR-A"
    everything = admin.get("/admin/audit.csv").get_data(as_text=True)
    assert "admin.b" not in everything and NIK not in everything
