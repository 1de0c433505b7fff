"""How long each SOP step of a visit took, worked out from its events."""
from datetime import datetime, timedelta, timezone

import pytest

from server import sop

T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def ev(kind, minute, step=None, **extra):
    return {"kind": kind, "step": step, "corrected_time": at(minute), **extra}


@pytest.fixture
def kalbar():
    return sop.steps_for(sop.get_template("kalbar-2021"))


@pytest.fixture
def tanjab():
    return sop.get_template("tanjabbar-2017")


def test_each_step_runs_from_the_previous_completion(kalbar):
    events = [
        ev("registration", 0, "isi_buku_tamu", payload={"consent_at": at(-12)}),
        ev("verification", 9, "cocokkan_identitas", payload={"ok": True}),
        ev("host_notified", 13, "hubungi_petugas"),
        ev("admitted", 20, "terima_tamu"),
        ev("finished", 70, "beri_pelayanan"),
        ev("service_feedback", 74, "tanya_feedback", payload={"sufficient": True}),
        ev("checked_out", 77.5, "hubungi_helpdesk"),
    ]
    assert sop.step_durations(kalbar, events) == {
        "isi_buku_tamu": 12.0, "cocokkan_identitas": 9.0, "hubungi_petugas": 4.0, "terima_tamu": 7.0,
        "beri_pelayanan": 50.0, "tanya_feedback": 4.0, "hubungi_helpdesk": 3.5}
    assert sop.late_steps(kalbar, sop.step_durations(kalbar, events)) == ["terima_tamu"]


def test_events_in_any_order_give_the_same_durations(kalbar):
    events = [ev("registration", 0, "isi_buku_tamu"), ev("verification", 9, "cocokkan_identitas"),
              ev("host_notified", 13, "hubungi_petugas"), ev("admitted", 20, "terima_tamu")]
    assert sop.step_durations(kalbar, list(reversed(events))) == sop.step_durations(kalbar, events)
    # Without a consent time the visit's start is unknown: the first step is not measured.
    assert "isi_buku_tamu" not in sop.step_durations(kalbar, events)
    assert sop.step_durations(kalbar, events)["cocokkan_identitas"] == 9.0


def test_a_correction_is_timed_as_its_own_step(kalbar):
    events = [ev("registration", 0, "isi_buku_tamu"), ev("verification", 5, "cocokkan_identitas", payload={"ok": False}),
              ev("correction", 11, "perbaiki_identitas"), ev("host_notified", 14, "hubungi_petugas")]
    durations = sop.step_durations(kalbar, events)
    assert durations["perbaiki_identitas"] == 6.0 and durations["hubungi_petugas"] == 3.0


def test_a_loop_back_adds_up_the_time_of_each_round(kalbar):
    events = [ev("admitted", 0, "terima_tamu"),
              ev("finished", 40, "beri_pelayanan"),
              ev("service_feedback", 45, "tanya_feedback", payload={"sufficient": False}),
              ev("finished", 60, "beri_pelayanan"),
              ev("service_feedback", 62, "tanya_feedback", payload={"sufficient": True})]
    durations = sop.step_durations(kalbar, events)
    assert durations["beri_pelayanan"] == 55.0  # 40 + 15
    assert durations["tanya_feedback"] == 7.0  # 5 + 2


def test_only_events_naming_a_step_complete_it(tanjab):
    steps = sop.steps_for(tanjab, "pimpinan")
    events = [ev("registration", 0), ev("host_notified", 1), ev("card_issued", 4, "sambut_dan_registrasi"),
              ev("waiting", 5, "arahkan_ruang_tunggu"), ev("locker", 12, "simpan_barang_loker"),
              ev("screening", 16, "pemeriksaan_metal_detektor", payload={"result": "clear"}),
              ev("admitted", 17), ev("finished", 29, "menghadap"), ev("checked_out", 31, "kembalikan_kartu")]
    # The first step runs from the first event (the registration at minute 0).
    assert sop.step_durations(steps, events) == {
        "sambut_dan_registrasi": 4.0, "arahkan_ruang_tunggu": 1.0, "simpan_barang_loker": 7.0,
        "pemeriksaan_metal_detektor": 4.0, "menghadap": 13.0, "kembalikan_kartu": 2.0}


