"""Rencana tindak lanjut: the admin's follow-up plan for weak elements, per office and period."""
from .ikm import ELEMENT_KEYS

MAX_PLAN = 2000


class FollowUpError(ValueError):
    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.fields = fields


def plans_for(office_id: int, period) -> dict[str, str]:
    """Return {element key: plan text} for an office and period."""
    from server.extensions import db
    from server.models import IkmFollowUp

    rows = db.session.scalars(db.select(IkmFollowUp).where(
        IkmFollowUp.office_id == office_id, IkmFollowUp.period == period.code))
    return {row.element: row.plan for row in rows if row.plan.strip()}


def follow_up_stamp(office_id: int, period) -> str:
    """Return a short fingerprint of the plans (for the report cache key)."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import IkmFollowUp

    count, latest = db.session.execute(db.select(func.count(IkmFollowUp.id), func.max(IkmFollowUp.updated_at))
                                       .where(IkmFollowUp.office_id == office_id,
                                              IkmFollowUp.period == period.code)).one()
    return f"{count}:{latest}"


def save_plans(office, period, plans: dict[str, str], user_id: int | None = None) -> int:
    """Store the plans given (empty text removes one); return how many changed. All or nothing."""
    from server.audit import record_audit
    from server.extensions import db
    from server.models import IkmFollowUp

    errors = {}
    for key, text in plans.items():
        if key not in ELEMENT_KEYS:
            errors[key] = "unknown element"
        elif len(text or "") > MAX_PLAN:
            errors[key] = f"at most {MAX_PLAN} characters"
    if errors:
        raise FollowUpError("some plans cannot be saved", errors)
    existing = {row.element: row for row in db.session.scalars(db.select(IkmFollowUp).where(
        IkmFollowUp.office_id == office.id, IkmFollowUp.period == period.code))}
    changed = []
    for key, text in plans.items():
        text = (text or "").strip()
        row = existing.get(key)
        if row is None and text:
            db.session.add(IkmFollowUp(office_id=office.id, period=period.code, element=key, plan=text,
                                       updated_by=user_id))
            changed.append(key)
        elif row is not None and row.plan != text:
            row.plan, row.updated_by = text, user_id
            changed.append(key)
    if changed:
        record_audit("ikm.follow_up", office_id=office.id, target_type="ikm_period", target_id=period.code,
                     detail={"elements": changed}, user_id=user_id)
    db.session.commit()
    return len(changed)
