"""Random walks of the shipped SOP templates, as a desk would record them, and the file of
vectors they make: lifecycle_walks.json (run after a rule or template change).

`python -m sync.test_vectors.generate_lifecycle` — for every case, the desk app's ports
(pwa/derive.js `deriveVisit`, pwa/sop.js `walk`) must give the case's `expected` from its
`events` in any order and with any duplicates (pwa/tests/lifecycle.test.mjs), as
sync/rules.py does (tests/sync/test_lifecycle_properties.py, which also checks the file is
up to date and draws more walks with hypothesis through the same `random_walk`).

A walk starts with the guest's arrival (Kaltim's lobby tap) or registration, then at each
point records what the desk would for the step `walk_steps` says is current: its event with a
valid payload, branch outcomes included (a failed check and its correction, a screening
refusal, an insufficient service), or instead a one-tap skip (optional and locker steps), the
host unavailable (any step up to the meeting), a cancellation (any step), held items given
back. A visit whose walk is done but has no outcome ends with a `checked_out` without a step
(Kaltim). After the outcome, a tablet that had not seen it may end the visit again (a cancel,
a refusal: the first ending stands), held items are sometimes given back, sometimes not. Times move
forward; events come from one or two tablets with their own clock offsets.
"""
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from server.sop import get_template, steps_for, template_keys
from sync.rules import CHANNELS, EVENT_KINDS, ID_TYPES, LIFECYCLE_KEYS, derive_visit, format_time, walk_steps

HERE = Path(__file__).resolve().parent
VECTORS = HERE / "lifecycle_walks.json"
SEED = 20261204
CASES_PER_TIER = 50
MAX_EVENTS = 36  # past this the desk cancels (or checks out) so every walk ends

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
REG = {"queue_number": "A-017", "id_type": "ktp", "id_number": "6171014506900001", "name": "Siti Aminah",
       "host_id": 7}
CLOCK_OFFSETS_MS = (0, 1_200, -3_400, 95_000, -420_000, 610_000)  # the last two are flagged as skewed
CORRECTIONS = {"name": "Siti Aminah, S.E.", "address": "Jl. Gajah Mada 3", "purpose": "Rapat koordinasi",
               "id_number": "6171014506900002", "institution": "PT Maju Jaya"}
# What the expected visit holds in the vectors: the lifecycle, and what the walk reads.
VISIT_KEYS = LIFECYCLE_KEYS + ("stage", "on_site", "has_registration", "steps", "step_last")


