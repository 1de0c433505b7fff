"""Write derive.json: named cases of events in, derived visit out (run after a rule change).

`python -m sync.test_vectors.generate` — the desk app's JavaScript port of derive_visit must
give the same `expected` for every case, in any order of `events`.
"""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sync.rules import derive_visit, format_time

VISIT = "9a2c0f5e-1111-4a2b-8c3d-000000000001"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB


def ev(n, kind, minutes, payload=None, offset_ms=0, step=None, actor="staff:3"):
    event = {"id": f"00000000-0000-4000-8000-{n:012d}", "visit_id": VISIT, "seq": n, "kind": kind,
             "actor": actor, "device_time": format_time(T0 + timedelta(minutes=minutes)),
             "clock_offset_ms": offset_ms, "payload": payload or {}}
    if step:
        event["step"] = step
    return event


REG = {"queue_number": "A001", "id_type": "ktp", "id_number": "6171014506900001",
       "name": "Siti Aminah", "phone": "081234567890", "institution": "CV Maju",
       "address": "Jl. Ahmad Yani 1, Pontianak", "purpose": "Konsultasi pengadaan", "host_id": 7,
       "consent_version": "2026-01", "consent_at": format_time(T0)}

CASES = [
    ("registration only", [ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest")]),
    ("verified", [ev(1, "registration", 0, REG), ev(2, "verification", 3, {"ok": True})]),
    ("failed verification then correction", [
        ev(1, "registration", 0, REG), ev(2, "verification", 3, {"ok": False, "fields": ["name"]}),
        ev(3, "correction", 5, {"fields": {"name": "Siti Aminah, S.E."}})]),
    ("two corrections of one field: last corrected time wins", [
        ev(1, "registration", 0, REG), ev(2, "correction", 5, {"fields": {"purpose": "Rapat"}}),
        ev(3, "correction", 9, {"fields": {"purpose": "Audiensi"}})]),
    ("correction with a fast clock loses to a later one", [
        ev(1, "registration", 0, REG),
        ev(2, "correction", 10, {"fields": {"purpose": "Dari jam cepat"}}, offset_ms=400_000),
        ev(3, "correction", 6, {"fields": {"purpose": "Sebenarnya terakhir"}})]),
    ("correction tie broken by event id", [
        ev(1, "registration", 0, REG), ev(3, "correction", 5, {"fields": {"name": "C"}}),
        ev(2, "correction", 5, {"fields": {"name": "B"}})]),
    ("full kalbar flow", [
        ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest"),
        ev(2, "verification", 4, {"ok": True}, step="cocokkan_identitas"),
        ev(3, "host_notified", 6, {"channel": "phone"}, step="hubungi_petugas"),
        ev(4, "host_received", 9, {}, step="menerima_tamu"),
        ev(5, "admitted", 10, {"time_limit_minutes": 30}),
        ev(6, "service_feedback", 60, {"sufficient": True}, step="feedback_layanan"),
        ev(7, "finished", 61, {}), ev(8, "checked_out", 65, {"card_returned": True})]),
    ("host unavailable with reason then checked out", [
        ev(1, "registration", 0, REG), ev(2, "host_notified", 3, {"channel": "aiphone"}),
        ev(3, "host_unavailable", 5, {"reason": "Bapak sedang rapat di luar kantor"}),
        ev(4, "checked_out", 8, {})]),
    ("events before the registration arrived", [
        ev(2, "host_notified", 3, {"channel": "app"}), ev(3, "admitted", 6, {})]),
    ("stage never moves back: admitted after checked out", [
        ev(1, "registration", 0, REG), ev(2, "checked_out", 20, {}), ev(3, "admitted", 30, {})]),
    ("card, KTP held and locker", [
        ev(1, "registration", 0, REG),
        ev(2, "card_issued", 2, {"card_number": "T-07", "ktp_held": True}),
        ev(3, "locker", 3, {"locker_number": "12"}),
        ev(4, "checked_out", 40, {"card_returned": True, "ktp_returned": True, "locker_returned": True})]),
    ("screening refusal stands", [
        ev(1, "registration", 0, REG), ev(2, "screening", 2, {"result": "refused", "note": "Membawa senjata tajam"}),
        ev(3, "screening", 4, {"result": "clear"})]),
    ("cancelled", [ev(1, "registration", 0, REG), ev(2, "cancelled", 5, {"reason": "Tamu pulang"})]),
    ("skewed clock is flagged and corrected", [
        ev(1, "registration", 0, {**REG, "host_id": None, "service_id": 2}, offset_ms=-360_000)]),
    ("duplicate event counted once", [
        ev(1, "registration", 0, REG), ev(2, "waiting", 1, {}), ev(2, "waiting", 1, {})]),
]


def main() -> None:
    cases = [{"name": name, "events": events, "expected": derive_visit(events)} for name, events in CASES]
    path = Path(__file__).resolve().parent / "derive.json"
    path.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
