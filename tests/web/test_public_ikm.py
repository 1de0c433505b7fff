"""The public IKM page and the "Maklumat hasil SKM" poster (issue 14, item 13): the last
complete semester is the headline, with respondents, sample adequacy, mutu, the nine elements
and the published tindak lanjut; the poster is one printable page with a QR to the survey."""
import io
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from reports.follow_up import save_plans
from reports.ikm import ELEMENT_KEYS
from reports.publication import last_complete
from server.models import SurveyResponse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def published(db, make_office, make_response):
    """An office with answers in its last complete semester (all 4) and this month (all 1)."""
    office = make_office(code="KANTOR-P", city="Pontianak", population=None, signer_name="Dr. Kepala Kantor",
                         signer_position="Kepala Biro")
    semester = last_complete("semester", office.timezone)
    for n in range(40):
        make_response(office, 4, at=semester.start + timedelta(days=3, hours=n))
    from datetime import datetime, timezone

    for n in range(5):
        make_response(office, 1, at=datetime.now(timezone.utc) - timedelta(minutes=5 + n))
    office.population = {semester.code: 60}  # Krejcie-Morgan: 52 needed, 40 answered
    db.session.commit()
    save_plans(office, semester, {"waktu": "Menambah loket pada jam sibuk."})
    return office, semester


def test_public_page_headlines_the_last_complete_semester_not_the_running_month(app, published):
    office, semester = published
    html = app.test_client().get(f"/p/ikm/{office.code}").get_data(as_text=True)
    hero = html[html.index('data-testid="semester"'):html.index('id="elements-h"')]
    assert semester.label_id in hero and 'data-testid="ikm-value">100,00<' in hero and "Mutu A" in hero
    assert "40 responden" in hero and "sampel minimal 52 dari populasi 60" in hero and "belum mencukupi" in hero
    for key in ELEMENT_KEYS:  # the nine elements, with their mutu
        assert key and "4,000" in html
    assert html.count("4,000") >= 9
    assert "Menambah loket pada jam sibuk." in html  # the published tindak lanjut
    assert "Tren enam bulan" in html and f"/p/ikm/{office.code}/maklumat.pdf?period={semester.code}" in html
    english = app.test_client().get(f"/p/ikm/{office.code}?lang=en").get_data(as_text=True)
    assert "minimum sample 52 of a population of 60" in english and "Follow-up plan" in english


def _decode_qr(png: Path) -> str | None:
    """Return the text of the QR code in a PNG (decoded with the desk app's jsQR)."""
    from PIL import Image

    image = Image.open(png).convert("RGBA")
    script = """
import jsQR from './pwa/node_modules/jsqr/dist/jsQR.js';
import { readFileSync } from 'node:fs';
const { w, h } = JSON.parse(process.argv[1]);
const data = new Uint8ClampedArray(readFileSync(0));
const code = jsQR(data, w, h);
process.stdout.write(code ? code.data : '');
"""
    result = subprocess.run(["node", "--input-type=module", "-e", script,
                             json.dumps({"w": image.width, "h": image.height})],
                            input=image.tobytes(), capture_output=True, cwd=REPO)
    return result.stdout.decode() or None


def test_poster_is_one_printable_page_with_the_results_and_a_qr_to_the_survey(app, published, tmp_path, artifacts):
    office, semester = published
    response = app.test_client().get(f"/p/ikm/{office.code}/maklumat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    (artifacts / "maklumat-skm.pdf").write_bytes(pdf)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "MAKLUMAT HASIL SURVEI KEPUASAN MASYARAKAT" in text and semester.label_id in text
    assert "100,00" in text and "SANGAT BAIK" in text and "40 responden" in text
    assert "Menambah loket pada jam sibuk." in text and "Pontianak," in text and "Dr. Kepala Kantor" in text
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-", str(tmp_path / "poster")], input=pdf,
                   check=True)
    url = _decode_qr(tmp_path / "poster.png")
    assert url is not None and url.endswith(f"/p/skm/{office.code}")


def test_poster_for_a_bad_period_is_a_400_naming_the_field(app, published):
    office, _ = published
    response = app.test_client().get(f"/p/ikm/{office.code}/maklumat.pdf?period=2026-S9")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"period": "must be YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY"}


def test_poster_survey_link_stores_a_response_without_a_visit(app, db, published):
    office, _ = published
    client = app.test_client()
    assert client.get(f"/p/skm/{office.code}").status_code == 200
    before = db.session.query(SurveyResponse).count()
    empty = client.post(f"/p/skm/{office.code}", data={})
    assert empty.status_code == 400 and db.session.query(SurveyResponse).count() == before
    answers = {f"q_{key}": "3" for key in ELEMENT_KEYS}
    done = client.post(f"/p/skm/{office.code}", data={**answers, "saran": "Parkir diperluas."})
    assert done.status_code == 200
    stored = db.session.scalars(db.select(SurveyResponse).where(SurveyResponse.saran == "Parkir diperluas.")).one()
    assert stored.visit_id is None and stored.office_id == office.id and stored.source == "phone"
    assert client.get("/p/skm/TIDAK-ADA").status_code == 404


def test_public_page_in_a_real_browser(app, published, live_server, browser, artifacts):
    office, semester = published
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(f"{live_server}/p/ikm/{office.code}")
    assert page.text_content('[data-testid="semester"] [data-testid="ikm-value"]') == "100,00"
    page.screenshot(path=str(artifacts / "public-ikm.png"), full_page=True)
    page.close()
