"""Figures in a language's own way, through Babel: "88,25" (Indonesian), "88.25" (English).

Rounding is ours, done before Babel sees the number: IKM figures half-up (PermenPANRB
14/2017, 88,245 -> 88,25), other floats as Python prints them. Babel only writes the
figure: decimal mark and minus sign of the locale, no grouping (pages and PDFs print
"1234,5", never "1.234,5"), exactly `places` decimals.
"""
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from babel.numbers import format_decimal

__all__ = ["format_figure", "parse_id"]


def _half_up(value: Decimal | Fraction | int, places: int) -> Decimal:
    """Round a non-negative exact number half-up to `places` decimals."""
    if isinstance(value, Fraction):
        scaled = value * 10 ** places
        whole = int(scaled)
        if scaled - whole >= Fraction(1, 2):
            whole += 1
        return Decimal(whole).scaleb(-places)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


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
        # Exact binary value, half-even: the same digits as f"{value:.{places}f}".
        value = Decimal(value).quantize(Decimal(1).scaleb(-(places or 0)), rounding=ROUND_HALF_EVEN)
    elif places is not None:
        value = _half_up(value, places) if value >= 0 else -_half_up(-value, places)
    if places is None:
        places = max(0, -Decimal(value).as_tuple().exponent)
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(value, format=pattern, locale=locale, group_separator=False)
