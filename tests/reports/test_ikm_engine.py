"""The IKM engine: worked examples, rounding boundaries, conventions, SQL aggregation."""
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.ikm import (
    ELEMENT_KEYS,
    IkmError,
    classify,
    compute_ikm,
    ikm_for,
    ikm_trend,
    krejcie_morgan,
    profile_breakdown,
    round_half_up,
    sample_check,
)
from reports.periods import PeriodError, parse_period
from server.models import ELEMENT_KEYS as MODEL_KEYS

from .conftest import utc

REFERENCE_TOTALS = [354, 353, 353, 353, 353, 354, 354, 353, 353]


def test_engine_and_model_use_the_same_element_keys_in_order():
    assert ELEMENT_KEYS == MODEL_KEYS


def test_reference_example_is_grade_a_exactly():
    result = compute_ikm(REFERENCE_TOTALS, 100)
    assert result.konversi == Decimal("88.33")
    assert result.ikm == Fraction(3180, 900)
    assert (result.mutu, result.kinerja, result.nilai_persepsi) == ("A", "Sangat Baik", 4)


def test_reference_example_is_grade_b_with_weight_0111():
    result = compute_ikm(REFERENCE_TOTALS, 100, convention="0.111")
    assert result.konversi == Decimal("88.245")
    assert result.konversi_rounded == Decimal("88.25")
    assert result.mutu == "B" and result.kinerja == "Baik"


@pytest.mark.parametrize("convention, konversi", [("exact", "100.00"), ("0.111", "99.90")])
def test_all_fours_give_100_exact_and_99_90_with_0111(convention, konversi):
    result = compute_ikm([400] * 9, 100, convention=convention)
    assert result.konversi == Decimal(konversi)
    assert result.mutu == "A"


@pytest.mark.parametrize("konversi, mutu", [
    ("88.305", "A"), ("88.3049", "B"), ("88.30", "B"), ("88.31", "A"),
    ("76.605", "B"), ("76.60", "C"), ("76.61", "B"),
    ("65.00", "C"), ("64.995", "C"), ("64.994", "D"), ("25", "D"), ("100", "A"),
])
def test_grade_is_read_from_konversi_rounded_half_up(konversi, mutu):
    assert classify(Decimal(konversi))[1] == mutu


def test_konversi_88_305_exactly_rounds_up_to_grade_a():
    # 10000 respondents, element sums adding up to 317898: konversi = 317898/10000 * 25/9 = 88.305.
    totals = [35322] * 8 + [317898 - 35322 * 8]
    result = compute_ikm(totals, 10000)
    assert result.konversi_exact == Fraction(88305, 1000)
    assert (result.konversi, result.mutu) == (Decimal("88.31"), "A")
    below = compute_ikm([35322] * 8 + [317897 - 35322 * 8], 10000)
    assert (below.konversi, below.mutu) == (Decimal("88.30"), "B")


def test_blanks_count_only_towards_the_elements_answered():
    # Three respondents; waktu left blank by one, pengaduan blank by all.
    rows = [
        dict(zip(ELEMENT_KEYS, [4, 4, 4, 4, 4, 4, 4, None, 4], strict=True)),
        dict(zip(ELEMENT_KEYS, [3, 3, None, 3, 3, 3, 3, None, 3], strict=True)),
        dict(zip(ELEMENT_KEYS, [2, 2, 2, 2, 2, 2, 2, None, 2], strict=True)),
    ]
    totals = {k: sum(r[k] for r in rows if r[k] is not None) for k in ELEMENT_KEYS}
    counts = {k: sum(1 for r in rows if r[k] is not None) for k in ELEMENT_KEYS}
    result = compute_ikm(totals, counts, 3)
    assert result.elements["waktu"].nrr == Fraction(6, 2)
    assert result.elements["persyaratan"].nrr == Fraction(9, 3)
    assert result.elements["pengaduan"].nrr is None
    # Seven elements at NRR 3 and waktu at 3: eight answered elements, weight 1/8 each.
    assert result.weight == Fraction(1, 8)
    assert result.ikm == 3 and result.konversi == Decimal("75.00") and result.mutu == "C"


def test_0111_convention_uses_nrr_as_printed_to_three_places():
    # NRR 10/3 = 3.3333... is taken as 3.333 under "0.111".
    result = compute_ikm([10] * 9, 3, convention="0.111")
    assert result.elements["biaya"].nrr_used == Decimal("3.333")
    assert result.ikm == Decimal("3.333") * Decimal("0.111") * 9
    assert result.konversi_exact == Decimal("83.241675")
    assert result.konversi == Decimal("83.242") and result.konversi_rounded == Decimal("83.24")
    exact = compute_ikm([10] * 9, 3)
    assert exact.konversi == Decimal("83.33")


def test_the_two_conventions_can_give_different_grades():
    exact = compute_ikm(REFERENCE_TOTALS, 100, convention="exact")
    rounded = compute_ikm(REFERENCE_TOTALS, 100, convention="0.111")
    assert (exact.mutu, rounded.mutu) == ("A", "B")


@pytest.mark.parametrize("totals, counts, message", [
    ([500] * 9, 100, "outside the 1-4 scale"),
    ([50] * 9, 100, "outside the 1-4 scale"),
    ([400] * 8, 100, "expected 9 values"),
])
def test_impossible_sums_are_refused(totals, counts, message):
    with pytest.raises(IkmError, match=message):
        compute_ikm(totals, counts)


def test_unknown_convention_is_refused():
    with pytest.raises(IkmError):
        compute_ikm([400] * 9, 100, convention="0.11")


