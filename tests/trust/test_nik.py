"""NIK parsing (server/nik.py): property tests, and agreement with the desk app's pwa/nik.js."""
import json
import random
import subprocess
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from server.nik import PROVINCES, mask_nik, parse_nik

TODAY = date(2026, 11, 23)
REPO = Path(__file__).resolve().parents[2]

provinces = st.sampled_from(sorted(PROVINCES))
regions = st.integers(0, 9999)  # any kabupaten/kecamatan, known or not
births = st.dates(min_value=TODAY - timedelta(days=99 * 365), max_value=TODAY)
serials = st.integers(1, 9999)
sexes = st.sampled_from("LP")


def make_nik(province, region, birth, sex, serial) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{province:02d}{region:04d}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


@given(provinces, regions, births, sexes, serials)
def test_every_well_formed_nik_is_accepted_with_its_sex_and_birth_date(province, region, birth, sex, serial):
    parsed = parse_nik(make_nik(province, region, birth, sex, serial), today=TODAY)
    assert parsed.ok, parsed.errors
    assert parsed.sex == sex and parsed.birth_date == birth
    assert parsed.province == PROVINCES[province]


@given(provinces, regions, births, sexes, serials, st.lists(st.sampled_from([" ", ".", "-"]), max_size=4),
       st.randoms())
def test_separators_people_type_are_ignored(province, region, birth, sex, serial, seps, rnd):
    nik = make_nik(province, region, birth, sex, serial)
    typed = list(nik)
    for sep in seps:
        typed.insert(rnd.randint(0, len(typed)), sep)
    assert parse_nik("".join(typed), today=TODAY).nik == nik


@given(st.integers(0, 99).filter(lambda p: p not in PROVINCES), regions, births, sexes, serials)
def test_unknown_province_is_the_only_error(province, region, birth, sex, serial):
    parsed = parse_nik(make_nik(province, region, birth, sex, serial), today=TODAY)
    assert parsed.errors == ["province"]


@given(provinces, regions, births, sexes)
def test_serial_0000_is_refused(province, region, birth, sex):
    assert parse_nik(make_nik(province, region, birth, sex, 1), today=TODAY).ok
    nik = make_nik(province, region, birth, sex, 1)[:12] + "0000"
    assert parse_nik(nik, today=TODAY).errors == ["serial"]


@given(provinces, regions, st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), serials)
def test_a_date_that_does_not_exist_is_refused(province, region, day, month, yy, serial):
    nik = f"{province:02d}{region:04d}{day:02d}{month:02d}{yy:02d}{serial:04d}"
    real_day = day - 40 if day > 40 else day
    year = 2000 + yy if 2000 + yy <= TODAY.year else 1900 + yy
    try:
        date(year, month, real_day)
        exists = True
    except ValueError:
        exists = False
    assert parse_nik(nik, today=TODAY).ok == exists


@given(st.text(max_size=40))
def test_any_text_gives_a_result_never_an_exception(text):
    parsed = parse_nik(text, today=TODAY)
    assert parsed.ok == (not parsed.errors)
    if parsed.ok:
        assert len(parsed.nik) == 16 and parsed.nik.isdigit()


@given(st.text(alphabet="0123456789", min_size=1, max_size=15) | st.text(alphabet="0123456789", min_size=17, max_size=30))
def test_wrong_length_is_refused(digits):
    assert "length" in parse_nik(digits, today=TODAY).errors


@given(provinces, regions, births, sexes, serials)
def test_mask_hides_the_birth_date(province, region, birth, sex, serial):
    nik = make_nik(province, region, birth, sex, serial)
    masked = mask_nik(nik)
    assert masked == "•••• •••• •••• " + nik[12:]  # region and birth date hidden, the serial shown


def test_server_and_desk_app_agree_on_every_case():
    rnd = random.Random(7)
    cases = ["", "6171014508900003", "61 71 01 45 08 90 0003", "6171-0145-0890-0003", "abc",
             "6171014508900000", "9971014508900003", "6171013202000001", "6171012902000001",
             "6171012902010001", "617101450890000", "61710145089000033", "６１７１014508900003"]
    for _ in range(3000):
        kind = rnd.random()
        if kind < 0.6:
            digits = "".join(rnd.choice("0123456789") for _ in range(16))
            if rnd.random() < 0.7:  # a known province, to reach the date and serial rules
                digits = f"{rnd.choice(sorted(PROVINCES)):02d}" + digits[2:]
            cases.append(digits)
        else:
            cases.append("".join(rnd.choice("0123456789 .-x") for _ in range(rnd.randint(0, 20))))
    js = """
import { parseNik } from './pwa/nik.js';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const today = new Date(Date.UTC(2026, 10, 23));
const out = cases.map((c) => { const r = parseNik(c, today);
  return [r.ok, [...r.errors].sort(), r.sex ?? null, r.birthDate ?? null]; });
process.stdout.write(JSON.stringify(out));
"""
    result = subprocess.run(["node", "--input-type=module", "-e", js], input=json.dumps(cases),
                            capture_output=True, text=True, cwd=REPO, check=True)
    from_js = json.loads(result.stdout)
    for case, js_result in zip(cases, from_js, strict=True):  # the port answered every case
        parsed = parse_nik(case, today=TODAY)
        ours = [parsed.ok, sorted(parsed.errors), parsed.sex if not parsed.errors or parsed.sex else None,
                parsed.birth_date.isoformat() if parsed.birth_date else None]
        js_ok, js_errors, js_sex, js_birth = js_result
        assert (ours[0], ours[1], ours[3]) == (js_ok, js_errors, js_birth), case
        if js_ok:
            assert parsed.sex == js_sex, case
