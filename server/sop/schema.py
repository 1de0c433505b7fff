"""The shape of a workflow template (server/sop/templates/*.json), checked with marshmallow.

Field-by-field shape is declared in the schemas; the rules that span fields (step numbering,
actor and branch references, markers without minutes) are checked in `validates_schema`.
"""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sync.rules import OUTCOME_FIELDS

# Event kinds of sync/PROTOCOL.md ("Events" table).
EVENT_KINDS = ("registration", "verification", "correction", "host_notified", "host_received",
               "host_unavailable", "card_issued", "locker", "waiting", "screening", "admitted",
               "service_feedback", "finished", "checked_out", "cancelled", "step_done", "arrived",
               "returned", "step_skipped")
SNAKE = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be snake_case")
MAX_MINUTES = 24 * 60


class TextSchema(Schema):
    """A text in Bahasa Indonesia with its English translation."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class ActorSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=SNAKE)
    name = fields.Nested(TextSchema, required=True)


class BranchSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=SNAKE)
    # The event (kind and payload values) that takes this branch.
    on = fields.Dict(required=True, keys=fields.String())
    # The step the visit goes to next; None ends the visit.
    goto = fields.String(required=True, allow_none=True)
    label = fields.Nested(TextSchema, required=True)

    @validates_schema
    def _check_on(self, data, **kwargs):
        kind = data["on"].get("kind")
        if kind not in EVENT_KINDS:
            raise ValidationError("must name a protocol event kind", "on")
        # The SOP walk (sync.rules.walk_steps) matches a branch against the outcome values
        # derive_visit keeps with a step's completion; a branch on any other value never fires.
        unknown = sorted(set(data["on"]) - {"kind"} - set(OUTCOME_FIELDS.get(kind, ())))
        if unknown:
            raise ValidationError(f"a {kind} branch cannot be on {', '.join(unknown)}", "on")


class StepSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=SNAKE)
    no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    title = fields.Nested(TextSchema, required=True)
    actor = fields.String(required=True, validate=SNAKE)
    # Standard minutes (mutu baku waktu); None only for the start/end markers.
    minutes = fields.Integer(required=True, strict=True, allow_none=True,
                             validate=validate.Range(min=0, max=MAX_MINUTES))
    needs = fields.List(fields.String(validate=validate.Length(min=1)), required=True)
    produces = fields.List(fields.String(validate=validate.Length(min=1)), required=True)
    # The event kind that completes the step; None only for markers.
    event = fields.String(required=True, allow_none=True, validate=validate.OneOf(EVENT_KINDS))
    marker = fields.String(validate=validate.OneOf(("start", "end")))
    optional = fields.Boolean()
    survey = fields.Boolean()
    branches = fields.List(fields.Nested(BranchSchema))

    @validates_schema
    def _check_marker(self, data, **kwargs):
        if data.get("marker"):
            if data["minutes"] is not None or data["event"] is not None:
                raise ValidationError("a marker step has no minutes and no event", "marker")
        elif data["minutes"] is None or data["event"] is None:
            raise ValidationError("a timed step needs minutes and an event", "minutes")


class TierSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=SNAKE)
    title = fields.Nested(TextSchema, required=True)
    source_section = fields.String(required=True)
    actors = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1))


class DatesSchema(Schema):
    class Meta:
        unknown = RAISE

    made = fields.String(allow_none=True)
    revised = fields.String(allow_none=True)
    effective = fields.String(allow_none=True)


class TemplateSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    title = fields.Nested(TextSchema, required=True)
    issuer = fields.String(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    sop_number = fields.String(required=True)
    dates = fields.Nested(DatesSchema, required=True)
    approved_by = fields.String(required=True)
    legal_basis = fields.List(fields.String(), required=True)
    qualification = fields.String(required=True)
    equipment = fields.List(fields.String(), required=True)
    warning = fields.String(required=True)
    records = fields.String(required=True)
    related = fields.String()
    # True when the visit flow ends with the SKM survey.
    survey = fields.Boolean(required=True)
    actors = fields.List(fields.Nested(ActorSchema), required=True, validate=validate.Length(min=1))
    tiered = fields.Boolean(required=True)
    # For tiered templates: the tier used when a visit has no host (a service only).
    default_tier = fields.String()
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _check_references(self, data, **kwargs):
        errors: dict[str, str] = {}
        actor_keys = [a["key"] for a in data["actors"]]
        if len(set(actor_keys)) != len(actor_keys):
            errors["actors"] = "actor keys must be unique"
        tier_keys = [t["key"] for t in data["tiers"]]
        if len(set(tier_keys)) != len(tier_keys):
            errors["tiers"] = "tier keys must be unique"
        if not data["tiered"] and len(tier_keys) != 1:
            errors["tiers"] = "a template without tiers has exactly one step list"
        if data["tiered"] and data.get("default_tier") not in tier_keys:
            errors["default_tier"] = "a tiered template names one of its tiers as default"
        for t, tier in enumerate(data["tiers"]):
            where = f"tiers.{t}"
            for actor in tier["actors"]:
                if actor not in actor_keys:
                    errors[f"{where}.actors"] = f"unknown actor {actor!r}"
            keys = [s["key"] for s in tier["steps"]]
            if len(set(keys)) != len(keys):
                errors[f"{where}.steps"] = "step keys must be unique within a tier"
            if [s["no"] for s in tier["steps"]] != list(range(1, len(keys) + 1)):
                errors[f"{where}.steps"] = "steps are numbered 1, 2, 3, ... in order"
            for n, step in enumerate(tier["steps"]):
                if step["actor"] not in actor_keys:
                    errors[f"{where}.steps.{n}.actor"] = f"unknown actor {step['actor']!r}"
                for branch in step.get("branches", []):
                    if branch["goto"] is not None and branch["goto"] not in keys:
                        errors[f"{where}.steps.{n}.branches"] = f"unknown step {branch['goto']!r}"
        if errors:
            raise ValidationError(errors)


def check_template(data: dict) -> dict:
    """Return `data` if it is a well-formed template; raise ValidationError otherwise."""
    return TemplateSchema().load(data)


__all__ = ["EVENT_KINDS", "MAX_MINUTES", "TemplateSchema", "check_template"]
