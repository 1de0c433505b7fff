"""Fixtures of the reports area: visits with signatures, survey responses, PDF reading."""
import hashlib
import io
import random
import uuid
from datetime import datetime, timezone

import pytest

from reports.ikm import ELEMENT_KEYS
from server.models import Attachment, SurveyResponse, Visit


def signature_png(seed: int) -> bytes:
    """Return a small scribble PNG, different for each seed."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("LA", (240, 90), (0, 0))
    points = [(rng.randint(5, 235), rng.randint(5, 85)) for _ in range(7)]
    ImageDraw.Draw(image).line(points, fill=(20, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def make_signature(db):
    """Return a factory storing a signature PNG as an Attachment; returns its sha."""

    def make(office, seed: int = 1) -> str:
        data = signature_png(seed)
        sha = hashlib.sha256(data).hexdigest()
        if db.session.get(Attachment, sha) is None:
            db.session.add(Attachment(sha256=sha, office_id=office.id, kind="signature",
                                      content_type="image/png", size=len(data), data=data))
            db.session.commit()
        return sha

    return make


@pytest.fixture
def make_visit(db):
    """Return a factory of visits (registered_at in UTC is required)."""

    def make(office, registered_at: datetime, commit: bool = True, **overrides) -> Visit:
        values = dict(id=str(uuid.uuid4()), office_id=office.id, stage="checked_out", queue_number="A-001",
                      id_type="ktp", id_number="6171010101900001", name="Budi Santoso",
                      institution="Dinas Pendidikan", address="Jl. Ahmad Yani No. 1, Pontianak",
                      purpose="Koordinasi kegiatan", registered_at=registered_at)
        values.update(overrides)
        visit = Visit(**values)
        db.session.add(visit)
        if commit:
            db.session.commit()
        return visit

    return make


@pytest.fixture
def make_response(db):
    """Return a factory of survey responses: scores by element key (None for blank)."""

    def make(office, submitted_at: datetime, scores=None, commit: bool = True, **overrides) -> SurveyResponse:
        scores = scores if scores is not None else {k: 4 for k in ELEMENT_KEYS}
        if not isinstance(scores, dict):
            scores = dict(zip(ELEMENT_KEYS, scores, strict=True))
        response = SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, submitted_at=submitted_at,
                                  received_at=submitted_at, source=overrides.pop("source", "kiosk"),
                                  **scores, **overrides)
        db.session.add(response)
        if commit:
            db.session.commit()
        return response

    return make


def pdf_text(data: bytes) -> tuple[int, str]:
    """Return (page count, text) of a PDF, read back with pdftotext (layout kept)."""
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages), text


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
