"""Survey responses in a push: their check (sync/PROTOCOL.md, "Survey responses"), their row,
and their one outcome (stored, duplicate, quarantined or conflict)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from sync.rules import parse_time
from sync.skm import ELEMENT_KEYS

from ..extensions import db
from ..models import Host, Service, SurveyResponse, Visit
from .common import dialect_insert

SURVEY_PROFILE = {"gender": ("L", "P", ""), "age_band": 8, "education": 16, "occupation": 32}


SURVEY_SOURCES = ("kiosk", "phone", "paper")


def validate_survey(survey) -> dict[str, str]:
    """Return {field: why} for a survey response; empty when it is valid."""
    if not isinstance(survey, dict):
        return {"": "a survey response must be an object"}
    errors = {}
    from sync.rules import _is_uuid  # one UUID check for events and surveys

    if not _is_uuid(survey.get("id")):
        errors["id"] = "must be a UUID"
    if survey.get("visit_id") is not None and not _is_uuid(survey.get("visit_id")):
        errors["visit_id"] = "must be a UUID or null"
    if parse_time(survey.get("submitted_at")) is None:
        errors["submitted_at"] = "must be an ISO 8601 UTC time"
    if survey.get("source", "kiosk") not in SURVEY_SOURCES:
        errors["source"] = "must be kiosk, phone or paper"
    answers = survey.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = "must be an object keyed by element"
    else:
        for key in set(answers) - set(ELEMENT_KEYS):
            errors[f"answers.{key}"] = "unknown element"
        for key in ELEMENT_KEYS:
            value = answers.get(key)
            if value is not None and (type(value) is not int or not 1 <= value <= 4):
                errors[f"answers.{key}"] = "must be 1-4 or null"
        if not errors and all(answers.get(k) is None for k in ELEMENT_KEYS):
            errors["answers"] = "at least one element must be answered"
    profile = survey.get("profile") or {}
    if not isinstance(profile, dict):
        errors["profile"] = "must be an object"
    else:
        for key, rule in SURVEY_PROFILE.items():
            value = profile.get(key, "")
            if not isinstance(value, str) or (isinstance(rule, tuple) and value not in rule) or (
                    isinstance(rule, int) and len(value) > rule):
                errors[f"profile.{key}"] = "invalid value"
        for key in set(profile) - set(SURVEY_PROFILE):
            errors[f"profile.{key}"] = "unknown field"
    for key in ("service_id", "host_id"):
        value = survey.get(key)
        if value is not None and (type(value) is not int or value < 1 or value > 2**53):
            errors[key] = "must be an id or null"
    saran = survey.get("saran", "")
    if not isinstance(saran, str) or len(saran) > 4000:
        errors["saran"] = "must be text of at most 4000 characters"
    allowed = {"id", "visit_id", "submitted_at", "source", "answers", "profile", "service_id",
               "host_id", "saran"}
    for key in set(survey) - allowed:
        errors[key] = "unknown field"
    return errors


def survey_row(survey: dict, office_id: int, device_id: int | None, now: datetime) -> dict:
    """Return the survey_response row of a valid response (answers by element, profile, saran)."""
    profile = survey.get("profile") or {}
    row = {"id": survey["id"], "office_id": office_id, "visit_id": survey.get("visit_id"),
           "service_id": survey.get("service_id"), "host_id": survey.get("host_id"),
           "device_id": device_id, "source": survey.get("source", "kiosk"),
           "saran": survey.get("saran") or "", "submitted_at": parse_time(survey["submitted_at"]),
           "received_at": now, "batch": ""}
    row.update({k: profile.get(k, "") for k in SURVEY_PROFILE})
    row.update({k: survey["answers"].get(k) for k in ELEMENT_KEYS})
    return row


SURVEY_COMPARE = ("visit_id", "service_id", "host_id", "source", "saran", *SURVEY_PROFILE, *ELEMENT_KEYS)


def ingest_survey(device, office_id, survey, now, ack, quarantine, dialect) -> None:
    """Store one pushed response, or quarantine it, and name its one outcome in `ack`."""
    errors = validate_survey(survey)
    if not errors and survey.get("visit_id") is not None:
        # Only a visit of the tablet's own office: another office's visit (known by its id)
        # must not be answered for, nor have its own guest's response blocked.
        visit_office = db.session.scalar(select(Visit.office_id).where(Visit.id == survey["visit_id"]))
        if visit_office is not None and visit_office != office_id:
            errors["visit_id"] = "belongs to another office"
    if not errors:
        for key, model in (("service_id", Service), ("host_id", Host)):
            if survey.get(key) is not None and db.session.scalar(select(model.office_id).where(
                    model.id == survey[key])) != office_id:
                errors[key] = f"unknown {key[:-3]} for this office"
    if errors:
        quarantine(survey, "survey", errors)
        return
    row = survey_row(survey, office_id, device.id if device else None, now)
    table = SurveyResponse.__table__
    stmt = dialect_insert(table, dialect).on_conflict_do_nothing().returning(table.c.id)
    if db.session.execute(stmt, [row]).scalars().all():
        ack["stored"].append(row["id"])
        return
    existing = db.session.get(SurveyResponse, row["id"])
    if existing is not None and all(getattr(existing, k) == row[k] for k in SURVEY_COMPARE):
        ack["duplicate"].append(row["id"])
        return
    message = ("same id, different content" if existing is not None
               else "this visit already has a survey response")
    quarantine(survey, "survey", {"id" if existing else "visit_id": message}, kind="conflict", message=message)
