"""Benchmark the monthly register PDF and the IKM engine; print one JSON object.

    python bench/register_pdf.py [--visits 5000] [--responses 100000] [--workers 2] [--no-plain]

Builds a scratch database (SQLite in a temp folder, or SITAMU_BENCH_DATABASE_URL) with one
busy office: N visits in October 2026 with a signature image each. Measures:

* register_cold: the chunked, parallel register (nothing cached);
* register_next_day: the same after one more day of visits (only changed parts re-rendered);
* register_plain: the same register as one plain WeasyPrint table document, in one process;
* ikm: the IKM over R survey responses (SQL aggregation).

Wall-clock seconds and peak resident memory per process (MB). Run on an idle machine for
figures that mean something; the process pool's start-up is included in the cold run.
"""
import argparse
import hashlib
import io
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIRST_NAMES = ["Budi", "Siti", "Agus", "Dewi", "Rahmat", "Nur", "Hendra", "Yuliana", "Fajar", "Rina",
               "Muhammad", "Sri", "Andi", "Wahyu", "Putri", "Ahmad", "Indah", "Joko", "Lestari", "Bayu"]
LAST_NAMES = ["Santoso", "Aminah", "Wijaya", "Lestari", "Hidayat", "Saputra", "Rahayu", "Pratama",
              "Kurniawan", "Nasution", "Siregar", "Hutapea", "Syahputra", "Anggraini", "Gunawan"]
INSTITUTIONS = ["Dinas Pendidikan Kabupaten Sanggau", "CV Maju Bersama", "Universitas Tanjungpura",
                "Bappeda Kota Pontianak", "PT Borneo Karya Mandiri", "Kecamatan Sungai Raya",
                "Masyarakat umum", "Dinas Kesehatan Provinsi", "Kantor Pos Pontianak"]
PURPOSES = ["Koordinasi pengadaan barang/jasa tahun anggaran 2027", "Menyerahkan dokumen penawaran",
            "Konsultasi e-katalog", "Audiensi dengan Kepala Biro", "Mengambil surat undangan",
            "Klarifikasi hasil evaluasi tender", "Rapat persiapan kegiatan", "Silaturahmi"]


