"""Paper surveys: read an SKM CSV, compute its IKM, or add its rows to an office's period.

The CSV has a header naming the nine element keys (any order, extra columns allowed),
values 1-4 or empty, and optional profile columns:

    persyaratan,prosedur,waktu,biaya,produk,kompetensi,perilaku,pengaduan,sarana,jenis_kelamin,usia
    4,3,3,,4,4,4,3,3,L,30-39

The whole file is checked before anything is computed or stored: every bad row is
reported with its line number, and a file with any bad row yields nothing.
"""
import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from .ikm import ELEMENT_KEYS, IkmResult, compute_ikm

# Optional profile columns: accepted header names -> SurveyResponse attribute, max length.
PROFILE_COLUMNS = {
    "gender": ("gender", 1), "jenis_kelamin": ("gender", 1), "jk": ("gender", 1),
    "age_band": ("age_band", 8), "usia": ("age_band", 8), "umur": ("age_band", 8),
    "education": ("education", 16), "pendidikan": ("education", 16),
    "occupation": ("occupation", 32), "pekerjaan": ("occupation", 32),
    "saran": ("saran", 2000),
    "service": ("service", 200), "layanan": ("service", 200),
    "date": ("date", 10), "tanggal": ("date", 10),
}
GENDER_VALUES = {"l": "L", "laki-laki": "L", "laki laki": "L", "p": "P", "perempuan": "P"}
MAX_ROWS = 100_000