def test_no_answers_gives_no_grade():
    result = compute_ikm([0] * 9, 0, 0)
    assert result.empty and result.mutu is None and result.konversi is None


@pytest.mark.parametrize("population, sample", [(100, 80), (500, 217), (1000, 278), (10000, 370),
                                                (1000000, 384), (10, 10), (0, 0)])
def test_krejcie_morgan_matches_the_published_table(population, sample):
    assert krejcie_morgan(population) == sample


def test_sample_check_says_whether_respondents_suffice():
    assert sample_check(80, 100) == {"population": 100, "sample_required": 80, "sample_enough": True}
    assert sample_check(79, 100)["sample_enough"] is False


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=9, max_size=9),
                min_size=1, max_size=40))
def test_exact_ikm_is_the_mean_of_element_means(rows):
    totals = {k: sum(r[i] for r in rows if r[i] is not None) for i, k in enumerate(ELEMENT_KEYS)}
    counts = {k: sum(1 for r in rows if r[i] is not None) for i, k in enumerate(ELEMENT_KEYS)}
    result = compute_ikm(totals, counts, len(rows))
    means = [Fraction(totals[k], counts[k]) for k in ELEMENT_KEYS if counts[k]]
    if not means:
        assert result.empty
        return
    assert result.ikm == sum(means) / len(means)
    assert 25 <= result.konversi <= 100
    assert result.konversi == round_half_up(sum(means) / len(means) * 25, 2)


def test_periods_parse_and_bound_in_the_office_zone():
    q4 = parse_period("2026-Q4", "Asia/Jayapura")
    assert q4.label_id == "Triwulan IV 2026"
    assert q4.start == utc(2026, 9, 30, 15) and q4.end == utc(2026, 12, 31, 15)
    assert parse_period("2026-S2").label_id == "Semester II 2026"
    assert parse_period("2026").end == utc(2026, 12, 31, 17)
    assert parse_period("2026-10").label_id == "Oktober 2026"
    assert [p.code for p in parse_period("2026-Q1").previous(2)] == ["2025-Q3", "2025-Q4"]
    for bad in ("2026-13", "2026-Q5", "26-10", "2026-S3", "oktober", ""):
        with pytest.raises(PeriodError):
            parse_period(bad)


def test_ikm_for_aggregates_by_office_service_host_and_period(db, make_office, make_service, make_host,
                                                             make_response):
    office = make_office(timezone="Asia/Makassar")
    other = make_office()
    service = make_service(office, name="Layanan Pengadaan")
    host = make_host(office)
    october = parse_period("2026-10")
    make_response(office, utc(2026, 10, 5, 2), [4] * 9, service_id=service.id, host_id=host.id)
    make_response(office, utc(2026, 10, 6, 2), [3, 3, 3, None, 3, 3, 3, 3, 3], service_id=service.id)
    make_response(office, utc(2026, 10, 7, 2), [2] * 9)
    # 16:30 UTC on 30 Sep is 00:30 WITA on 1 Oct: October for this office.
    make_response(office, utc(2026, 9, 30, 16, 30), [1] * 9)
    make_response(office, utc(2026, 10, 31, 16, 30), [1] * 9)  # 1 Nov WITA
    make_response(other, utc(2026, 10, 5, 2), [1] * 9)

    result = ikm_for(office.id, october)
    assert result.respondents == 4
    assert result.elements["persyaratan"].total == 4 + 3 + 2 + 1
    assert result.elements["biaya"].count == 3
    assert ikm_for(office.id, october, service_id=service.id).respondents == 2
    assert ikm_for(office.id, october, host_id=host.id).konversi == Decimal("100.00")
    both = ikm_for([office.id, other.id], october)
    assert both.respondents == 5
    trend = ikm_trend(office.id, october.previous(1) + [october])
    assert [r.respondents for _, r in trend] == [0, 4]


def test_ikm_for_uses_the_office_convention(db, make_office, make_response):
    office = make_office(ikm_convention="0.111")
    start = utc(2026, 10, 2, 3)
    for n in range(100):
        scores = [4 if n < REFERENCE_TOTALS[i] - 300 else 3 for i in range(9)]
        make_response(office, start + timedelta(minutes=n), scores, commit=False)
    db.session.commit()
    result = ikm_for(office.id, parse_period("2026-10"))
    assert [result.elements[k].total for k in ELEMENT_KEYS] == REFERENCE_TOTALS
    assert (result.convention, result.konversi, result.mutu) == ("0.111", Decimal("88.245"), "B")
    assert ikm_for(office.id, parse_period("2026-10"), convention="exact").mutu == "A"


def test_profile_breakdown_counts_respondents_per_group_in_category_order(db, make_office, make_response,
                                                                         make_service):
    office = make_office()
    service = make_service(office, name="Konsultasi")
    for gender, age, job in (("L", "30-39", "pns"), ("P", "30-39", "wirausaha"), ("P", "20-29", "wirausaha"),
                             ("", "", "")):
        make_response(office, utc(2026, 10, 3, 3), gender=gender, age_band=age, occupation=job,
                      service_id=service.id)
    profile = profile_breakdown(office.id, parse_period("2026-10"))
    # Categories in their own order (the form's), not by count; "Tidak diisi" last.
    assert profile["gender"] == [("Laki-laki", 1), ("Perempuan", 2), ("Tidak diisi", 1)]
    assert profile["age_band"] == [("20-29", 1), ("30-39", 2), ("Tidak diisi", 1)]
    assert profile["service"] == [("Konsultasi", 4)]
    assert profile["occupation"] == [("PNS/ASN", 1), ("Wirausaha", 2), ("Tidak diisi", 1)]
