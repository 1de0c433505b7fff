"""The monthly visitor register: data, masking, PDF pages read back."""
from datetime import timedelta

import pytest

from reports.jobs import build_report
from reports.periods import parse_month
from reports.register import gather_register, mask_identity

from .conftest import pdf_text, utc


@pytest.mark.parametrize("id_type, number, shown", [
    ("ktp", "6171010101900001", "6171 01•• •••• 0001"),
    ("ktp", "6171 0101 0190 0001", "6171 01•• •••• 0001"),
    ("sim", "123456789012", "••••••••9012"),
    ("passport", "C1234", "•••34"),
    ("ktp", "", ""),
])
def test_identity_number_is_masked(id_type, number, shown):
    assert mask_identity(id_type, number) == shown


def test_register_pdf_lists_every_visit_in_office_time(app, db, make_office, make_host, make_visit,
                                                        make_signature, artifacts):
    office = make_office(timezone="Asia/Makassar", signer_name="Dra. Siti Aminah, M.Si.",
                         signer_position="Kepala Biro Umum", signer_nip="19700101 199503 2 001",
                         address="Jl. Gajah Mada No. 2, Samarinda", phone="(0541) 733333")
    host = make_host(office, name="Ir. Hendra Wijaya")
    sig = make_signature(office, 7)
    # 23:30 UTC on 30 Sep is 07:30 WITA on 1 Oct: in October's register.
    make_visit(office, utc(2026, 9, 30, 23, 30), name="Tamu Pertama", host_id=host.id, signature_sha=sig,
               checked_out_at=utc(2026, 10, 1, 0, 45), queue_number="A-001", card_number="07")
    for n in range(2, 46):
        make_visit(office, utc(2026, 10, 1, 1, 0) + timedelta(hours=5 * n), name=f"Tamu Nomor {n}",
                   host_id=host.id, commit=False)
    make_visit(office, utc(2026, 10, 20, 2, 0), name="Orang Terhapus", purged_at=utc(2026, 11, 1))
    # 16:30 UTC on 31 Oct is 00:30 WITA on 1 Nov: not in October.
    make_visit(office, utc(2026, 10, 31, 16, 30), name="Tamu November")

    data = gather_register(office, parse_month("2026-10"))
    assert len(data.rows) == 46
    assert data.rows[0]["time_in"] == "07.30" and data.rows[0]["time_out"] == "08.45"
    assert data.rows[0]["identity"] == "6171 01•• •••• 0001"

    path, stats = build_report("register", office.id, "2026-10", workers=1)
    pdf = path.read_bytes()
    (artifacts / "register-small.pdf").write_bytes(pdf)
    pages, text = pdf_text(pdf)
    # First page, 3 table pages of 20 rows (46 visits), the closing block under the last rows.
    assert pages == 4 == stats["pages"]
    assert "REGISTER KUNJUNGAN TAMU BULAN OKTOBER 2026" in text
    assert "Halaman 1 dari 4" in text and "Halaman 4 dari 4" in text
    assert "Tamu Pertama" in text and "Tamu Nomor 45" in text
    assert "Tamu November" not in text
    assert "6171 01•• •••• 0001" in text and "6171010101900001" not in text
    assert "(data dihapus" in text and "Orang Terhapus" not in text
    assert "Dra. Siti Aminah, M.Si." in text and "NIP. 19700101 199503 2 001" in text
    assert "Jumlah kunjungan bulan Oktober 2026: 46" in text