class CsvError(ValueError):
    """The file cannot be used; `problems` lists (line number, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        shown = "; ".join(f"line {line}: {msg}" if line else msg for line, msg in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(shown + more)


@dataclass
class PaperSurvey:
    """The rows of a checked CSV: each a dict of element scores (None for blank) and profile."""

    rows: list[dict] = field(default_factory=list)

    def totals(self) -> tuple[dict[str, int], dict[str, int]]:
        totals = {k: 0 for k in ELEMENT_KEYS}
        counts = {k: 0 for k in ELEMENT_KEYS}
        for row in self.rows:
            for key in ELEMENT_KEYS:
                if row[key] is not None:
                    totals[key] += row[key]
                    counts[key] += 1
        return totals, counts

    def ikm(self, convention: str = "exact") -> IkmResult:
        totals, counts = self.totals()
        return compute_ikm(totals, counts, len(self.rows), convention)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError([(0, "the file is not text (UTF-8 or Windows-1252)")])


def parse_survey_csv(data: bytes | str) -> PaperSurvey:
    """Check and read a survey CSV; raise CsvError naming every bad line."""
    text = _decode(data)
    if not text.strip():
        raise CsvError([(0, "the file is empty")])
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvError([(1, f"cannot read the header ({exc})")]) from None
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    problems: list[tuple[int, str]] = []
    missing = [k for k in ELEMENT_KEYS if k not in names]
    if missing:
        problems.append((1, f"header lacks the element column(s) {', '.join(missing)}"))
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        problems.append((1, f"header repeats {', '.join(duplicates)}"))
    if problems:
        raise CsvError(problems)

    survey = PaperSurvey()
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank line
            if len(record) > len(names):
                problems.append((line, f"{len(record)} values for {len(names)} columns"))
                continue
            record = record + [""] * (len(names) - len(record))
            row, row_problems = _read_row(dict(zip(names, record, strict=True)))
            problems.extend((line, msg) for msg in row_problems)
            if not row_problems:
                survey.rows.append(row)
            if len(survey.rows) > MAX_ROWS:
                raise CsvError([(line, f"more than {MAX_ROWS} rows")])
    except csv.Error as exc:
        problems.append((reader.line_num or line, f"unreadable CSV ({exc})"))
    if problems:
        raise CsvError(problems)
    if not survey.rows:
        raise CsvError([(0, "the file has a header but no responses")])
    return survey


def _read_row(cells: dict[str, str]) -> tuple[dict, list[str]]:
    row: dict = {}
    problems = []
    for key in ELEMENT_KEYS:
        raw = cells[key].strip()
        if raw == "":
            row[key] = None
        elif raw in ("1", "2", "3", "4"):
            row[key] = int(raw)
        else:
            problems.append(f"{key} is {raw[:20]!r}, expected 1-4 or empty")
    if all(row.get(k) is None for k in ELEMENT_KEYS) and not problems:
        problems.append("no element answered")
    for column, (attr, limit) in PROFILE_COLUMNS.items():
        if column not in cells:
            continue
        value = cells[column].strip()
        if not value:
            continue
        if attr == "gender":
            if value.lower() not in GENDER_VALUES:
                problems.append(f"{column} is {value[:20]!r}, expected L or P")
                continue
            value = GENDER_VALUES[value.lower()]
        elif attr == "date":
            try:
                value = date.fromisoformat(value)
            except ValueError:
                problems.append(f"{column} is {value[:20]!r}, expected YYYY-MM-DD")
                continue
        elif len(value) > limit:
            problems.append(f"{column} is longer than {limit} characters")
            continue
        row[attr] = value
    return row, problems


def import_paper_responses(office, survey: PaperSurvey, period, user_id: int | None = None) -> str:
    """Add the survey's rows to `office` as paper responses in `period`; return the batch id.

    A row's `tanggal` (local date) must fall in the period; rows without one are dated on
    the period's last day (local noon). Services are matched by name within the office.
    Everything is added in one transaction, or nothing."""
    from server.audit import record_audit
    from server.extensions import db
    from server.models import Service, SurveyResponse

    period = period.in_zone(office.timezone)
    services = {s.name.strip().lower(): s.id for s in
                db.session.scalars(db.select(Service).where(Service.office_id == office.id))}
    problems = []
    for number, row in enumerate(survey.rows, start=1):
        if "date" in row and not period.first_day <= row["date"] <= period.last_day:
            problems.append((0, f"response {number}: date {row['date']} is outside {period.label_en}"))
        if "service" in row and row["service"].strip().lower() not in services:
            problems.append((0, f"response {number}: no service named {row['service'][:60]!r} in this office"))
    if problems:
        raise CsvError(problems)

    batch = str(uuid.uuid4())
    tz = ZoneInfo(office.timezone)
    now = datetime.now(timezone.utc)
    for row in survey.rows:
        day = row.get("date", period.last_day)
        submitted = datetime.combine(day, time(12), tzinfo=tz).astimezone(timezone.utc)
        db.session.add(SurveyResponse(
            id=str(uuid.uuid4()), office_id=office.id, source="paper", batch=batch,
            service_id=services.get(row["service"].strip().lower()) if "service" in row else None,
            submitted_at=submitted, received_at=now,
            gender=row.get("gender", ""), age_band=row.get("age_band", ""),
            education=row.get("education", ""), occupation=row.get("occupation", ""),
            saran=row.get("saran", ""), **{k: row[k] for k in ELEMENT_KEYS}))
    record_audit("survey.paper_import", office_id=office.id, target_type="survey_batch", target_id=batch,
                 detail={"rows": len(survey.rows), "period": period.code}, user_id=user_id)
    db.session.commit()
    return batch


# Indonesian wording of the problems above, for the staff upload page.
_INDONESIAN = [
    (r"^the file is not text \(UTF-8 or Windows-1252\)$", "berkas bukan teks (UTF-8 atau Windows-1252)"),
    (r"^the file is empty$", "berkas kosong"),
    (r"^cannot read the header \((.*)\)$", r"baris judul tidak terbaca (\1)"),
    (r"^header lacks the element column\(s\) (.*)$", r"baris judul tidak memuat kolom unsur \1"),
    (r"^header repeats (.*)$", r"baris judul mengulang kolom \1"),
    (r"^(\d+) values for (\d+) columns$", r"\1 nilai untuk \2 kolom"),
    (r"^more than (\d+) rows$", r"lebih dari \1 baris"),
    (r"^unreadable CSV \((.*)\)$", r"CSV tidak terbaca (\1)"),
    (r"^the file has a header but no responses$", "berkas hanya berisi baris judul, tanpa jawaban"),
    (r"^(\w+) is (.*), expected 1-4 or empty$", r"\1 berisi \2, seharusnya 1-4 atau kosong"),
    (r"^no element answered$", "tidak ada unsur yang dijawab"),
    (r"^(\w+) is (.*), expected L or P$", r"\1 berisi \2, seharusnya L atau P"),
    (r"^(\w+) is (.*), expected YYYY-MM-DD$", r"\1 berisi \2, seharusnya YYYY-MM-DD"),
    (r"^(\w+) is longer than (\d+) characters$", r"\1 lebih dari \2 karakter"),
    (r"^response (\d+): date (\S+) is outside (.*)$", r"jawaban ke-\1: tanggal \2 di luar periode"),
    (r"^response (\d+): no service named (.*) in this office$", r"jawaban ke-\1: layanan \2 tidak ada di kantor ini"),
]


def problem_id(message: str) -> str:
    """Return a CSV problem message in Indonesian (the English text if no wording is known)."""
    import re

    for pattern, replacement in _INDONESIAN:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message
