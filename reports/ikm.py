"""The IKM engine (Indeks Kepuasan Masyarakat), per shared/reference/skm-ikm.md.

Two layers:

* `compute_ikm(totals, counts, respondents, convention)` is pure: element sums and answer
  counts in, an `IkmResult` out. All arithmetic is exact (Fraction/Decimal).
* `ikm_for(office_ids, period, ...)`, `ikm_trend(...)`, `profile_breakdown(...)` aggregate
  in SQL (one SUM and COUNT per element in one query) and never load responses into Python.

Conventions (an office setting, `Office.ikm_convention`, printed on every report):

* ``"exact"`` (default): NRR = sum / count as a fraction, weight exactly 1/9, IKM = sum of
  NRR tertimbang, konversi = IKM x 25; only the final konversi is rounded (half-up, 2 places).
* ``"0.111"``: the weight printed on many provincial templates. Each NRR is taken as printed
  (half-up to 3 places), multiplied by 0.111, summed and multiplied by 25; the konversi is
  published as computed, to at most 3 places; the reference's example (totals [354, 353, 353, 353, 353, 354, 354, 353, 353]
  over 100 responses) gives konversi 88.245 (grade B), an all-4 survey 99.900.
  Classification then uses konversi rounded half-up to 2 places, as for "exact".

Elements nobody answered are left out, and the weight becomes 1/k over the k answered
elements (rounded to 3 places under "0.111"), so a blank element neither counts as a 0
nor as a 4.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Iterable, Mapping, Sequence

from sync import skm
from sync.skm import ELEMENT_KEYS  # shared with the models and the survey forms (sync/skm.py)

from .numbers import format_figure

# key -> (unsur in Indonesian, in English)
ELEMENT_LABELS = {
    "persyaratan": ("Persyaratan", "Requirements"),
    "prosedur": ("Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures"),
    "waktu": ("Waktu Penyelesaian", "Completion time"),
    "biaya": ("Biaya/Tarif", "Cost/fee"),
    "produk": ("Produk Spesifikasi Jenis Pelayanan", "Service product specification"),
    "kompetensi": ("Kompetensi Pelaksana", "Staff competence"),
    "perilaku": ("Perilaku Pelaksana", "Staff conduct"),
    "pengaduan": ("Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and suggestions"),
    "sarana": ("Sarana dan Prasarana", "Facilities"),
}

CONVENTIONS = ("exact", "0.111")
CONVENTION_LABELS = {
    "exact": ("Perhitungan eksak (bobot 1/9), pembulatan hanya pada nilai konversi akhir",
              "Exact arithmetic (weight 1/9), only the final konversi rounded"),
    "0.111": ("Bobot 0,111 dengan NRR dibulatkan 3 desimal",
              "Weight 0.111 with NRR rounded to 3 decimals"),
}


def convention_label(key: str, lang: str = "id") -> str:
    """Return how an IKM convention computes, in Indonesian or English (the key if unknown)."""
    labels = CONVENTION_LABELS.get(key)
    return labels[1 if lang == "en" else 0] if labels else key


# (lowest konversi, nilai persepsi, mutu, kinerja in Indonesian, in English), best first.
GRADES = (
    (Decimal("88.31"), 4, "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), 3, "B", "Baik", "Good"),
    (Decimal("65.00"), 2, "C", "Kurang Baik", "Poor"),
    (Decimal("25.00"), 1, "D", "Tidak Baik", "Bad"),
)

WEIGHT_0111 = Decimal("0.111")


class IkmError(ValueError):
    """Input the engine cannot compute from (a bad convention, a score out of 1-4)."""


def round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round a non-negative exact number half-up to `places` decimals."""
    scaled = Fraction(value) * 10 ** places
    if scaled < 0:
        raise IkmError("IKM figures are never negative")
    return Decimal(floor(scaled + Fraction(1, 2))).scaleb(-places)


def classify(konversi: Decimal | Fraction | None) -> tuple[int, str, str, str] | None:
    """Return (nilai persepsi, mutu, kinerja id, kinerja en) for a konversi value.

    The value is rounded half-up to 2 places first (88.305 -> 88.31 -> A)."""
    if konversi is None:
        return None
    rounded = round_half_up(konversi, 2)
    for lowest, persepsi, mutu, kinerja_id, kinerja_en in GRADES:
        if rounded >= lowest:
            return persepsi, mutu, kinerja_id, kinerja_en
    return GRADES[-1][1:]


