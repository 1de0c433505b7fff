"""How the register's pages are grouped in chunks: a new day of visits renders only the pages
it changes, also when the closing block took the last row of a full page the day before."""
import shutil
from datetime import timedelta

from reports.jobs import build_report, cache_dir
from reports.register import PAGES_PER_CHUNK, plan_chunks

from .conftest import pdf_text, utc


def test_a_new_day_after_a_full_last_page_renders_only_the_new_pages(app, db, make_office, make_visit):
    office = make_office(signer_name="Ir. Penanda Tangan")
    # 100 rows of two lines: five full pages, no room left for the closing block, so the last
    # row goes to a sixth page with it.
    for n in range(100):
        make_visit(office, utc(2026, 10, 1, 0) + timedelta(minutes=5 * n), name=f"Tamu {n + 1}", commit=False)
    db.session.commit()
    shutil.rmtree(cache_dir("chunks"))
    path, first = build_report("register", office.id, "2026-10", workers=1)
    pages, text = pdf_text(path.read_bytes())
    assert pages == first["pages"] == 1 + 6
    last = text.split("\f")[-2]
    assert "Tamu 100" in last and "Ir. Penanda Tangan" in last and "Tamu 99" not in last
    # The chunks: pages 1-4, then the page that gave its last row and the closing page.
    assert first["parts"] == 3 and first["parts_rendered"] == 3

    for n in range(30):
        make_visit(office, utc(2026, 10, 2, 0) + timedelta(minutes=5 * n), name=f"Tamu Esok {n + 1}",
                   commit=False)
    db.session.commit()
    path, second = build_report("register", office.id, "2026-10", workers=1)
    # The first page (its summary changed) and one chunk: the fifth page, whole again, and the
    # two new ones. The first four table pages come from the cache.
    assert second["parts_rendered"] == 2 and second["parts"] == 3
    pages, text = pdf_text(path.read_bytes())
    assert pages == second["pages"] == 1 + 7 and "Halaman 8 dari 8" in text
    numbers = [int(line.split()[0]) for line in text.splitlines()
               if line.strip() and line.split()[0].isdigit() and "Tamu" in line]
    assert numbers == list(range(1, 131))
    last = text.split("\f")[-2]
    assert "Tamu Esok 30" in last and "Ir. Penanda Tangan" in last


def test_chunks_come_again_where_their_pages_do():
    keys = [f"p{n}" for n in range(12)]
    # A first build: chunks of PAGES_PER_CHUNK pages from the first.
    assert PAGES_PER_CHUNK == 5
    assert plan_chunks(keys, [], 12) == [(0, 5), (5, 10), (10, 12)]
    assert plan_chunks(keys, [], 9) == [(0, 5), (5, 9)]
    # Yesterday's chunks p0-p4 and p5-p8; p9 changed since: p0-p4 and p5-p8 come again, the rest
    # is new.
    today = keys[:9] + ["p9*", "p10", "p11", "p12", "p13", "p14", "p15"]
    yesterday = [keys[0:5], keys[5:9], ["p9", "closing"]]
    assert plan_chunks(today, yesterday, 16) == [(0, 5), (5, 9), (9, 14), (14, 16)]
    # A page changed in the middle: only its chunk is new, the next one comes again.
    edited = keys[:2] + ["p2*"] + keys[3:]
    assert plan_chunks(edited, [keys[0:5], keys[5:10], keys[10:12]], 12) == [(0, 5), (5, 10), (10, 12)]
    # A previous chunk that would run past the end (the pages the closing page takes) is not
    # used; a new chunk stops where a previous one comes again.
    assert plan_chunks(keys, [keys[0:5], keys[7:11]], 10) == [(0, 5), (5, 10)]
    assert plan_chunks(keys, [keys[0:5], keys[7:11]], 12) == [(0, 5), (5, 7), (7, 11), (11, 12)]
