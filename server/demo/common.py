"""What every part of the demo generator shares: the demo credentials, errors, ids and times."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone

DEMO_PASSWORD = "sitamu-demo"
DEMO_PIN = "2468"
CONSENT_VERSION = "2026.1"


class DemoError(Exception):
    """The demo data cannot be loaded or added as asked; nothing was stored."""


def new_uuid(rng: random.Random) -> str:
    """Return a version-4 UUID drawn from `rng`, so the same seed gives the same ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(when: datetime) -> str:
    """Return `when` as the protocol writes times: UTC, milliseconds, a trailing Z."""
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