class RandomChooser:
    """Choices from a seeded random.Random (the vector file)."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd

    def integer(self, lo: int, hi: int) -> int:
        return self.rnd.randint(lo, hi)

    def choice(self, options):
        return options[self.rnd.randrange(len(options))]

    def chance(self, percent: int) -> bool:
        """Return True `percent` times in 100; a chooser that shrinks to 0 answers False."""
        return self.integer(0, 99) >= 100 - percent


def tiers() -> list[tuple[str, str, list[dict]]]:
    """Return (template key, tier key, steps) for every tier of every shipped template."""
    out = []
    for key in template_keys():
        template = get_template(key)
        for tier in template["tiers"]:
            out.append((key, tier["key"], steps_for(template, tier["key"])))
    return out


def meeting_index(steps: list[dict]) -> int:
    """Return the index of the meeting: the first step that admits the guest or ends the service.

    The host can turn out to be unavailable at any step up to it."""
    return next((n for n, s in enumerate(steps) if s.get("event") in ("admitted", "finished")), len(steps))


class _Desk:
    """One visit being recorded: its events, the tablets, the clock."""

    def __init__(self, chooser, visit_id: str):
        self.ch, self.visit_id, self.events = chooser, visit_id, []
        self.ms = 0  # server-clock time of the last event, ms after T0
        self.used_ids: set[int] = set()
        self.devices = [{"staff": n + 1, "offset": chooser.choice(CLOCK_OFFSETS_MS), "seq": 0}
                        for n in range(chooser.integer(1, 2))]
        self.endings = []  # (index in events, outcome, reason, time) of each event that ends a visit

    def record(self, kind, payload, step=None, actor=None):
        ch = self.ch
        before, self.ms = self.ms, self.ms + ch.integer(1, 900) * 1000 + ch.integer(0, 999)
        if kind == "registration" and "consent_at" in payload:  # the guest book opened since the last event
            payload["consent_at"] = format_time(T0 + timedelta(milliseconds=(before + self.ms) // 2))
        device = self.devices[ch.integer(0, len(self.devices) - 1)]
        device["seq"] += 1
        offset = device["offset"] + ch.choice((0, 0, 0, 250, -250))  # the tablet's estimate drifts a little
        number = ch.integer(0, 2**64)
        while number in self.used_ids:
            number += 1
        self.used_ids.add(number)
        if ch.chance(10):
            # A client may send null for an optional field it leaves out (validation reads it as
            # absent).
            payload = {**{name: None for name, field in EVENT_KINDS[kind].items() if not field.required},
                       **payload}
        event = {"id": str(uuid.UUID(int=number, version=4)), "visit_id": self.visit_id, "seq": device["seq"],
                 "kind": kind, "actor": actor or f"staff:{device['staff']}",
                 "device_time": format_time(T0 + timedelta(milliseconds=self.ms + offset)),
                 "clock_offset_ms": offset, "payload": payload}
        if step:
            event["step"] = step
        self.events.append(event)
        ending = {"host_unavailable": "turned_away", "cancelled": "cancelled", "checked_out": "checked_out"}.get(kind)
        if kind == "screening" and payload["result"] == "refused":
            ending = "refused"
        if ending:
            reason = payload.get("reason") or payload.get("note") or ""
            self.endings.append((len(self.events) - 1, ending, reason, format_time(T0 + timedelta(milliseconds=self.ms))))
        return event


def _payload(ch, kind: str, visit: dict) -> dict:
    """Return a valid payload a desk would send for a step of this event kind."""
    if kind == "registration":
        payload = dict(REG)
        if ch.chance(30):  # the guest opened the guest book a little earlier (the time is set when recorded)
            payload["consent_version"] = "2026-01"
            payload["consent_at"] = None
        return payload
    if kind == "verification":
        if not ch.chance(30):
            return {"ok": True}
        fields = [f for f in ("name", "address", "purpose", "id_number") if ch.chance(50)]
        return {"ok": False, "fields": fields or ["name"]}
    if kind == "correction":
        fields = visit.get("fields_to_correct") or ["name"]
        return {"fields": {f: CORRECTIONS.get(f, "Diperbaiki") for f in fields}}
    if kind == "host_notified":
        return {"channel": ch.choice(CHANNELS)}
    if kind == "host_unavailable":
        return {"reason": ch.choice(("Bapak sedang dinas luar", "Rapat mendadak", "Sedang cuti"))}
    if kind == "arrived":
        return {"queue_number": "B-004"} if ch.chance(50) else {}
    if kind == "card_issued":
        number = ch.choice(("11", "T-07", "5", ""))
        if ch.chance(20):  # an older tablet
            return {"card_number": number, "ktp_held": ch.chance(60)}
        return {"card_number": number, "id_held": ch.choice(ID_TYPES + ("",))}
    if kind == "locker":
        payload = {"locker_number": ch.choice(("L3", "12", "4"))}
        if ch.chance(50):
            payload["items"] = ch.choice(("Tas ransel", "Payung", ""))
        return payload
    if kind == "screening":
        if not ch.chance(25):
            return {"result": "clear"}
        return {"result": "refused", "note": ch.choice(("Membawa senjata tajam", ""))}
    if kind == "admitted":
        return {"time_limit_minutes": ch.choice((15, 30, 60)), "reminded": ch.chance(50)}
    if kind == "service_feedback":
        if not ch.chance(30):
            return {"sufficient": True}
        return {"sufficient": False, "need": "Contoh dokumen penawaran"}
    if kind == "checked_out":
        payload = {}
        for flag in ("card_returned", "ktp_returned", "locker_returned"):
            pick = ch.integer(0, 9)
            if pick >= 8:
                payload[flag] = False  # kept back: it stays outstanding
            elif pick >= 5:
                payload[flag] = True
        return payload
    if kind == "cancelled":
        return {"reason": ch.choice(("Tamu tidak jadi", "Tamu pulang", ""))}
    if kind == "host_received":
        return {"by": "Ajudan"} if ch.chance(50) else {}
    return {}  # waiting, finished, step_done and any kind a template adds later


def _give_back(desk, visit, everything=False):
    held = visit["custody_outstanding"]
    if not held:
        return
    items = list(held) if everything else [item for item in held if desk.ch.chance(60)] or [held[-1]]
    desk.record("returned", {"items": items})


def random_walk(chooser, steps: list[dict], visit_id: str, max_events: int = MAX_EVENTS) -> dict:
    """Return one random walk of a tier's steps: {"events": in recording order, "endings":
    (index in events, outcome, reason, server time) for each event the desk recorded that ends
    a visit}.

    `chooser` gives the choices (RandomChooser, or hypothesis draws in the tests)."""
    ch = chooser
    desk = _Desk(ch, visit_id)
    keys = [s["key"] for s in steps]
    by_key = {s["key"]: s for s in steps}
    registration = next((n for n, s in enumerate(steps) if s.get("event") == "registration"), None)
    first = next(n for n, s in enumerate(steps) if not s.get("marker"))
    meeting = meeting_index(steps)
    seen = None  # the step the desk last showed as current
    screens = any(s.get("event") == "screening" for s in steps)
    if registration is not None and first < registration and ch.chance(50):
        desk.record("arrived", _payload(ch, "arrived", {}), step=keys[first])  # "tamu tiba" at the lobby
    else:
        step = keys[registration] if registration is not None else None
        desk.record("registration", _payload(ch, "registration", {}), step=step, actor="guest")
    while True:
        visit = derive_visit(desk.events)
        current = walk_steps(steps, visit)["current"]
        out_of_time = len(desk.events) >= max_events
        if current is None:
            if visit["outcome"] is None:  # nothing left on the walk: the guest leaves
                if ch.chance(30):
                    _give_back(desk, visit)
                desk.record("checked_out", _payload(ch, "checked_out", visit))
                continue
            if ch.chance(20):
                # A tablet that had not seen the end yet (offline) ends the visit too, at the step
                # it showed: the first ending stands.
                late = ch.choice(("cancelled", "host_unavailable") + (("screening",) if screens else ()))
                payload = {"result": "refused"} if late == "screening" else _payload(ch, late, visit)
                desk.record(late, payload, step=seen if ch.chance(70) else None)
            if ch.chance(70):
                _give_back(desk, visit, everything=ch.chance(70))
            if not visit["checked_out_at"] and ch.chance(15):
                desk.record("checked_out", _payload(ch, "checked_out", visit))  # a late check-out changes nothing
            break
        seen = current
        step = by_key[current]
        kind = step.get("event") or "step_done"
        n = keys.index(current)
        pick = ch.integer(0, 99)
        if visit["outcome"] is not None or out_of_time:
            # A refused guest on the way out (the card comes back at the check-out step), or
            # a walk that has gone on long enough: check out or cancel.
            if visit["outcome"] is None and kind != "checked_out":
                desk.record("cancelled", _payload(ch, "cancelled", visit), step=current if pick < 50 else None)
            elif pick >= 80 and visit["custody_outstanding"]:
                _give_back(desk, visit)
            else:
                desk.record(kind, _payload(ch, kind, visit), step=current)
            continue
        if pick < 70 and kind == "finished" and not visit["admitted_at"]:
            # The desk shows the guest in before the meeting ends (Perbup 75/2017 step 5: the ADC
            # shows the guest in, reminding of the time limit): "Persilakan masuk", no step.
            desk.record("admitted", _payload(ch, "admitted", visit))
        elif pick < 70:
            if kind == "step_done" and registration is not None and n < registration and ch.chance(50):
                kind = "arrived"  # the lobby step recorded as the guest's arrival
            desk.record(kind, _payload(ch, kind, visit), step=current)
        elif pick < 80 and (step.get("optional") or kind == "locker"):
            desk.record("step_skipped", {"reason": "Tidak membawa barang"} if ch.chance(50) else {}, step=current)
        elif pick < 85 and n <= meeting:
            desk.record("host_unavailable", _payload(ch, "host_unavailable", visit), step=current)
        elif pick < 89:
            desk.record("cancelled", _payload(ch, "cancelled", visit), step=current if ch.chance(70) else None)
        elif pick < 95 and visit["custody_outstanding"]:
            _give_back(desk, visit)
        elif pick < 97 and n <= meeting:
            desk.record("host_received", _payload(ch, "host_received", visit))  # the host's aide agreed (no step)
        else:
            desk.record(kind, _payload(ch, kind, visit), step=current)
    return {"events": desk.events, "endings": desk.endings}


def expected(steps: list[dict], events: list[dict]) -> dict:
    """Return what the rules make of a case: the visit's lifecycle fields and its walk."""
    visit = derive_visit(events)
    walked = walk_steps(steps, visit)
    return {"visit": {key: visit[key] for key in VISIT_KEYS}, "walk": walked}