@dataclass(frozen=True)
class ElementScore:
    """One element's figures for a unit and period."""

    key: str
    total: int  # sum of the scores given
    count: int  # responses that answered this element
    nrr: Fraction | None  # exact mean score, None when nobody answered
    nrr_used: Decimal | Fraction | None  # the NRR the convention multiplies (3 places under 0.111)
    tertimbang: Decimal | Fraction | None  # nrr_used x weight
    mutu: str | None  # grade of this element alone (NRR x 25)

    @property
    def label_id(self) -> str:
        return ELEMENT_LABELS[self.key][0]

    @property
    def label_en(self) -> str:
        return ELEMENT_LABELS[self.key][1]

    @property
    def number(self) -> int:
        """Return the element's number (U1..U9) in the reference's order."""
        return ELEMENT_KEYS.index(self.key) + 1

    @property
    def nrr3(self) -> Decimal | None:
        """Return the NRR as tables show it: half-up to 3 places."""
        return None if self.nrr is None else round_half_up(self.nrr, 3)

    @property
    def tertimbang3(self) -> Decimal | None:
        return None if self.tertimbang is None else round_half_up(self.tertimbang, 3)


@dataclass(frozen=True)
class IkmResult:
    """The IKM of one unit and period under one convention."""

    convention: str
    respondents: int
    elements: dict[str, ElementScore] = field(default_factory=dict)
    weight: Decimal | Fraction | None = None
    ikm: Decimal | Fraction | None = None  # 1..4, exact
    konversi_exact: Decimal | Fraction | None = None  # ikm x 25 before any rounding
    konversi: Decimal | None = None  # the published figure (see module docstring)
    konversi_rounded: Decimal | None = None  # half-up to 2 places; the grade is read from it
    nilai_persepsi: int | None = None
    mutu: str | None = None
    kinerja: str | None = None  # Indonesian (as published)
    kinerja_en: str | None = None

    @property
    def empty(self) -> bool:
        return self.ikm is None

    @property
    def ikm3(self) -> Decimal | None:
        return None if self.ikm is None else round_half_up(self.ikm, 3)

    def weakest(self, count: int = 3) -> list[ElementScore]:
        """Return the `count` answered elements with the lowest NRR, lowest first."""
        answered = [e for e in self.elements.values() if e.nrr is not None]
        return sorted(answered, key=lambda e: (e.nrr, e.number))[:count]

    def strongest(self, count: int = 3) -> list[ElementScore]:
        answered = [e for e in self.elements.values() if e.nrr is not None]
        return sorted(answered, key=lambda e: (-e.nrr, e.number))[:count]

    def as_dict(self) -> dict:
        """Return the figures as JSON-ready plain data (numbers as floats, 3 or more places)."""
        def num(value, places=3):
            return None if value is None else float(round_half_up(value, places))

        return {
            "respondents": self.respondents,
            "convention": self.convention,
            "answers": {k: e.count for k, e in self.elements.items()},
            "nrr": {k: num(e.nrr) for k, e in self.elements.items()},
            "nrr_tertimbang": {k: num(e.tertimbang) for k, e in self.elements.items()},
            "ikm": num(self.ikm, 6 if self.convention == "exact" else 9),
            "konversi": None if self.konversi is None else float(self.konversi),
            "konversi_rounded": None if self.konversi_rounded is None else float(self.konversi_rounded),
            "nilai_persepsi": self.nilai_persepsi,
            "mutu": self.mutu,
            "kinerja": self.kinerja,
        }


def _as_mapping(values: Mapping[str, int] | Sequence[int], name: str) -> dict[str, int]:
    if isinstance(values, Mapping):
        unknown = set(values) - set(ELEMENT_KEYS)
        if unknown:
            raise IkmError(f"{name}: unknown element keys {sorted(unknown)}")
        return {k: int(values.get(k) or 0) for k in ELEMENT_KEYS}
    values = list(values)
    if len(values) != len(ELEMENT_KEYS):
        raise IkmError(f"{name}: expected 9 values in the order {', '.join(ELEMENT_KEYS)}")
    return {k: int(v or 0) for k, v in zip(ELEMENT_KEYS, values, strict=True)}


