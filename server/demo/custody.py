"""Guest cards and lockers: the desk hands each one to one guest at a time.

A visit's plan draws a card and a locker at random; `hand_out` keeps that number when it is
free for the whole time the guest holds it (from the issuing event until the card or key is
given back, or for good when the guest is still on site) and otherwise gives the guest a free
one. When every card or locker is taken, the next number past the office's set is used, as a
desk would lend a spare.
"""
from __future__ import annotations

import random
from bisect import bisect_left, insort
from datetime import datetime, timezone

from .visits import Plan

FOREVER = datetime.max.replace(tzinfo=timezone.utc)
# item -> (issuing event kind, payload field, prefix, how many the office has)
POOLS = {"card": ("card_issued", "card_number", "T", 40), "locker": ("locker", "locker_number", "L", 24)}
# The check-out flag that says an item came back (an absent flag gives it back too).
CHECKOUT_FLAG = {"card": "card_returned", "locker": "locker_returned"}

Span = tuple[datetime, datetime]


def held_span(events: list[dict], item: str) -> tuple[dict, Span] | None:
    """Return the event that issues `item` and when it is held: until the first return
    (a "returned" naming it, or a check-out not keeping it), or FOREVER."""
    kind, field, _, _ = POOLS[item]
    issue = next((e for e in events if e["kind"] == kind and e["payload"].get(field)), None)
    if issue is None:
        return None
    back = next((e["at"] for e in events if e["at"] >= issue["at"] and (
        (e["kind"] == "returned" and item in e["payload"].get("items", []))
        or (e["kind"] == "checked_out" and e["payload"].get(CHECKOUT_FLAG[item]) is not False))), FOREVER)
    return issue, (issue["at"], back)


class Ledger:
    """Who holds which number when, per item: spans of one number never overlap."""

    def __init__(self):
        self.spans: dict[tuple[str, str], list[Span]] = {}

    def is_free(self, item: str, number: str, span: Span) -> bool:
        """Return whether no one holds `number` at any time of `span`."""
        taken = self.spans.get((item, number), [])
        # Spans of one number are apart, so the last one starting before `span` ends is the
        # only one that can still be held when `span` starts.
        before = bisect_left(taken, (span[1],))
        return before == 0 or taken[before - 1][1] <= span[0]

    def hold(self, item: str, number: str, span: Span) -> None:
        insort(self.spans.setdefault((item, number), []), span)


def hand_out(rng: random.Random, plans: list[Plan], ledger: Ledger | None = None) -> Ledger:
    """Give each plan's card and locker a number no overlapping visit holds (in `ledger`
    besides the plans: what the office's stored visits hold); return the ledger."""
    ledger = ledger or Ledger()
    for item, (_, field, prefix, size) in POOLS.items():
        spans = sorted((found[1], plan.visit_id, found[0]) for plan in plans
                       if (found := held_span(plan.events, item)) is not None)
        for span, _, issue in spans:
            number = issue["payload"][field]
            if not ledger.is_free(item, number, span):
                free = [n for n in (f"{prefix}-{i:02d}" for i in range(1, size + 1))
                        if ledger.is_free(item, n, span)]
                spare = size + 1
                while not free:
                    free = [n for n in [f"{prefix}-{spare:02d}"] if ledger.is_free(item, n, span)]
                    spare += 1
                number = rng.choice(free)
                issue["payload"][field] = number
            ledger.hold(item, number, span)
    return ledger