def build_cases(seed: int = SEED, per_tier: int = CASES_PER_TIER) -> list[dict]:
    """Return the vector cases: per tier, walks cut at a random point (a third of them whole),
    their events shuffled with a few duplicates in."""
    cases = []
    for t, (key, tier, steps) in enumerate(tiers()):
        for n in range(per_tier):
            rnd = random.Random(seed * 1000 + t * per_tier + n)
            visit_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            events = random_walk(RandomChooser(rnd), steps, visit_id)["events"]
            cut = len(events) if rnd.random() < 1 / 3 else rnd.randint(1, len(events))
            walked, events = len(events), events[:cut]
            sent = events + [dict(e) for e in rnd.sample(events, min(len(events), rnd.randint(0, 3)))]
            rnd.shuffle(sent)
            cases.append({"name": f"{key}/{tier} #{n:02d}: {cut} of {walked} events",
                          "template": key, "tier": tier, "events": sent, "expected": expected(steps, events)})
    return cases


def dumps(cases: list[dict]) -> str:
    """Return the file's text: one case a line, so a rule change shows as a readable diff."""
    return "[\n" + ",\n".join(json.dumps(case, ensure_ascii=False, sort_keys=True) for case in cases) + "\n]\n"


def main() -> None:
    cases = build_cases()
    VECTORS.write_text(dumps(cases), encoding="utf-8")
    print(f"wrote {len(cases)} random-walk cases to {VECTORS}")


if __name__ == "__main__":
    main()
