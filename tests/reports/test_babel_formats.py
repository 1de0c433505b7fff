"""Dates, month and day names and figures come from Babel (CLDR), and print exactly what the
hand-written tables and the f-string formatting printed before: pages and PDFs unchanged."""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from reports.ikm import format_id, round_half_up
from reports.ikm_report import TABLE_PLACES, format_exact
from reports.numbers import format_figure, parse_id
from reports.periods import (
    DAYS_ID,
    MONTHS_EN,
    MONTHS_ID,
    day_names,
    format_date_id,
    format_day_id,
    month_names,
    parse_period,
)
from server.dashboard.charts import short_label

# The tables Sitamu wrote by hand before Babel (reports/periods.py, server/dashboard/*).
OLD_MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                 "September", "Oktober", "November", "Desember")
OLD_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December")
OLD_DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
OLD_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
OLD_MONTHS_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OLD_WEEKDAYS_ID = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
OLD_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_month_and_day_names_are_the_ones_printed_before():
    assert MONTHS_ID == OLD_MONTHS_ID and MONTHS_EN == OLD_MONTHS_EN and DAYS_ID == OLD_DAYS_ID
    assert month_names("id", "abbreviated") == OLD_MONTHS_SHORT
    assert month_names("en", "abbreviated") == OLD_MONTHS_SHORT_EN
    assert day_names("id", "abbreviated") == OLD_WEEKDAYS_ID
    assert day_names("en", "abbreviated") == OLD_WEEKDAYS_EN


def test_every_day_of_two_years_is_written_as_before():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        old = f"{day.day} {OLD_MONTHS_ID[day.month - 1]} {day.year}"
        assert format_date_id(day) == old
        assert format_day_id(day) == f"{OLD_DAYS_ID[day.weekday()]}, {old}"
        day += timedelta(days=1)


@pytest.mark.parametrize("code, lang, label, short", [
    ("2026-10", "id", "Oktober 2026", "Okt 26"), ("2026-10", "en", "October 2026", "Oct 26"),
    ("2027-05", "id", "Mei 2027", "Mei 27"), ("2027-08", "en", "August 2027", "Aug 27"),
    ("2026-Q4", "id", "Triwulan IV 2026", "2026-Q4"), ("2026-S2", "en", "Second half of 2026", "2026-S2"),
])
def test_period_labels_are_written_as_before(code, lang, label, short):
    period = parse_period(code)
    assert period.label(lang) == label and short_label(period, lang) == short


def test_ikm_figures_round_half_up_before_babel_writes_them():
    assert format_id(Decimal("88.245")) == "88,25"  # Babel alone would round half-even: 88,24
    assert format_id(Fraction(88245, 1000)) == "88,25"
    assert format_id(Decimal("3.5415"), 3) == "3,542"
    assert format_id(Decimal("88.244999")) == "88,24"
    assert format_id(None) == "-"
    assert format_figure(Decimal("88.245"), 2, "en") == "88.25"


def test_format_id_prints_what_the_f_string_printed():
    for value in [Decimal(n) / 1000 for n in range(0, 100_001, 7)] + [Decimal("65.005")]:
        assert format_id(value) == f"{round_half_up(value, 2):.2f}".replace(".", ","), value


def test_floats_print_as_python_printed_them():
    values = [v / 8 for v in range(-80, 2000, 3)] + [88.245, 2.675, 1234.5, 0.125, -0.05, 1 / 3]
    for value in values:
        for places in (0, 1, 2, 3):
            old = f"{value:.{places}f}"
            assert format_figure(value, places, "en") == old, (value, places)
            assert format_figure(value, places, "id") == old.replace(".", ","), (value, places)


def test_figures_are_never_grouped():
    assert format_figure(1234567.5, 1, "id") == "1234567,5"
    assert format_figure(Decimal("12345.678"), None, "en") == "12345.678"


@pytest.mark.parametrize("text", ["88,245", "88,30", "100", "3,540", "-"])
def test_figures_written_the_indonesian_way_keep_their_decimals(text):
    assert format_figure(parse_id(text), None, "id") == text
    assert format_figure(parse_id(text), None, "en") == text.replace(",", ".")


def _old_format_exact(value, least):
    text = f"{round_half_up(value, TABLE_PLACES):.{TABLE_PLACES}f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0").ljust(least, "0")
    return f"{whole},{decimals}" if decimals else whole


def test_the_element_table_prints_every_decimal_as_before():
    assert format_exact(Decimal("88.245"), 2) == "88,245" and format_exact(Decimal("99.9"), 2) == "99,90"
    values = [Decimal("3.5298"), Decimal("100"), Decimal("0"), Fraction(1, 3), Fraction(2, 3), Fraction(353, 100)]
    values += [Fraction(n, 97) for n in range(0, 400, 13)]
    for value in values:
        for least in (0, 2, 3):
            assert format_exact(value, least) == _old_format_exact(value, least), (value, least)


@pytest.mark.parametrize("locale", ["id", "en", "jv", "de", "ar"])
def test_figures_are_what_babel_format_decimal_writes(locale):
    """Only the symbols are looked up (speed); the text is Babel's own, in any locale."""
    from babel.numbers import format_decimal

    from reports.numbers import pattern_for

    for value in [Decimal(n) / 997 for n in range(-3000, 300_000, 4111)] + [Decimal("88.245"), Decimal("-0.04")]:
        for places in (0, 1, 2, 3):
            rounded = round_half_up(abs(value), places) * (-1 if value < 0 else 1)
            babel = format_decimal(rounded, format=pattern_for(places), locale=locale, group_separator=False)
            assert format_figure(value, places, locale) == babel, (value, places)
            as_float = float(value)
            babel = format_decimal(Decimal(f"{as_float:.{places}f}"), format=pattern_for(places), locale=locale,
                                   group_separator=False)
            assert format_figure(as_float, places, locale) == babel, (as_float, places)