def signature(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("LA", (240, 90), (0, 0))
    ImageDraw.Draw(image).line([(rng.randint(5, 235), rng.randint(5, 85)) for _ in range(8)],
                               fill=(20, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def add_visits(db, office, hosts, day_from: int, day_to: int, count: int, seed: int) -> None:
    from server.models import Attachment, Visit

    rng = random.Random(seed)
    tz = office.tz
    for n in range(count):
        day = rng.randint(day_from, day_to)
        local = datetime(2026, 10, day, rng.randint(7, 15), rng.randint(0, 59), tzinfo=tz)
        data = signature(seed * 100_000 + n)
        sha = hashlib.sha256(data).hexdigest()
        if db.session.get(Attachment, sha) is None:
            db.session.add(Attachment(sha256=sha, office_id=office.id, kind="signature",
                                      content_type="image/png", size=len(data), data=data))
        arrived = local.astimezone(timezone.utc)
        db.session.add(Visit(
            id=str(uuid.uuid4()), office_id=office.id, stage="checked_out",
            queue_number=f"A-{n % 300 + 1:03d}", card_number=str(n % 40 + 1), id_type="ktp",
            id_number=f"6171{rng.randint(10, 99)}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
                      f"{rng.randint(60, 99)}{rng.randint(1, 9999):04d}",
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            institution=rng.choice(INSTITUTIONS), address=f"Jl. Ahmad Yani No. {rng.randint(1, 200)}, Pontianak",
            purpose=rng.choice(PURPOSES), host_id=rng.choice(hosts).id, signature_sha=sha,
            registered_at=arrived, checked_out_at=arrived + timedelta(minutes=rng.randint(10, 120))))
        if n % 1000 == 999:
            db.session.commit()
    db.session.commit()


def add_responses(db, office, count: int) -> None:
    from reports.ikm import ELEMENT_KEYS
    from server.models import SurveyResponse

    rng = random.Random(5)
    start = datetime(2026, 10, 1, 1, tzinfo=timezone.utc)
    rows = []
    for _ in range(count):
        row = {k: (None if rng.random() < 0.03 else rng.choice((2, 3, 3, 4, 4))) for k in ELEMENT_KEYS}
        when = start + timedelta(seconds=rng.randint(0, 29 * 86400))
        rows.append(dict(id=str(uuid.uuid4()), office_id=office.id, source="kiosk", submitted_at=when,
                         received_at=when, gender="", age_band="", education="", occupation="", saran="",
                         batch="", **row))
        if len(rows) == 10_000:
            db.session.execute(SurveyResponse.__table__.insert(), rows)
            rows = []
    if rows:
        db.session.execute(SurveyResponse.__table__.insert(), rows)
    db.session.commit()


def plain_document(data) -> str:
    """Return the register as one ordinary HTML table (the comparison baseline)."""
    from markupsafe import escape

    from reports.register import register_css

    head = "".join(f"<th>{h}</th>" for h in ("No", "Hari/Tanggal", "Jam Masuk", "Jam Keluar", "Nama",
                                              "Instansi/Alamat", "Nomor Identitas", "Keperluan",
                                              "Bertemu Dengan", "Keterangan", "Antrean/Kartu", "Tanda Tangan"))
    rows = []
    for r in data.rows:
        cells = [r["no"], f"{r['weekday']}, {r['date']}", r["time_in"], r["time_out"], r["name"],
                 f"{r['institution']}, {r['address']}", f"{r['id_type']} {r['identity']}", r["purpose"],
                 r["host"], r["note"], f"{r['queue_number']} / {r['card_number']}"]
        sig = f'<img src="sitamu-blob:{r["signature_sha"]}">' if r["signature_sha"] else ""
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + f"<td>{sig}</td></tr>")
    css = register_css() + """
        table.plain { border-collapse: collapse; width: 100%; }
        table.plain th, table.plain td { border: 0.5pt solid #000; padding: 0.8mm 1mm; vertical-align: top; }
        table.plain img { height: 7mm; width: 16mm; }
        @page { @bottom-right { content: "Halaman " counter(page) " dari " counter(pages); } }"""
    return (f"<html><head><meta charset='utf-8'><style>{css}</style></head><body>"
            f"<table class='plain'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</body></html>")


def _plain_worker(html_and_blobs, queue):
    from reports.render import fill_blobs, html_to_pdf

    started = time.perf_counter()
    html, blobs = html_and_blobs
    pdf = html_to_pdf(fill_blobs(html, blobs))
    from pypdf import PdfReader

    queue.put({"seconds": round(time.perf_counter() - started, 2), "pages": len(PdfReader(io.BytesIO(pdf)).pages),
               "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-plain", action="store_true", help="Skip the slow one-document baseline.")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="sitamu-bench-"))
    os.environ.setdefault("SITAMU_INSTANCE_PATH", str(scratch / "instance"))
    url = os.environ.get("SITAMU_BENCH_DATABASE_URL") or f"sqlite:///{scratch / 'bench.db'}"
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.models import Host, Office

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(scratch / "instance"),
                      "SITAMU_DATA_KEY": "22" * 32, "SECRET_KEY": "bench"})
    result: dict = {"visits": args.visits, "responses": args.responses, "workers": args.workers,
                    "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0],
                    "note": "measured on a shared machine; rerun on an idle one"}
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        office = Office(code="BENCH", name="Biro Pengadaan Barang/Jasa", timezone="Asia/Jakarta",
                        sop_template="kalbar-2021", region="Pontianak",
                        letterhead=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "SEKRETARIAT DAERAH",
                                    "BIRO PENGADAAN BARANG/JASA"],
                        address="Jl. Ahmad Yani, Pontianak 78124", signer_name="Dr. H. Contoh Nama, M.Si.",
                        signer_position="Kepala Biro Pengadaan Barang/Jasa", signer_nip="19700101 199503 1 001")
        db.session.add(office)
        db.session.commit()
        hosts = [Host(office_id=office.id, name=f"Pejabat {n}", position="Kepala Bagian") for n in range(12)]
        db.session.add_all(hosts)
        db.session.commit()
        t = time.perf_counter()
        add_visits(db, office, hosts, 1, 30, args.visits, seed=1)
        result["setup_visits_seconds"] = round(time.perf_counter() - t, 1)

        from reports import jobs
        from reports.periods import parse_month, parse_period

        t, cpu = time.perf_counter(), time.process_time()
        _, cold = jobs.build_report("register", office.id, "2026-10", workers=args.workers)
        result["register_cold"] = {"seconds": round(time.perf_counter() - t, 2), "pages": cold["pages"],
                                   "parts": cold["parts"], "worker_peak_mb": cold["render_peak_mb"],
                                   "worker_cpu_seconds": cold["render_cpu_seconds"],
                                   "main_cpu_seconds": round(time.process_time() - cpu, 2)}

        add_visits(db, office, hosts, 31, 31, max(1, args.visits // 30), seed=2)
        t, cpu = time.perf_counter(), time.process_time()
        _, warm = jobs.build_report("register", office.id, "2026-10", workers=args.workers)
        result["register_next_day"] = {"seconds": round(time.perf_counter() - t, 2), "pages": warm["pages"],
                                       "parts_rendered": warm["parts_rendered"], "parts": warm["parts"],
                                       "worker_cpu_seconds": warm["render_cpu_seconds"],
                                       "main_cpu_seconds": round(time.process_time() - cpu, 2)}
        result["main_process_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

        if not args.no_plain:
            from reports.register import gather_register

            data = gather_register(office, parse_month("2026-10", office.timezone))
            data.rows = data.rows[:args.visits]
            blobs = jobs._load_blobs({r["signature_sha"] for r in data.rows})
            queue = multiprocessing.get_context("spawn").Queue()
            proc = multiprocessing.get_context("spawn").Process(
                target=_plain_worker, args=((plain_document(data), blobs), queue))
            t = time.perf_counter()
            proc.start()
            plain = queue.get()
            proc.join()
            plain["wall_seconds"] = round(time.perf_counter() - t, 2)
            result["register_plain"] = plain

        add_responses(db, office, args.responses)
        from reports.ikm import ikm_for

        t = time.perf_counter()
        ikm = ikm_for([office.id], parse_period("2026-10"))
        result["ikm"] = {"seconds": round(time.perf_counter() - t, 3), "respondents": ikm.respondents,
                         "konversi": float(ikm.konversi), "mutu": ikm.mutu}
    result["load_avg_at_end"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
