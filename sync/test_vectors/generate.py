"""Write derive.json and walk.json: named cases of events in, the rules' answer out (run after
a rule change).

`python -m sync.test_vectors.generate` — the desk app's JavaScript port of derive_visit must
give the same `expected` for every case of derive.json, in any order of `events`; its port of
walk_steps (pwa/sop.js `walk`) the same `expected` for every case of walk.json, walking the
visit derived from `events` through the steps of `template` (tier `tier`).
"""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sync.rules import derive_visit, first_checkin, format_time, walk_steps

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "sop" / "templates"

VISIT = "9a2c0f5e-1111-4a2b-8c3d-000000000001"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB
APPOINTMENT = "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab"


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
    ("turned away after the card: the card and KTP stay outstanding", [
        ev(1, "registration", 0, REG),
        ev(2, "card_issued", 2, {"card_number": "11", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(3, "waiting", 4, {}, step="arahkan_ruang_tunggu"),
        ev(4, "host_unavailable", 9, {"reason": "Bapak Bupati sedang dinas luar"}, step="simpan_barang_loker")]),
    ("turned away, then the card and the SIM given back", [
        ev(1, "registration", 0, REG),
        ev(2, "card_issued", 2, {"card_number": "11", "id_held": "sim"}),
        ev(3, "host_unavailable", 9, {"reason": "Rapat"}),
        ev(4, "returned", 10, {"items": ["card", "id_document"]})]),
    ("cancelled with the locker key still out", [
        ev(1, "registration", 0, REG), ev(2, "card_issued", 2, {"card_number": "5", "id_held": ""}),
        ev(3, "locker", 4, {"locker_number": "L3", "items": "Tas ransel"}),
        ev(4, "returned", 5, {"items": ["card"]}),
        ev(5, "cancelled", 6, {"reason": "Tamu tidak jadi"})]),
    ("check-out keeping the KTP back", [
        ev(1, "registration", 0, REG), ev(2, "card_issued", 2, {"card_number": "9", "ktp_held": True}),
        ev(3, "checked_out", 30, {"card_returned": True, "ktp_returned": False})]),
    ("where the guest is: waiting, locker, with the host, finished", [
        ev(1, "registration", 0, REG), ev(2, "waiting", 2, {}), ev(3, "locker", 5, {"locker_number": "2"}),
        ev(4, "screening", 7, {"result": "clear"}), ev(5, "admitted", 9, {"time_limit_minutes": 15, "reminded": True}),
        ev(6, "finished", 20, {})]),
    ("an insufficient feedback takes the guest back to the host", [
        ev(1, "registration", 0, REG), ev(2, "admitted", 3, {}), ev(3, "finished", 20, {}),
        ev(4, "service_feedback", 22, {"sufficient": False, "need": "Formulir"})]),
    ("arrived at the lobby, then the guest book", [
        ev(1, "arrived", 0, {"queue_number": "B-004"}, step="terima_di_lobby"),
        ev(2, "registration", 3, {**REG, "queue_number": "B-004", "consent_at": format_time(T0 + timedelta(minutes=1))},
           step="isi_daftar_hadir", actor="guest")]),
    ("arrived only", [ev(1, "arrived", 0, {}, step="terima_di_lobby")]),
    ("locker skipped with one tap", [
        ev(1, "registration", 0, REG), ev(2, "step_skipped", 2, {"reason": "Tidak membawa barang"}, step="simpan_barang_loker")]),
    ("refused at screening, then the card returned at check-out", [
        ev(1, "registration", 0, REG), ev(2, "card_issued", 1, {"card_number": "3", "ktp_held": True}),
        ev(3, "screening", 5, {"result": "refused", "note": "Membawa senjata tajam"}),
        ev(4, "checked_out", 7, {})]),
    ("checked in by appointment", [
        ev(1, "registration", 0, {**REG, "appointment_id": APPOINTMENT}), ev(2, "verification", 2, {"ok": True})]),
]




def template_steps(key: str, tier: str | None = None) -> list[dict]:
    """Return the steps of a shipped template's tier (the only tier, or the default one)."""
    template = json.loads((TEMPLATES / f"{key}.json").read_text(encoding="utf-8"))
    wanted = tier or template.get("default_tier") or template["tiers"][0]["key"]
    return next(t["steps"] for t in template["tiers"] if t["key"] == wanted)


def kalbar_until_service(n=0):
    """A Kalbar visit up to the end of its first service (minute 70); event numbers from n."""
    return [ev(n + 1, "registration", 0, REG, step="isi_buku_tamu", actor="guest"),
            ev(n + 2, "verification", 4, {"ok": True}, step="cocokkan_identitas"),
            ev(n + 3, "host_notified", 6, {"channel": "phone"}, step="hubungi_petugas"),
            ev(n + 4, "host_received", 8, {}),
            ev(n + 5, "admitted", 10, {"time_limit_minutes": 90}, step="terima_tamu"),
            ev(n + 6, "finished", 70, {}, step="beri_pelayanan")]


NOT_ENOUGH = {"sufficient": False, "need": "Contoh dokumen penawaran"}
WALKS = [
    ("kalbar: after the service the officer asks for feedback", "kalbar-2021", None, kalbar_until_service()),
    ("kalbar: service not sufficient goes back to the officer", "kalbar-2021", None, kalbar_until_service() + [
        ev(7, "service_feedback", 75, NOT_ENOUGH, step="tanya_feedback")]),
    ("kalbar: after the service again the feedback is asked again", "kalbar-2021", None, kalbar_until_service() + [
        ev(7, "service_feedback", 75, NOT_ENOUGH, step="tanya_feedback"),
        ev(8, "finished", 95, {}, step="beri_pelayanan")]),
    ("kalbar: sufficient feedback after a second round continues at its goto", "kalbar-2021", None,
     kalbar_until_service() + [
        ev(7, "service_feedback", 75, NOT_ENOUGH, step="tanya_feedback"),
        ev(8, "finished", 95, {}, step="beri_pelayanan"),
        ev(9, "service_feedback", 97, {"sufficient": True}, step="tanya_feedback")]),
    ("kalbar: two insufficient rounds, back at the officer", "kalbar-2021", None, kalbar_until_service() + [
        ev(7, "service_feedback", 75, NOT_ENOUGH, step="tanya_feedback"),
        ev(8, "finished", 95, {}, step="beri_pelayanan"),
        ev(9, "service_feedback", 97, NOT_ENOUGH, step="tanya_feedback")]),
    ("kalbar: a fast tablet clock does not reorder the rounds", "kalbar-2021", None, kalbar_until_service() + [
        ev(7, "service_feedback", 78, NOT_ENOUGH, step="tanya_feedback", offset_ms=180_000),
        ev(8, "finished", 76, {}, step="beri_pelayanan")]),
    ("kalbar: checked out after a loop, nothing left", "kalbar-2021", None, kalbar_until_service() + [
        ev(7, "service_feedback", 75, NOT_ENOUGH, step="tanya_feedback"),
        ev(8, "finished", 95, {}, step="beri_pelayanan"),
        ev(9, "service_feedback", 97, {"sufficient": True}, step="tanya_feedback"),
        ev(10, "checked_out", 99, {}, step="hubungi_helpdesk")]),
    ("kalbar: a failed check asks for the correction", "kalbar-2021", None, [
        ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest"),
        ev(2, "verification", 4, {"ok": False, "fields": ["name"]}, step="cocokkan_identitas")]),
    ("kalbar: after the correction the officer is contacted", "kalbar-2021", None, [
        ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest"),
        ev(2, "verification", 4, {"ok": False, "fields": ["name"]}, step="cocokkan_identitas"),
        ev(3, "correction", 7, {"fields": {"name": "Siti Aminah, S.E."}}, step="perbaiki_identitas")]),
    ("kalbar: a second failed check asks for a correction again", "kalbar-2021", None, [
        ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest"),
        ev(2, "verification", 4, {"ok": False, "fields": ["name"]}, step="cocokkan_identitas"),
        ev(3, "correction", 7, {"fields": {"name": "Siti Aminah, S.E."}}, step="perbaiki_identitas"),
        ev(4, "verification", 9, {"ok": False, "fields": ["address"]}, step="cocokkan_identitas")]),
    ("kalbar: registration only", "kalbar-2021", None, [
        ev(1, "registration", 0, REG, step="isi_buku_tamu", actor="guest")]),
    ("tanjabbar pimpinan: refused at the metal detector, the card comes back", "tanjabbar-2017", "pimpinan", [
        ev(1, "card_issued", 0, {"card_number": "T-01", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "waiting", 2, {}, step="arahkan_ruang_tunggu"),
        ev(3, "locker", 9, {"locker_number": "4"}, step="simpan_barang_loker"),
        ev(4, "screening", 11, {"result": "refused"}, step="pemeriksaan_metal_detektor")]),
    ("tanjabbar pimpinan: cleared at the metal detector, shown in", "tanjabbar-2017", "pimpinan", [
        ev(1, "card_issued", 0, {"card_number": "T-01", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "waiting", 2, {}, step="arahkan_ruang_tunggu"),
        ev(3, "locker", 9, {"locker_number": "4"}, step="simpan_barang_loker"),
        ev(4, "screening", 11, {"result": "clear"}, step="pemeriksaan_metal_detektor")]),
    ("tanjabbar pimpinan: host unavailable at the desk ends the walk", "tanjabbar-2017", "pimpinan", [
        ev(1, "registration", 0, REG),
        ev(2, "host_unavailable", 2, {"reason": "Bapak Bupati sedang dinas luar"}, step="sambut_dan_registrasi")]),
    ("tanjabbar pimpinan: host unavailable after the waiting room ends the walk", "tanjabbar-2017", "pimpinan", [
        ev(1, "card_issued", 0, {"card_number": "T-01", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "waiting", 2, {}, step="arahkan_ruang_tunggu"),
        ev(3, "host_unavailable", 6, {"reason": "Rapat mendadak"}, step="simpan_barang_loker")]),
    ("tanjabbar pimpinan: refused, card returned, nothing left", "tanjabbar-2017", "pimpinan", [
        ev(1, "card_issued", 0, {"card_number": "T-01", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "waiting", 2, {}, step="arahkan_ruang_tunggu"),
        ev(3, "locker", 9, {"locker_number": "4"}, step="simpan_barang_loker"),
        ev(4, "screening", 11, {"result": "refused"}, step="pemeriksaan_metal_detektor"),
        ev(5, "checked_out", 13, {}, step="kembalikan_kartu")]),
    ("tanjabbar pimpinan: no bags, the locker skipped, the metal detector next", "tanjabbar-2017", "pimpinan", [
        ev(1, "card_issued", 0, {"card_number": "T-01", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "waiting", 2, {}, step="arahkan_ruang_tunggu"),
        ev(3, "step_skipped", 3, {}, step="simpan_barang_loker")]),
    ("tanjabbar eselon 4: cancelled, nothing left", "tanjabbar-2017", "eselon_4_asn", [
        ev(1, "card_issued", 0, {"card_number": "T-02", "ktp_held": True}, step="sambut_dan_registrasi"),
        ev(2, "cancelled", 3, {"reason": "Tamu tidak jadi"})]),
    ("kaltim: host unavailable when taken to the service", "kaltim-2022", None, [
        ev(1, "arrived", 0, {}, step="terima_di_lobby"),
        ev(2, "registration", 2, REG, step="isi_daftar_hadir", actor="guest"),
        ev(3, "host_unavailable", 4, {"reason": "Petugas sedang cuti"}, step="antar_ke_layanan")]),
    ("kaltim: arrived at the lobby, the guest book is next", "kaltim-2022", None, [
        ev(1, "arrived", 0, {"queue_number": "B-004"}, step="terima_di_lobby")]),
    ("kaltim: survey done and the guest left", "kaltim-2022", None, [
        ev(1, "arrived", 0, {}, step="terima_di_lobby"),
        ev(2, "registration", 2, REG, step="isi_daftar_hadir", actor="guest"),
        ev(3, "admitted", 4, {}, step="antar_ke_layanan"),
        ev(4, "finished", 30, {}, step="terima_layanan"),
        ev(5, "step_done", 33, {}, step="isi_skm"),
        ev(6, "checked_out", 34, {})]),
    ("kaltim: left before the survey", "kaltim-2022", None, [
        ev(1, "registration", 2, REG, step="isi_daftar_hadir", actor="guest"),
        ev(2, "admitted", 4, {}, step="antar_ke_layanan"),
        ev(3, "finished", 30, {}, step="terima_layanan"),
        ev(4, "checked_out", 31, {})]),
    ("kaltim: served, the survey step is next", "kaltim-2022", None, [
        ev(1, "step_done", 0, {}, step="terima_di_lobby"),
        ev(2, "registration", 2, REG, step="isi_daftar_hadir", actor="guest"),
        ev(3, "admitted", 4, {}, step="antar_ke_layanan"),
        ev(4, "finished", 30, {}, step="terima_layanan")]),
]


def checkin(visit_n, minutes, ms=0):
    """A visit that checked in with the appointment: its id and registration (corrected) time."""
    at = None if minutes is None else format_time(T0 + timedelta(minutes=minutes, milliseconds=ms))
    return {"visit_id": f"7e1d0c3b-0000-4000-8000-{visit_n:012d}", "registered_at": at}


# Several visits checking in one appointment (tablets offline): which one keeps it.
CHECKINS = [
    ("none", []),
    ("one", [checkin(5, 3)]),
    ("earliest registration keeps it", [checkin(1, 9), checkin(2, 4), checkin(3, 7)]),
    ("a millisecond decides", [checkin(9, 4, ms=1), checkin(8, 4, ms=2)]),
    ("a tie goes to the smaller visit id", [checkin(4, 5), checkin(2, 5), checkin(3, 5)]),
    ("the same check-in twice counts once", [checkin(6, 2), checkin(6, 2), checkin(7, 8)]),
    ("a visit without a registration time comes last", [checkin(1, None), checkin(2, 30)]),
    ("only visits without a registration time: the smaller id", [checkin(3, None), checkin(2, None)]),
]


def main() -> None:
    here = Path(__file__).resolve().parent
    cases = [{"name": name, "events": events, "expected": derive_visit(events)} for name, events in CASES]
    (here / "derive.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    walks = [{"name": name, "template": key, "tier": tier, "events": events,
              "expected": walk_steps(template_steps(key, tier), derive_visit(events))}
             for name, key, tier, events in WALKS]
    (here / "walk.json").write_text(json.dumps(walks, indent=1, ensure_ascii=False) + "\n")
    checkins = [{"name": name, "checkins": given, "expected": first_checkin(given)} for name, given in CHECKINS]
    (here / "first_checkin.json").write_text(json.dumps(checkins, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} derive cases, {len(walks)} walk cases and {len(checkins)} check-in cases to {here}")


if __name__ == "__main__":
    main()
