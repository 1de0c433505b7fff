"""Fixtures for the SOP template tests: the seed texts the templates were made from."""
import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent / "seeds"


def normalize(text: str) -> str:
    """Return text reduced to lower-case letters, digits and slashes, for seed comparisons."""
    return re.sub(r"[^a-z0-9/]", "", text.lower())


@pytest.fixture
def seed_text():
    """Return a function giving the text of a seed file by name."""

    def read(name: str) -> str:
        return (SEEDS / name).read_text(encoding="utf-8")

    return read


@pytest.fixture
def seed_rows(seed_text):
    """Return a function giving {row number: row text} of a seed's step table (or one Lampiran)."""

    def rows(name: str, lampiran: str | None = None) -> dict[int, str]:
        text = seed_text(name)
        if lampiran:
            parts = re.split(r"^LAMPIRAN (I{1,3})\s*$", text, flags=re.M)
            text = parts[parts.index(lampiran) + 1]
            text = text[text.index("C. ALUR KERJA"):]
        found = {}
        for line in text.splitlines():
            match = re.match(r"^\|?\s*(\d{1,2})\.?\s*(\||\t)", line)
            if match:
                found.setdefault(int(match.group(1)), line)
        return found

    return rows
