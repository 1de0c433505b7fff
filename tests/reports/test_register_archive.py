"""The register as an office files it: nothing cut, how each visit ended, a signing block
with the office's city and today's date, NIHIL for an empty month, the guest's arrival time,
medians rounded once (issue 14, items 1, 2 and 4-7)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from reports import register
from reports.jobs import build_report
from reports.periods import parse_month
from reports.register import gather_register

from .conftest import pdf_text, utc

LONG_INSTITUTION = ("Koperasi Produsen Perkebunan Kelapa Sawit Rakyat Sejahtera Bersama Kecamatan "
                    "Sungai Ambawang Kabupaten Kubu Raya")
LONG_ADDRESS = "Jalan Trans Kalimantan Kilometer 17 Gang Keluarga Sejahtera Nomor 45 RT 003 RW 007, Kubu Raya"
LONG_PURPOSE = ("Menyampaikan dokumen klarifikasi penawaran paket pekerjaan pembangunan jalan usaha tani "
                "beserta seluruh lampiran jaminan penawaran dan surat dukungan bank pelaksana")
LONG_HOST = "Yohanes Frans Ading, S.T., M.T., Kepala Bagian Pengelolaan Pengadaan Barang/Jasa"


def flat(text: str) -> str:
    return " ".join(text.split())


def words_in_order(text: str, phrase: str) -> bool:
    """Return True when the words of `phrase` all appear in `text`, in order (a wrapped cell
    puts other columns' words between its lines)."""
    position = 0
    for word in phrase.split():
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def test_long_cells_wrap_onto_more_lines_and_nothing_is_cut(app, db, make_office, make_host, make_visit):
    office = make_office()
    host = make_host(office, name=LONG_HOST)
    make_visit(office, utc(2026, 10, 5, 2), name="Tamu Berkeperluan Panjang", institution=LONG_INSTITUTION,
               address=LONG_ADDRESS, purpose=LONG_PURPOSE, host_id=host.id)
    make_visit(office, utc(2026, 10, 5, 3), name="Tamu Biasa")
    path, _ = build_report("register", office.id, "2026-10", workers=1)
    _, text = pdf_text(path.read_bytes())
    assert "…" not in text
    table = flat(text.split("Halaman 1 dari")[1])
    for phrase in (LONG_INSTITUTION, LONG_ADDRESS, LONG_PURPOSE, LONG_HOST):
        assert words_in_order(table, phrase), phrase
    assert "Tamu Biasa" in table


def test_a_row_taller_than_a_page_continues_on_the_next(app, db, make_office, make_visit):
    office = make_office()
    purpose = " ".join(f"butir{n:03d}" for n in range(260))  # about 60 lines of the Keperluan column
    make_visit(office, utc(2026, 10, 5, 2), name="Tamu Sangat Panjang", purpose=purpose)
    path, stats = build_report("register", office.id, "2026-10", workers=1)
    pages, text = pdf_text(path.read_bytes())
    assert pages == stats["pages"] >= 3
    assert "(lanjutan)" in text and "…" not in text
    found = [int(w[5:]) for w in text.split() if w.startswith("butir")]
    assert found == list(range(260)) * 2  # whole in the summary's list of purposes and in its row


def _event(visit, kind, when, step="", payload=None):
    from server.models import VisitEvent

    return VisitEvent(id=str(uuid.uuid4()), visit_id=visit.id, office_id=visit.office_id, kind=kind, step=step,
                      device_time=when, corrected_time=when, payload=payload or {}, content_hash=uuid.uuid4().hex)


def test_keterangan_says_how_each_visit_ended_and_only_meetings_count_as_met(
        app, db, make_office, make_host, make_visit):
    office = make_office()
    kabag = make_host(office, name="Drs. Kepala Bagian")
    sekda = make_host(office, name="Ir. Sekretaris Daerah")
    day = utc(2026, 10, 6, 1)
    # Rows derived before the lifecycle keys: read from the older columns.
    make_visit(office, day, name="Tamu Selesai", host_id=kabag.id, checked_out_at=day + timedelta(hours=1))
    make_visit(office, day + timedelta(minutes=10), name="Tamu Ditolak Pejabat", host_id=sekda.id,
               stage="checked_out", unavailable_reason="Pejabat sedang rapat di luar kantor",
               checked_out_at=day + timedelta(minutes=40))
    make_visit(office, day + timedelta(minutes=20), name="Tamu Pemeriksaan", host_id=sekda.id, stage="refused",
               screening="refused", checked_out_at=day + timedelta(minutes=50))
    make_visit(office, day + timedelta(minutes=30), name="Tamu Batal", host_id=sekda.id, stage="cancelled",
               cancel_reason="Tamu tidak bersedia menunggu")
    # A row derived with the lifecycle: its keys win.
    make_visit(office, day + timedelta(minutes=40), name="Tamu Berjanji", host_id=kabag.id, stage="checked_out",
               checked_out_at=day + timedelta(hours=2),
               state={"outcome": "checked_out", "outcome_reason": "", "outcome_at": "2026-10-06T03:00:00Z",
                      "arrived_at": "2026-10-06T01:40:00Z", "by_appointment": True})
    data = gather_register(office, parse_month("2026-10"))
    notes = {row["name"]: (row["note"], row["time_out"]) for row in data.rows}
    assert notes["Tamu Selesai"][0] == "Selesai"
    assert notes["Tamu Ditolak Pejabat"][0] == "Tidak dapat ditemui: Pejabat sedang rapat di luar kantor"
    assert notes["Tamu Pemeriksaan"][0] == "Ditolak di pemeriksaan"
    assert notes["Tamu Batal"] == ("Dibatalkan: Tamu tidak bersedia menunggu", "-")
    assert notes["Tamu Berjanji"][0] == "Selesai; datang dengan janji temu"
    # Turned away, refused and cancelled visits are no meetings.
    assert dict(data.summary["hosts"]) == {"Drs. Kepala Bagian": 2}
    assert data.summary["met"] == 2
    assert dict(data.summary["outcomes"])["Dibatalkan"] == 1

    path, _ = build_report("register", office.id, "2026-10", workers=1)
    text = flat(pdf_text(path.read_bytes())[1])
    assert "Keterangan" in text
    for phrase in ("Tidak dapat ditemui: Pejabat sedang rapat di luar kantor", "Ditolak di pemeriksaan",
                   "Dibatalkan: Tamu tidak bersedia menunggu", "datang dengan janji temu"):
        assert words_in_order(text, phrase), phrase
    assert ("Keterangan kunjungan: Selesai 2 · tidak dapat ditemui 1 · ditolak di pemeriksaan 1 · "
            "dibatalkan 1 · belum tercatat keluar 0") in text


def test_jam_masuk_is_when_the_guest_arrived_not_when_the_form_was_sent(app, db, make_office, make_visit):
    office = make_office(timezone="Asia/Jakarta")
    # Opened the guest book at 09.05 WIB, sent the form at 09.17.
    make_visit(office, utc(2026, 10, 9, 2, 17), name="Tamu Lama Mengisi", consent_at=utc(2026, 10, 9, 2, 5))
    make_visit(office, utc(2026, 10, 9, 3, 0), name="Tamu Tercatat Tiba", consent_at=utc(2026, 10, 9, 2, 58),
               state={"outcome": None, "arrived_at": "2026-10-09T02:50:00Z"})
    data = gather_register(office, parse_month("2026-10"))
    times = {row["name"]: row["time_in"] for row in data.rows}
    assert times == {"Tamu Lama Mengisi": "09.05", "Tamu Tercatat Tiba": "09.50"}


def test_signing_block_names_the_city_the_day_the_document_is_made_and_both_signers(
        app, db, make_office, make_visit, monkeypatch):
    office = make_office(city="Pontianak", region="Provinsi Kalimantan Barat",
                         signer_name="Dr. Hendra Kurniawan, S.T., M.Si.", signer_position="Kepala Biro",
                         signer_rank="Pembina Utama Muda (IV/c)", signer_nip="19780412 200312 1 004",
                         maker_name="Rina Marlina, S.Sos.", maker_position="Kepala Subbagian Tata Usaha",
                         maker_rank="Penata Tingkat I (III/d)", maker_nip="19850917 200902 2 003")
    make_visit(office, utc(2026, 11, 3, 2), name="Tamu November")
    monkeypatch.setattr(register, "utcnow", lambda: datetime(2026, 12, 4, 3, tzinfo=timezone.utc))
    first, _ = build_report("register", office.id, "2026-11", workers=1)
    text = flat(pdf_text(first.read_bytes())[1])
    assert "Pontianak, 4 Desember 2026" in text and "Provinsi Kalimantan Barat, 4 Desember" not in text
    assert "Dibuat oleh," in text and "Mengetahui," in text
    for part in ("Rina Marlina, S.Sos.", "Penata Tingkat I (III/d)", "NIP. 19850917 200902 2 003",
                 "Dr. Hendra Kurniawan, S.T., M.Si.", "Pembina Utama Muda (IV/c)", "NIP. 19780412 200312 1 004"):
        assert part in text, part
    assert "LOGO" not in text  # no placeholder for an office without a logo
    # Six days later the cached PDF is not served with the old date.
    monkeypatch.setattr(register, "utcnow", lambda: datetime(2026, 12, 10, 3, tzinfo=timezone.utc))
    again, stats = build_report("register", office.id, "2026-11", workers=1)
    assert stats["cached"] is False and again != first
    assert "Pontianak, 10 Desember 2026" in flat(pdf_text(again.read_bytes())[1])


@pytest.mark.parametrize("visits", [20, 40, 34])
def test_signing_block_never_stands_alone_on_a_page(app, db, make_office, make_visit, visits):
    office = make_office(city="Samarinda", signer_name="Ir. Rudi Hartono, M.M.")
    for n in range(visits):
        make_visit(office, utc(2026, 10, 1, 1) + timedelta(hours=8 * n), name=f"Tamu {n + 1}", commit=False)
    db.session.commit()
    path, _ = build_report("register", office.id, "2026-10", workers=1)
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    last = reader.pages[-1].extract_text()
    assert "Ir. Rudi Hartono, M.M." in last
    assert f"Tamu {visits}" in last  # at least the last row stands with the signatures
    all_text = " ".join(page.extract_text() for page in reader.pages)
    assert all(f"Tamu {n + 1}\n" in all_text or f"Tamu {n + 1} " in all_text for n in range(visits))


def test_empty_month_prints_nihil_with_the_summary_and_the_signing_block(app, db, make_office):
    office = make_office(city="Kuala Tungkal", signer_name="Drs. Syamsul Bahri, M.M.")
    path, stats = build_report("register", office.id, "2026-10", workers=1)
    pages, text = pdf_text(path.read_bytes())
    text = flat(text)
    assert pages == stats["pages"] == 1
    assert "NIHIL" in text and "Kuala Tungkal," in text and "Drs. Syamsul Bahri, M.M." in text
    assert "halaman berikutnya" not in text and "setelah ringkasan" not in text
    assert "Halaman 1 dari 1" in text


def test_sop_median_is_rounded_once_and_an_unmeasured_step_says_tidak_tercatat(app, db, make_office, make_visit):
    office = make_office(sop_template="kalbar-2021")
    start = utc(2026, 10, 5, 2)
    # cocokkan_identitas takes 4 min 3.24 s = 4.054 min: "4,1" (not 4.05 -> "4,0").
    visit = make_visit(office, start)
    db.session.add(_event(visit, "registration", start, "isi_buku_tamu"))
    db.session.add(_event(visit, "verification", start + timedelta(seconds=243.24), "cocokkan_identitas"))
    db.session.commit()
    data = gather_register(office, parse_month("2026-10"))
    steps = {s["key"]: s for s in data.summary["sop"]}
    assert str(steps["cocokkan_identitas"]["median"]) == "4.1"
    assert steps["terima_tamu"]["median"] is None and steps["terima_tamu"]["visits"] == 0
    path, _ = build_report("register", office.id, "2026-10", workers=1)
    text = flat(pdf_text(path.read_bytes())[1])
    assert " 4,1 " in text and "tidak tercatat" in text and "…" not in text