def test_steps_not_yet_done_are_absent_and_other_events_do_not_stop_the_clock(tanjab):
    steps = sop.steps_for(tanjab, "eselon_4_asn")
    events = [ev("card_issued", 0, "sambut_dan_registrasi"), ev("host_received", 1),
              ev("waiting", 3, "arahkan_ruang_tunggu")]
    assert sop.step_durations(steps, events) == {"arahkan_ruang_tunggu": 3.0}
    # An event of a step's kind without the step key completes nothing.
    assert sop.step_durations(steps, events + [ev("locker", 9)]) == {"arahkan_ruang_tunggu": 3.0}


def test_step_done_events_complete_the_named_step():
    steps = sop.steps_for(sop.get_template("kaltim-2022"))
    events = [ev("step_done", 0, "terima_di_lobby"), ev("registration", 3, "isi_daftar_hadir"),
              ev("admitted", 5, "antar_ke_layanan"), ev("finished", 30, "terima_layanan"),
              ev("step_done", 31, "isi_skm")]
    assert sop.step_durations(steps, events) == {
        "isi_daftar_hadir": 3.0, "antar_ke_layanan": 2.0, "terima_layanan": 25.0,
        "isi_skm": 1.0}


def test_clock_offset_is_applied_to_the_consent_time(kalbar):
    # The tablet clock ran 2 minutes fast: consent at device 08:00 is 07:58 on the server clock.
    events = [ev("registration", 0, "isi_buku_tamu", clock_offset_ms=120_000, payload={"consent_at": at(-8)})]
    assert sop.step_durations(kalbar, events) == {"isi_buku_tamu": 10.0}


def test_no_events_no_durations(kalbar):
    assert sop.step_durations(kalbar, []) == {}


def test_rows_with_attributes_work_like_dicts(kalbar):
    class Row:
        def __init__(self, kind, step, minute):
            self.kind, self.step, self.corrected_time = kind, step, T0 + timedelta(minutes=minute)
            self.payload, self.clock_offset_ms = {}, 0

    rows = [Row("registration", "isi_buku_tamu", 0), Row("verification", "cocokkan_identitas", 6)]
    assert sop.step_durations(kalbar, rows) == {"cocokkan_identitas": 6.0}


def test_protocol_shaped_events_are_timed_by_device_time_minus_offset(kalbar):
    # The tablet clock ran 30 s fast; the events say so and are timed on the server clock.
    events = [{"kind": "registration", "step": "isi_buku_tamu", "device_time": at(0.5), "clock_offset_ms": 30_000,
               "payload": {"consent_at": at(-9.5)}},
              {"kind": "verification", "step": "cocokkan_identitas", "device_time": at(7.5), "clock_offset_ms": 30_000}]
    assert sop.step_durations(kalbar, events) == {"isi_buku_tamu": 10.0, "cocokkan_identitas": 7.0}


def test_a_skipped_step_or_the_step_where_the_visit_ended_is_not_timed(tanjab):
    """No bags (one tap) or a polite refusal at the locker step is no late locker step; the
    next step still runs from it."""
    tanjab = sop.steps_for(tanjab, "pimpinan")
    skipped = [ev("card_issued", 2, "sambut_dan_registrasi"), ev("waiting", 5, "arahkan_ruang_tunggu"),
               ev("step_skipped", 30, "simpan_barang_loker"), ev("screening", 33, "pemeriksaan_metal_detektor")]
    assert sop.step_durations(tanjab, skipped) == {"arahkan_ruang_tunggu": 3.0, "pemeriksaan_metal_detektor": 3.0}
    refused = skipped[:2] + [ev("host_unavailable", 40, "simpan_barang_loker")]
    assert sop.step_durations(tanjab, refused) == {"arahkan_ruang_tunggu": 3.0}
    cancelled = skipped[:2] + [ev("cancelled", 40, "simpan_barang_loker")]
    assert sop.step_durations(tanjab, cancelled) == {"arahkan_ruang_tunggu": 3.0}
