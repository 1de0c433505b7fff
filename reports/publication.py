"""What an office publishes of its SKM (Permenpan RB 14/2017): the public IKM page and the
"Maklumat hasil SKM" poster read the same plain data from here.

The headline is the last complete semester (and the last complete year): a running month is
a trend point, not a result. With it: the respondents, whether they are enough for the
period's population (Krejcie-Morgan), the mutu, the nine elements and the published
rencana tindak lanjut.
"""
from datetime import datetime, timezone

from .ikm import ELEMENT_KEYS, ikm_for, sample_check
from .periods import Period, parse_period, period_containing


def last_complete(kind: str, tz_name: str, now: datetime | None = None) -> Period:
    """Return the last period of `kind` (semester, year, month...) that has ended in the zone."""
    return period_containing(now or datetime.now(timezone.utc), kind, tz_name).shift(-1)


def published_period(office, code: str | None = None, now: datetime | None = None) -> Period:
    """Return the period to publish: `code` if given (a PeriodError if it is not one), else
    the last complete semester."""
    if code:
        return parse_period(code, office.timezone)
    return last_complete("semester", office.timezone, now)


def published_ikm(office, period: Period) -> dict:
    """Return the figures an office publishes for a period: the IKM result, its population
    and sample check, and the rencana tindak lanjut per element (those filled in)."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Visit

    from .follow_up import plans_for
    from .population import stated_population

    period = period.in_zone(office.timezone)
    result = ikm_for(office.id, period)
    population, source = stated_population(office, period), "stated"
    if population is None:
        population = db.session.scalar(db.select(func.count(Visit.id)).where(
            Visit.office_id == office.id, Visit.registered_at >= period.start,
            Visit.registered_at < period.end)) or None
        source = "visits"
    plans = plans_for(office.id, period)
    return {"period": period, "result": result, "sample": sample_check(result.respondents, population),
            "population_source": source,
            "plans": [(key, plans[key]) for key in ELEMENT_KEYS if plans.get(key)]}
