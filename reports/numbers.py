"""Figures in a language's own way: "88,25" (Indonesian), "88.25" (English).

Rounding is ours, done before the figure is written: IKM figures half-up (PermenPANRB
14/2017, 88,245 -> 88,25), floats as Python prints them. The locale's decimal mark comes from
Babel (CLDR), and the figure is what `babel.numbers.format_decimal` writes with
the pattern "0.00" (exactly `places` decimals, no grouping: pages and PDFs print "1234,5",
never "1.234,5"); tests/reports/test_babel_formats.py holds the two equal. Babel's own
formatting costs ~25 µs a figure and a dashboard writes thousands, so only the decimal mark
is looked up, once per locale.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol

__all__ = ["format_figure", "parse_id", "pattern_for"]


def _half_up(value: Decimal | Fraction | int, places: int) -> Decimal:
    """Round a non-negative exact number half-up to `places` decimals."""
    if isinstance(value, Fraction):
        scaled = value * 10 ** places
        whole = int(scaled)
        if scaled - whole >= Fraction(1, 2):
            whole += 1
        return Decimal(whole).scaleb(-places)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=64)
def _decimal_mark(locale: str) -> str:
    return get_decimal_symbol(Locale.parse(locale))


def pattern_for(places: int) -> str:
    """Return the Babel number pattern a figure with `places` decimals is written with."""
    return "0." + "0" * places if places else "0"


def parse_id(text: str) -> Decimal | str:
    """Return a figure written the Indonesian way ("88,245") as a Decimal that keeps its
    decimals; text that is no figure ("-", "–") is returned as it is."""
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return text


def format_figure(value, places: int | None = 2, locale: str = "id") -> str:
    """Return `value` with exactly `places` decimals (None: the decimals a Decimal has) in
    `locale`'s way. Floats round as Python prints them (`f"{x:.2f}"`); a Decimal or Fraction
    rounds half-up; a string that is no figure is returned unchanged."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        text = f"{value:.{places or 0}f}"
    else:
        if places is not None:
            value = _half_up(value, places) if value >= 0 else _half_up(-value, places).copy_negate()
        text = f"{Decimal(value):f}"
        if places is None and "E" in str(value):  # 1E+2: no decimals, written whole
            text = f"{Decimal(value).quantize(Decimal(1)):f}"
    return text.replace(".", _decimal_mark(locale))  # a pattern's minus is "-" in every locale
