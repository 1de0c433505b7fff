"""The SKM population an office states per period: the service users the sample is drawn from.

Stored on the office as {"2026-S2": 1500, "2026": 3000}; typed on the office form one period
a line ("2026-S2 = 1500"). A report's period not listed uses the visits recorded in it.
"""
import re

from .periods import PeriodError, parse_period

MAX_POPULATION = 100_000_000
_LINE = re.compile(r"^\s*(\S+)\s*[=:]\s*([0-9][0-9.\s]*)\s*$")


class PopulationError(ValueError):
    """A population line that cannot be read; the message names the line."""


def parse_population(text: str) -> dict[str, int]:
    """Read "period = number" lines into {period code: number}; raise PopulationError naming
    the first bad line (nothing is half-read)."""
    result: dict[str, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise PopulationError(f"Baris {number}: tulis periode = jumlah, mis. 2026-S2 = 1500.")
        try:
            code = parse_period(match[1]).code
        except PeriodError:
            raise PopulationError(f"Baris {number}: periode {match[1]!r} tidak dikenal "
                                  "(YYYY-MM, YYYY-Qn, YYYY-Sn atau YYYY).") from None
        value = int(re.sub(r"[.\s]", "", match[2]))
        if not 1 <= value <= MAX_POPULATION:
            raise PopulationError(f"Baris {number}: jumlah harus antara 1 dan {MAX_POPULATION}.")
        if code in result:
            raise PopulationError(f"Baris {number}: periode {code} sudah ditulis.")
        result[code] = value
    return result


def format_population(population: dict | None) -> str:
    """Return the stored populations as the office form shows them, one period a line."""
    return "\n".join(f"{code} = {value}" for code, value in sorted((population or {}).items()))


def stated_population(office, period) -> int | None:
    """Return the population the office states for exactly this period, or None."""
    value = (office.population or {}).get(period.code)
    return int(value) if value else None