def compute_ikm(totals: Mapping[str, int] | Sequence[int], counts: Mapping[str, int] | Sequence[int] | int,
                respondents: int | None = None, convention: str = "exact") -> IkmResult:
    """Return the IKM from per-element score sums and answer counts.

    `totals` and `counts` are mappings by element key or 9-item sequences in ELEMENT_KEYS
    order; `counts` may be one int when every respondent answered every element.
    `respondents` defaults to the largest count."""
    if convention not in CONVENTIONS:
        raise IkmError(f"convention must be one of {', '.join(CONVENTIONS)}")
    totals = _as_mapping(totals, "totals")
    counts = {k: int(counts) for k in ELEMENT_KEYS} if isinstance(counts, int) else _as_mapping(counts, "counts")
    if respondents is None:
        respondents = max(counts.values())
    for key in ELEMENT_KEYS:
        t, c = totals[key], counts[key]
        if c < 0 or c > respondents:
            raise IkmError(f"{key}: {c} answers for {respondents} respondents")
        if not c <= t <= 4 * c:
            raise IkmError(f"{key}: a sum of {t} over {c} answers is outside the 1-4 scale")

    answered = [k for k in ELEMENT_KEYS if counts[k]]
    if convention == "exact":
        weight: Decimal | Fraction | None = Fraction(1, len(answered)) if answered else None
    else:
        weight = (WEIGHT_0111 if len(answered) == 9 else round_half_up(Fraction(1, len(answered)), 3)) \
            if answered else None

    elements = {}
    ikm: Decimal | Fraction | None = None
    for key in ELEMENT_KEYS:
        t, c = totals[key], counts[key]
        if not c:
            elements[key] = ElementScore(key, t, c, None, None, None, None)
            continue
        nrr = Fraction(t, c)
        used = nrr if convention == "exact" else round_half_up(nrr, 3)
        tertimbang = used * weight
        grade = classify(nrr * 25)
        elements[key] = ElementScore(key, t, c, nrr, used, tertimbang, grade[1])
        ikm = tertimbang if ikm is None else ikm + tertimbang

    if ikm is None:
        return IkmResult(convention, respondents, elements, weight)
    konversi_exact = ikm * 25
    rounded = round_half_up(konversi_exact, 2)
    # Under 0.111 every figure is a finite decimal: publish it as computed (88.245).
    if convention == "exact":
        published = rounded
    else:  # as computed, to at most 3 places (88.245), at least 2 (99.90)
        published = round_half_up(konversi_exact, 3)
        if published == published.quantize(Decimal("0.01")):
            published = published.quantize(Decimal("0.01"))
    persepsi, mutu, kinerja, kinerja_en = classify(konversi_exact)
    return IkmResult(convention, respondents, elements, weight, ikm, konversi_exact, published,
                     rounded, persepsi, mutu, kinerja, kinerja_en)


def krejcie_morgan(population: int) -> int:
    """Return the Krejcie-Morgan (1970) sample size for a population (95%, p=0.5, d=0.05)."""
    if population < 0:
        raise IkmError("population must not be negative")
    if population == 0:
        return 0
    chi2, p, d2 = Fraction("3.841"), Fraction(1, 4), Fraction("0.0025")
    s = chi2 * population * p / (d2 * (population - 1) + chi2 * p)
    return int(round_half_up(s, 0))


sample_size = krejcie_morgan


def sample_check(respondents: int, population: int | None) -> dict:
    """Return {"population", "sample_required", "sample_enough"} (None values without a population)."""
    if population is None:
        return {"population": None, "sample_required": None, "sample_enough": None}
    required = krejcie_morgan(population)
    return {"population": population, "sample_required": required, "sample_enough": respondents >= required}


# --- SQL aggregation ---------------------------------------------------------------------

def _office_ids(office_ids) -> list[int]:
    if isinstance(office_ids, int):
        return [office_ids]
    return [int(i) for i in office_ids]


def _period_filter(office_ids: list[int], period):
    """Return a WHERE clause: the response is in `period`, bounded in each office's zone."""
    from sqlalchemy import and_, or_

    from server.extensions import db
    from server.models import Office, SurveyResponse

    by_zone: dict[str, list[int]] = {}
    for oid, tz in db.session.execute(db.select(Office.id, Office.timezone).where(Office.id.in_(office_ids))):
        by_zone.setdefault(tz, []).append(oid)
    clauses = []
    for tz, ids in sorted(by_zone.items()):
        local = period.in_zone(tz)
        clauses.append(and_(SurveyResponse.office_id.in_(ids), SurveyResponse.submitted_at >= local.start,
                            SurveyResponse.submitted_at < local.end))
    return or_(*clauses) if clauses else SurveyResponse.office_id.in_([])


def response_filter(office_ids, period, service_id: int | None = None, host_id: int | None = None,
                    source: str | None = None) -> list:
    """Return the WHERE clauses selecting the responses of a unit and period."""
    from server.models import SurveyResponse

    clauses = [_period_filter(_office_ids(office_ids), period)]
    if service_id is not None:
        clauses.append(SurveyResponse.service_id == service_id)
    if host_id is not None:
        clauses.append(SurveyResponse.host_id == host_id)
    if source is not None:
        clauses.append(SurveyResponse.source == source)
    return clauses


def office_convention(office_ids) -> str:
    """Return the convention of the offices (theirs if they agree, else "exact")."""
    from server.extensions import db
    from server.models import Office

    found = set(db.session.scalars(
        db.select(Office.ikm_convention).where(Office.id.in_(_office_ids(office_ids)))))
    return found.pop() if len(found) == 1 and found <= set(CONVENTIONS) else "exact"


