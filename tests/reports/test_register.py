"""The monthly visitor register: data, masking, PDF pages read back."""
from datetime import timedelta

import pytest

from reports.jobs import build_report
from reports.periods import parse_month
from reports.register import gather_register, mask_identity

from .conftest import pdf_text, utc


@pytest.mark.parametrize("id_type, number, shown", [
    ("ktp", "6171010101900001", "•••• •••• •••• 0001"),
    ("ktp", "6171 0101 0190 0001", "•••• •••• •••• 0001"),
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
    assert data.rows[0]["identity"] == "•••• •••• •••• 0001"

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
    assert "•••• •••• •••• 0001" in text and "6171010101900001" not in text
    assert "(data dihapus" in text and "Orang Terhapus" not in text
    assert "Dra. Siti Aminah, M.Si." in text and "NIP. 19700101 199503 2 001" in text
    assert "Jumlah kunjungan bulan Oktober 2026: 46" in text


def test_one_more_day_rerenders_only_the_changed_parts(app, db, make_office, make_visit, make_signature):
    office = make_office()
    sig = make_signature(office, 11)
    for n in range(430):  # 22 table pages: chunks of 5, 5, 5, 5 and 2 pages (+ closing)
        make_visit(office, utc(2026, 10, 1 + n // 16, 1, n % 16), name=f"Tamu {n + 1}", signature_sha=sig,
                   commit=False)
    db.session.commit()
    import shutil

    from reports.jobs import cache_dir

    shutil.rmtree(cache_dir("chunks"))  # grid pages are the same in every test: start cold
    _, first = build_report("register", office.id, "2026-10", workers=1)
    assert first["parts_rendered"] == first["parts"] == 6
    assert first["grids_rendered"] == first["grids"] == 1  # the heading row, shared by every table page
    for n in range(12):
        make_visit(office, utc(2026, 10, 31, 2, n), name=f"Tamu Akhir {n + 1}", commit=False)
    db.session.commit()
    path, second = build_report("register", office.id, "2026-10", workers=1)
    # The first page (its summary changed) and the last chunk are rendered again; 4 chunks reused.
    assert second["parts_rendered"] == 2 and second["parts"] == 6
    assert second["grids_rendered"] == 0  # rows' rules are drawn at merge time: the grid is reused
    pages, text = pdf_text(path.read_bytes())
    assert pages == second["pages"] == 1 + 23
    assert "Halaman 24 dari 24" in text and "Halaman 2 dari 24" in text and "Tamu Akhir 12" in text
    assert "Halaman 2 dari 23" not in text


def test_register_parts_rendered_in_parallel_match_one_process(app, db, make_office, make_visit):
    office = make_office()
    for n in range(230):
        make_visit(office, utc(2026, 10, 2, 1, 0) + timedelta(minutes=7 * n), name=f"Tamu {n + 1}", commit=False)
    db.session.commit()
    from reports import jobs

    path, stats = jobs.build_report("register", office.id, "2026-10", workers=2)
    pages, text = pdf_text(path.read_bytes())
    assert pages == 1 + 12 == stats["pages"] and stats["parts_rendered"] == 4  # first page, 5 + 5 + 2
    numbers = [int(line.split()[0]) for line in text.splitlines()
               if line.strip() and line.split()[0].isdigit() and "Tamu" in line]
    assert numbers == list(range(1, 231))


def test_register_cli_writes_the_pdf(app, db, make_office, make_visit, tmp_path):
    office = make_office(code="KLB01")
    make_visit(office, utc(2026, 10, 5, 3), name="Tamu Lewat CLI")
    out = tmp_path / "out" / "register.pdf"
    result = app.test_cli_runner().invoke(args=["report", "register", "--office", "KLB01", "--month", "2026-10",
                                                "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    pages, text = pdf_text(out.read_bytes())
    assert pages == 2 and "Tamu Lewat CLI" in text


@pytest.mark.parametrize("args, message", [
    (["report", "register", "--office", "NOPE", "--month", "2026-10"], "no office"),
    (["report", "register", "--office", "KLB02", "--month", "2026-Q4"], "not a month"),
    (["report", "ikm", "--office", "KLB02", "--period", "2026-Q9"], "period"),
])
def test_report_cli_refuses_bad_input(app, db, make_office, tmp_path, args, message):
    make_office(code="KLB02")
    result = app.test_cli_runner().invoke(args=[*args, "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_ikm_cli_writes_the_report(app, db, make_office, tmp_path):
    make_office(code="KLB03")
    out = tmp_path / "ikm.pdf"
    result = app.test_cli_runner().invoke(args=["report", "ikm", "--office", "KLB03", "--period", "2026-Q4",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    _, text = pdf_text(out.read_bytes())
    assert "Triwulan IV 2026" in text and "Belum ada jawaban survei" in text


def test_register_summary_gives_median_minutes_per_sop_step(app, db, make_office, make_visit):
    import uuid as _uuid

    from server.models import VisitEvent

    office = make_office(sop_template="kalbar-2021")
    for n, minutes in enumerate((10, 20, 40)):
        start = utc(2026, 10, 5, 2, n)
        visit = make_visit(office, start)
        for kind, step, offset in (("registration", "isi_buku_tamu", 0),
                                   ("verification", "cocokkan_identitas", minutes)):
            when = start + timedelta(minutes=offset)
            db.session.add(VisitEvent(id=str(_uuid.uuid4()), visit_id=visit.id, office_id=office.id, kind=kind,
                                      step=step, device_time=when, corrected_time=when, payload={},
                                      content_hash=_uuid.uuid4().hex))
    db.session.commit()
    data = gather_register(office, parse_month("2026-10"))
    steps = {s["key"]: s for s in data.summary["sop"]}
    assert steps["cocokkan_identitas"]["median"] == 20 and steps["cocokkan_identitas"]["visits"] == 3
    assert steps["cocokkan_identitas"]["late"] is True  # the Kalbar SOP allows 15 minutes


def test_signature_arriving_after_its_visit_renews_the_register(app, db, make_office, make_visit):
    import hashlib
    import io

    from pypdf import PdfReader

    from server.models import Attachment

    from .conftest import signature_png

    office = make_office()
    png = signature_png(42)
    sha = hashlib.sha256(png).hexdigest()
    make_visit(office, utc(2026, 10, 6, 3), name="Tamu Bertanda Tangan", signature_sha=sha)
    first, stats = build_report("register", office.id, "2026-10", workers=1)
    assert len(PdfReader(io.BytesIO(first.read_bytes())).pages[1].images) == 0
    db.session.add(Attachment(sha256=sha, office_id=office.id, kind="signature", content_type="image/png",
                              size=len(png), data=png))
    db.session.commit()
    second, stats = build_report("register", office.id, "2026-10", workers=1)
    assert stats["cached"] is False and stats["parts_rendered"] >= 1
    assert len(PdfReader(io.BytesIO(second.read_bytes())).pages[1].images) == 1


def test_register_uses_the_font_its_cells_are_fitted_for(app, db, make_office, make_visit):
    """Cells are cut to Liberation Sans widths: any other font would overflow them."""
    import io

    import pikepdf

    office = make_office()
    make_visit(office, utc(2026, 10, 2, 1, 0), name="Tamu Satu")
    path, _ = build_report("register", office.id, "2026-10", workers=1)
    fonts = set()
    with pikepdf.Pdf.open(io.BytesIO(path.read_bytes())) as pdf:
        for page in pdf.pages:
            for _, xobject in (page.Resources.get("/XObject") or {}).items():  # the table's grid
                fonts |= {str(f.BaseFont) for f in (xobject.get("/Resources", {}).get("/Font") or {}).values()}
            fonts |= {str(f.BaseFont) for f in (page.Resources.get("/Font") or {}).values()}
    used = {name.split("+")[-1].strip("/").replace("-", "") for name in fonts} - {"Helvetica"}
    assert used and all(name.startswith("LiberationSans") for name in used), used  # Helvetica: page numbers


def test_signatures_are_drawn_in_their_own_rows_signature_cell(app, db, make_office, make_visit, make_signature,
                                                                tmp_path):
    """Signatures are stamped after rendering: each lands in its row's cell, flattened in gray."""
    import io
    import subprocess

    from PIL import Image
    from pypdf import PdfReader

    from reports.register import COLUMNS, HEADER_MM, PAGE_MARGIN_MM, ROW_MM

    office = make_office()
    for n in range(4):  # rows 2 and 4 signed
        make_visit(office, utc(2026, 10, 2, 1, n), name=f"Tamu {n + 1}",
                   signature_sha=make_signature(office, 20 + n) if n % 2 else None)
    path, _ = build_report("register", office.id, "2026-10", workers=1)
    pdf = path.read_bytes()
    page = PdfReader(io.BytesIO(pdf)).pages[1]
    assert len(page.images) == 2
    for image in page.images:
        assert image.image.mode == "L" and "/SMask" not in image.indirect_reference.get_object()
    _, text = pdf_text(pdf)
    assert "Tamu 4" in text and "BUKU TAMU" in text  # the running head comes with the grid

    dpi = 100
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "2", "-l", "2", "-gray", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    shot = Image.open(tmp_path / "page.png").convert("L")
    px = dpi / 25.4
    right = PAGE_MARGIN_MM[3] + sum(c[2] for c in COLUMNS)
    left = right - COLUMNS[-1][2]

    def ink(row):  # dark pixels inside the cell, clear of its rules
        top = PAGE_MARGIN_MM[0] + HEADER_MM + row * ROW_MM
        cell = shot.crop((round((left + 0.5) * px), round((top + 0.5) * px), round((right - 0.5) * px),
                          round((top + ROW_MM - 0.5) * px)))
        return sum(cell.point(lambda v: 255 if v < 128 else 0).histogram()[255:])

    assert [ink(row) > 20 for row in range(5)] == [False, True, False, True, False]


def test_removing_a_guest_deletes_the_cached_register_of_that_month(app, db, make_office, make_visit):
    """Cached PDFs and parts must not keep a guest's name after retention or erasure."""
    from pathlib import Path

    from server.privacy.retention import purge_visit

    office = make_office()
    gone = make_visit(office, utc(2026, 10, 5, 2, 0), name="Rahmat Hidayat")
    make_visit(office, utc(2026, 10, 6, 2, 0), name="Dewi Lestari")
    make_visit(office, utc(2026, 11, 2, 2, 0), name="Budi Santoso")
    first, _ = build_report("register", office.id, "2026-10", workers=1)
    november, _ = build_report("register", office.id, "2026-11", workers=1)
    cached = [Path(app.instance_path, "reports", kind, str(office.id), "2026-10") for kind in ("docs", "chunks")]
    assert all(any(d.glob("*.pdf")) for d in cached) and first.parent == cached[0]
    purge_visit(gone)
    db.session.commit()
    assert not any(d.exists() for d in cached)
    assert november.exists()  # other months stay cached
    path, stats = build_report("register", office.id, "2026-10", workers=1)
    assert not stats["cached"]
    _, text = pdf_text(path.read_bytes())
    assert "Rahmat" not in text and "Dewi Lestari" in text
