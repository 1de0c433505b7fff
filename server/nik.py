"""Server-side NIK (Nomor Induk Kependudukan) checks, per shared/reference/nik-and-privacy.md.

16 digits PP KK CC DDMMYY SSSS; women have 40 added to the day; there is no check digit.
Unknown kabupaten or kecamatan codes are accepted (regions are split and renamed). The desk
app has the same rules in pwa/nik.js; the two agree case by case (tests/trust/test_nik.py).
"""
import re
from dataclasses import dataclass, field
from datetime import date

PROVINCES = {
    11: "Aceh", 12: "Sumatera Utara", 13: "Sumatera Barat", 14: "Riau", 15: "Jambi",
    16: "Sumatera Selatan", 17: "Bengkulu", 18: "Lampung", 19: "Kepulauan Bangka Belitung",
    21: "Kepulauan Riau", 31: "DKI Jakarta", 32: "Jawa Barat", 33: "Jawa Tengah",
    34: "DI Yogyakarta", 35: "Jawa Timur", 36: "Banten", 51: "Bali", 52: "Nusa Tenggara Barat",
    53: "Nusa Tenggara Timur", 61: "Kalimantan Barat", 62: "Kalimantan Tengah",
    63: "Kalimantan Selatan", 64: "Kalimantan Timur", 65: "Kalimantan Utara",
    71: "Sulawesi Utara", 72: "Sulawesi Tengah", 73: "Sulawesi Selatan", 74: "Sulawesi Tenggara",
    75: "Gorontalo", 76: "Sulawesi Barat", 81: "Maluku", 82: "Maluku Utara", 91: "Papua",
    92: "Papua Barat", 93: "Papua Selatan", 94: "Papua Tengah", 95: "Papua Pegunungan",
    96: "Papua Barat Daya",
}

# Error codes, with the message a form shows (Bahasa Indonesia).
MESSAGES = {
    "digits": "NIK hanya berisi angka.",
    "length": "NIK terdiri dari 16 angka.",
    "province": "Kode provinsi NIK tidak dikenal.",
    "date": "Tanggal lahir dalam NIK tidak valid.",
    "serial": "Nomor urut NIK tidak boleh 0000.",
}

_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass
class ParsedNik:
    nik: str
    errors: list[str] = field(default_factory=list)
    province: str | None = None
    sex: str | None = None  # "L" or "P"
    birth_date: date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        """Return the first problem as a sentence for a form."""
        return MESSAGES[self.errors[0]] if self.errors else ""


def clean_nik(text: str | None) -> str:
    """Remove the spaces, dots and dashes people type between digit groups."""
    return _SEPARATORS.sub("", str(text or ""))


def parse_nik(text: str | None, today: date | None = None) -> ParsedNik:
    """Check a NIK; return what it encodes and the list of problems (empty when valid)."""
    nik = clean_nik(text)
    result = ParsedNik(nik=nik)
    if not (nik.isascii() and nik.isdigit()) and nik:
        result.errors.append("digits")
    if len(nik) != 16:
        result.errors.append("length")
    if result.errors:
        return result
    province = int(nik[:2])
    result.province = PROVINCES.get(province)
    if result.province is None:
        result.errors.append("province")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    result.sex = "P" if day > 40 else "L"
    if day > 40:
        day -= 40
    this_year = (today or date.today()).year
    year = 2000 + yy
    if year > this_year:
        year -= 100
    try:
        result.birth_date = date(year, month, day)
    except ValueError:
        result.errors.append("date")
    if nik[12:] == "0000":
        result.errors.append("serial")
    return result


def mask_nik(text: str | None) -> str:
    """Show a NIK masked as everywhere else: "•••• •••• •••• 0001" (sync.rules.mask_id_number)."""
    from sync.rules import mask_id_number

    return mask_id_number(text)