def aggregate(clauses: Iterable) -> tuple[int, dict[str, int], dict[str, int]]:
    """Return (respondents, totals, counts) for the responses matching `clauses`, in one query."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import SurveyResponse

    columns = [func.count(SurveyResponse.id)]
    for key in ELEMENT_KEYS:
        col = getattr(SurveyResponse, key)
        columns += [func.coalesce(func.sum(col), 0), func.count(col)]
    row = db.session.execute(db.select(*columns).where(*clauses)).one()
    totals = {k: int(row[1 + 2 * i]) for i, k in enumerate(ELEMENT_KEYS)}
    counts = {k: int(row[2 + 2 * i]) for i, k in enumerate(ELEMENT_KEYS)}
    return int(row[0]), totals, counts


def ikm_for(office_ids, period, service_id: int | None = None, host_id: int | None = None,
            convention: str | None = None, source: str | None = None) -> IkmResult:
    """Return the IKM of one or more offices (optionally one service or host) for a period.

    `period` is a reports.periods.Period; each office's responses are bounded in its own
    zone. `convention` defaults to the offices' setting."""
    convention = convention or office_convention(office_ids)
    respondents, totals, counts = aggregate(response_filter(office_ids, period, service_id, host_id, source))
    return compute_ikm(totals, counts, respondents, convention)


def ikm_trend(office_id, periods, service_id: int | None = None, host_id: int | None = None,
              convention: str | None = None) -> list[tuple]:
    """Return [(period, IkmResult)] for each period, in the order given."""
    convention = convention or office_convention(office_id)
    return [(p, ikm_for(office_id, p, service_id, host_id, convention)) for p in periods]


PROFILE_FIELDS = ("gender", "age_band", "education", "occupation", "service")
PROFILE_TITLES = {
    "gender": ("Jenis Kelamin", "Sex"),
    "age_band": ("Usia", "Age"),
    "education": ("Pendidikan Terakhir", "Education"),
    "occupation": ("Pekerjaan", "Occupation"),
    "service": ("Jenis Layanan", "Service"),
}
NOT_STATED = "Tidak diisi"


def profile_breakdown(office_ids, period, service_id: int | None = None, host_id: int | None = None,
                      fields: Sequence[str] = PROFILE_FIELDS) -> dict[str, list[tuple[str, int]]]:
    """Return {field: [(label, respondents)]} for the respondent profile, in the categories'
    own order (sex, age bands youngest first, education levels lowest first, occupations as the
    form lists them; services by name), "Tidak diisi" last."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Service, SurveyResponse

    # Codes the survey forms store -> labels, from the forms' own lists (sync/skm.py).
    value_labels = {"gender": dict(skm.GENDERS), "education": dict(skm.EDUCATION),
                    "occupation": dict(skm.OCCUPATION)}
    category_order = {"gender": [label for _, label in skm.GENDERS], "age_band": list(skm.AGE_BANDS),
                      "education": [label for _, label in skm.EDUCATION],
                      "occupation": [label for _, label in skm.OCCUPATION]}
    clauses = response_filter(office_ids, period, service_id, host_id)
    result = {}
    for name in fields:
        if name not in PROFILE_FIELDS:
            raise IkmError(f"unknown profile field {name!r}")
        if name == "service":
            query = (db.select(Service.name, func.count(SurveyResponse.id))
                     .select_from(SurveyResponse).outerjoin(Service, Service.id == SurveyResponse.service_id)
                     .where(*clauses).group_by(Service.name))
        else:
            col = getattr(SurveyResponse, name)
            query = db.select(col, func.count(SurveyResponse.id)).where(*clauses).group_by(col)
        labels = value_labels.get(name, {})
        rows: dict[str, int] = {}
        for value, count in db.session.execute(query):
            label = labels.get(value, labels.get(str(value).lower(), value)) if value else NOT_STATED
            rows[label] = rows.get(label, 0) + int(count)
        order = {label: n for n, label in enumerate(category_order.get(name, ()))}
        result[name] = sorted(rows.items(), key=lambda item: (item[0] == NOT_STATED, order.get(item[0], len(order)),
                                                              item[0]))
    return result


def format_id(value: Decimal | Fraction | None, places: int = 2) -> str:
    """Return a figure the Indonesian way (comma decimal), half-up to `places`: "88,33"."""
    if value is None:
        return "-"
    return format_figure(round_half_up(value, places), places, "id")


def format_konversi(result: IkmResult) -> str:
    """Return the published konversi with its decimals as computed ("88,33", "88,245")."""
    if result.konversi is None:
        return "-"
    return format_figure(Decimal(result.konversi), None, "id")
