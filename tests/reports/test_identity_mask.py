"""One identity-number mask everywhere: register, admin pages, privacy pages, tablets.

The cases are shared with the desk app (pwa/tests/mask.test.mjs) in sync/test_vectors/mask.json."""
import json
from pathlib import Path

import pytest

from reports.register import mask_identity
from server.nik import mask_nik
from server.webutil import mask_id
from sync.rules import mask_id_number

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "sync" / "test_vectors" / "mask.json")
                     .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=lambda c: repr(c["input"]))
def test_every_layer_masks_an_identity_number_the_same_way(case):
    value = case["input"]
    assert mask_id_number(value) == case["masked"]
    assert mask_id(value) == case["masked"]
    assert mask_nik(value) == case["masked"]
    for id_type in ("ktp", "sim", "passport", "other"):
        assert mask_identity(id_type, value) == case["masked"]


def test_a_masked_nik_shows_only_its_four_serial_digits():
    masked = mask_id_number("6171014506900001")
    assert masked == "•••• •••• •••• 0001"
    assert sum(c.isdigit() for c in masked) == 4  # no region, no birth date


def test_the_desk_app_uses_the_same_vectors():
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(["node", "--test", "pwa/tests/mask.test.mjs"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
