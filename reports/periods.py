"""Reporting periods: a month, quarter, semester or year, bounded in an office's local zone.

    >>> p = parse_period("2026-Q4", "Asia/Makassar")
    >>> p.label_id, p.start.isoformat()
    ('Triwulan IV 2026', '2026-09-30T16:00:00+00:00')

`start` is inclusive and `end` exclusive, both aware UTC datetimes for the zone the
period was parsed in; `in_zone()` gives the same period for another office's zone.
"""
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names, get_month_names


def month_names(locale: str = "id", width: str = "wide") -> tuple[str, ...]:
    """Return January..December in `locale` (Babel/CLDR): "Januari", or "Jan" when abbreviated."""
    names = get_month_names(width, locale=locale)
    return tuple(names[m] for m in range(1, 13))


def day_names(locale: str = "id", width: str = "wide") -> tuple[str, ...]:
    """Return Monday..Sunday in `locale` (Babel/CLDR): "Senin" ... "Minggu"."""
    names = get_day_names(width, locale=locale)
    return tuple(names[d] for d in range(7))


@lru_cache(maxsize=4096)
def format_day(day: date, pattern: str, locale: str = "id") -> str:
    """Return `day` written with a CLDR pattern in `locale` ("d MMMM y" -> "5 Oktober 2026");
    remembered, since a dashboard writes the same few months many times."""
    return format_date(day, pattern, locale=locale)


MONTHS_ID = month_names("id")
MONTHS_EN = month_names("en")
DAYS_ID = day_names("id")
ROMAN = ("I", "II", "III", "IV")

# Months per period kind.
SPAN = {"month": 1, "quarter": 3, "semester": 6, "year": 12}

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])|[Ss]([12])))?$")


class PeriodError(ValueError):
    """The text is not a period this module understands."""


@dataclass(frozen=True)
class Period:
    """A calendar period in one time zone."""

    kind: str  # month, quarter, semester, year
    year: int
    first_month: int  # 1-12, the month the period starts in
    tz_name: str = "Asia/Jakarta"
    start: datetime = field(init=False, compare=False)
    end: datetime = field(init=False, compare=False)

    def __post_init__(self):
        if self.kind not in SPAN:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        tz = ZoneInfo(self.tz_name)
        start = datetime.combine(self.first_day, time(), tzinfo=tz).astimezone(timezone.utc)
        end = datetime.combine(self.end_day, time(), tzinfo=tz).astimezone(timezone.utc)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def months(self) -> int:
        return SPAN[self.kind]

    @property
    def index(self) -> int:
        """Return the month, quarter or semester number within the year (1 for a year)."""
        return (self.first_month - 1) // self.months + 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end_day(self) -> date:
        """Return the first local day after the period."""
        month = self.first_month + self.months
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end_day.toordinal() - 1)

    @property
    def code(self) -> str:
        """Return the period as parse_period reads it: 2026-10, 2026-Q4, 2026-S2, 2026."""
        if self.kind == "month":
            return f"{self.year}-{self.first_month:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "semester":
            return f"{self.year}-S{self.index}"
        return str(self.year)

    @property
    def label_id(self) -> str:
        if self.kind == "month":
            return format_day(self.first_day, "MMMM y", "id")
        if self.kind == "quarter":
            return f"Triwulan {ROMAN[self.index - 1]} {self.year}"
        if self.kind == "semester":
            return f"Semester {ROMAN[self.index - 1]} {self.year}"
        return f"Tahun {self.year}"

    @property
    def label_en(self) -> str:
        if self.kind == "month":
            return format_day(self.first_day, "MMMM y", "en")
        if self.kind == "quarter":
            return f"Q{self.index} {self.year}"
        if self.kind == "semester":
            return f"{'First' if self.index == 1 else 'Second'} half of {self.year}"
        return f"Year {self.year}"

    @property
    def range_id(self) -> str:
        """Return the local date range in Indonesian, e.g. "1 Juli s.d. 31 Desember 2026"."""
        return f"{format_date_id(self.first_day)} s.d. {format_date_id(self.last_day)}"

    def label(self, lang: str = "id") -> str:
        return self.label_en if lang == "en" else self.label_id

    def in_zone(self, tz_name: str) -> "Period":
        """Return the same calendar period bounded in another time zone."""
        return self if tz_name == self.tz_name else replace(self, tz_name=tz_name)

    def shift(self, steps: int) -> "Period":
        """Return the period `steps` periods of the same kind later (negative: earlier)."""
        month0 = self.year * 12 + self.first_month - 1 + steps * self.months
        return replace(self, year=month0 // 12, first_month=month0 % 12 + 1)

    def previous(self, count: int) -> list["Period"]:
        """Return the `count` periods before this one, oldest first."""
        return [self.shift(-n) for n in range(count, 0, -1)]

    def months_in(self) -> list["Period"]:
        """Return the months of this period, in order."""
        first = replace(self, kind="month")
        return [first.shift(n) for n in range(self.months)]

    def __str__(self) -> str:
        return self.code


def parse_period(text: str, tz_name: str = "Asia/Jakarta") -> Period:
    """Read "2026-10", "2026-Q4", "2026-S2" or "2026" as a Period in the zone `tz_name`."""
    match = _PATTERN.match((text or "").strip())
    if not match:
        raise PeriodError(f"period {text!r} is not YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY")
    year = int(match[1])
    if not 2000 <= year <= 2100:
        raise PeriodError(f"year {year} is out of range")
    if match[2]:
        month = int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"month {month} is not 1-12")
        return Period("month", year, month, tz_name)
    if match[3]:
        return Period("quarter", year, (int(match[3]) - 1) * 3 + 1, tz_name)
    if match[4]:
        return Period("semester", year, (int(match[4]) - 1) * 6 + 1, tz_name)
    return Period("year", year, 1, tz_name)


def parse_month(text: str, tz_name: str = "Asia/Jakarta") -> Period:
    """Read "YYYY-MM" only."""
    period = parse_period(text, tz_name)
    if period.kind != "month":
        raise PeriodError(f"{text!r} is not a month (YYYY-MM)")
    return period


def period_containing(when: datetime, kind: str = "month", tz_name: str = "Asia/Jakarta") -> Period:
    """Return the period of `kind` that holds the moment `when` in the zone `tz_name`."""
    local = when.astimezone(ZoneInfo(tz_name))
    first_month = (local.month - 1) // SPAN[kind] * SPAN[kind] + 1
    return Period(kind, local.year, first_month, tz_name)


def format_date_id(day: date) -> str:
    """Return a date the Indonesian way: "5 Oktober 2026"."""
    return format_day(day, "d MMMM y", "id")


def format_day_id(day: date) -> str:
    """Return weekday and date: "Senin, 5 Oktober 2026"."""
    return format_day(day, "EEEE, d MMMM y", "id")
