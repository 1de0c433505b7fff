"""Walking one demo visit through its office's SOP, as protocol events, and its SKM answer."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import sop
from ..models import Device, Host
from .common import CONSENT_VERSION, iso, new_uuid
from .offices import Ctx
from .people import AGE_BANDS, EDUCATION, OCCUPATION, Guest, make_guest, typo

UNAVAILABLE_REASONS = [
    "Pejabat yang dituju sedang rapat di luar kantor. Mohon maaf, silakan kembali esok hari.",
    "Pejabat yang dituju sedang dinas luar daerah. Surat/berkas dapat dititipkan kepada agendaris.",
    "Petugas layanan sedang cuti. Mohon maaf, layanan dapat dilayani oleh petugas lain esok hari.",
    "Pejabat yang dituju sedang menerima tamu lain dan jadwal hari ini sudah penuh.",
]


CANCEL_REASONS = [
    "Tamu membatalkan kunjungan karena ada keperluan mendesak.",
    "Tamu tidak bersedia menunggu lebih lama.",
    "Tamu salah alamat kantor; diarahkan ke instansi yang tepat.",
    "Berkas tamu belum lengkap; diminta kembali dengan dokumen asli.",
]


SARAN = [
    "Pelayanan sudah baik, pertahankan.",
    "Mohon ruang tunggu diberi pendingin ruangan yang lebih sejuk.",
    "Nomor antrean sebaiknya ditampilkan di layar agar lebih jelas.",
    "Petugas ramah dan membantu, terima kasih.",
    "Tempat parkir tamu masih sempit.",
    "Persyaratan layanan sebaiknya diumumkan di situs web kantor.",
    "Waktu tunggu untuk bertemu pejabat terlalu lama.",
    "Sediakan air minum di ruang tunggu.",
    "Mohon disediakan nomor WhatsApp untuk pengaduan.",
    "Pengisian buku tamu di tablet cepat dan mudah.",
    "Toilet tamu perlu lebih dijaga kebersihannya.",
    "Jam layanan saat istirahat siang agar diperjelas.",
    "Petugas sangat memahami aturan dan menjelaskan dengan sabar.",
    "Perlu papan petunjuk arah ke ruang layanan.",
]


@dataclass
class Plan:
    visit_id: str
    device: Device
    events: list[dict]  # protocol events without id/seq/device_time yet: kind, step, at, actor, payload
    guest: Guest | None = None
    survey: dict | None = None


def _minutes(rng: random.Random, standard: int, profile: dict, late_bias: float = 0.0) -> float:
    """Return how long a step took: around its standard minutes, sometimes late."""
    if rng.random() < profile["late"] + late_bias:
        factor = rng.uniform(1.05, 2.4)
    else:
        factor = rng.triangular(0.4, 1.0, profile["pace"])
    return max(0.25, standard * factor)


def plan_visit(rng: random.Random, ctx: Ctx, start: datetime, *, on_site_until: datetime | None = None) -> Plan:
    """Return the events of one visit that starts (the guest opens the form) at `start`.

    With `on_site_until`, the walk stops before that time: the guest is still on site.
    """
    profile, office = ctx.profile, ctx.office
    device = ctx.devices[1] if len(ctx.devices) > 1 and rng.random() < profile["device_b"] else ctx.devices[0]
    guest = make_guest(rng, office.code, start.date())
    service, host_index, purposes = rng.choice(ctx.services)
    tiered = ctx.template["tiered"]
    host = ctx.hosts[host_index]
    if tiered:
        # Who the guest comes to see decides the SOP tier.
        roll = rng.random()
        pool = [h for h in ctx.hosts if h.tier == ("pimpinan" if roll < 0.22 else
                                                    "eselon_2_3" if roll < 0.62 else "eselon_4_asn")]
        host = rng.choice(pool)
        # The host's own service, or one served at the same level (a leader gets an audience).
        index = ctx.hosts.index(host)
        service, _, purposes = rng.choice(
            [s for s in ctx.services if s[1] == index]
            or [s for s in ctx.services if ctx.hosts[s[1]].tier == host.tier] or ctx.services)
    elif rng.random() < 0.15:
        host = rng.choice(ctx.hosts)
    steps = sop.steps_for(ctx.template, host.tier)
    std = {s["key"]: s["minutes"] for s in steps if s["minutes"] is not None}
    desk, guard = f"staff:{ctx.desk_staff}", f"staff:{ctx.guard_staff}"
    registration = {
        "queue_number": "", "id_type": guest.id_type, "id_number": guest.id_number, "name": guest.name,
        "phone": guest.phone, "institution": guest.institution, "address": guest.address,
        "purpose": rng.choice(purposes), "host_id": host.id, "service_id": service.id,
        "consent_version": CONSENT_VERSION, "consent_at": None,
    }
    events: list[dict] = []
    clock = start

    def add(kind, step=None, actor=desk, payload=None, after=0.0):
        nonlocal clock
        # A timed step lasts what `took` says; other events come a few seconds apart.
        clock = clock + timedelta(minutes=after, seconds=0 if step else rng.randint(5, 40))
        events.append({"kind": kind, "step": step, "at": clock, "actor": actor, "payload": payload or {}})

    def took(step_key, late_bias=0.0):
        return _minutes(rng, std[step_key], profile, late_bias)

    outcome = rng.random()
    cancelled = outcome < 0.03
    # Today, a host marked away is away; on other days any host may have been.
    unavailable = 0.03 <= outcome < 0.09 or (on_site_until is not None and not host.available)
    key = ctx.template["key"]
    if key == "kalbar-2021":
        registration["consent_at"] = iso(start)
        add("registration", "isi_buku_tamu", "guest", registration, took("isi_buku_tamu"))
        if rng.random() < 0.07:
            wrong = rng.choice(["name", "address"])
            registration[wrong] = typo(rng, registration[wrong])
            add("verification", "cocokkan_identitas", desk, {"ok": False, "fields": [wrong]},
                took("cocokkan_identitas"))
            add("correction", "perbaiki_identitas", "guest",
                {"fields": {wrong: guest.name if wrong == "name" else guest.address}}, took("perbaiki_identitas"))
        else:
            add("verification", "cocokkan_identitas", desk, {"ok": True}, took("cocokkan_identitas"))
        if cancelled:
            add("cancelled", None, desk, {"reason": rng.choice(CANCEL_REASONS)}, rng.uniform(2, 15))
        else:
            add("host_notified", "hubungi_petugas", desk, {"channel": rng.choice(["app", "phone"])},
                took("hubungi_petugas"))
            if unavailable:
                add("host_unavailable", None, desk, {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)},
                    rng.uniform(2, 8))
                add("checked_out", None, desk, {}, rng.uniform(1, 4))
            else:
                add("admitted", "terima_tamu", desk, {"time_limit_minutes": office.visit_time_limit},
                    took("terima_tamu"))
                add("finished", "beri_pelayanan", desk, {}, took("beri_pelayanan", 0.05))
                if rng.random() < 0.06:
                    add("service_feedback", "tanya_feedback", desk,
                        {"sufficient": False, "need": "Masih perlu penjelasan tambahan tentang dokumen yang harus dilengkapi."},
                        took("tanya_feedback"))
                    add("finished", "beri_pelayanan", desk, {}, rng.uniform(8, 25))
                add("service_feedback", "tanya_feedback", desk, {"sufficient": True}, took("tanya_feedback"))
                add("checked_out", "hubungi_helpdesk", desk, {}, took("hubungi_helpdesk"))
    elif key == "kaltim-2022":
        add("step_done", "terima_di_lobby", guard, {}, took("terima_di_lobby"))
        registration["consent_at"] = iso(clock + timedelta(seconds=20))
        add("registration", "isi_daftar_hadir", "guest", registration, took("isi_daftar_hadir"))
        if cancelled:
            add("cancelled", None, guard, {"reason": rng.choice(CANCEL_REASONS)}, rng.uniform(2, 15))
        elif unavailable:
            add("host_unavailable", "antar_ke_layanan", guard,
                {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)}, rng.uniform(1, 5))
            add("checked_out", None, guard, {}, rng.uniform(1, 3))
        else:
            add("admitted", "antar_ke_layanan", guard, {"time_limit_minutes": office.visit_time_limit},
                took("antar_ke_layanan"))
            add("finished", "terima_layanan", desk, {}, took("terima_layanan"))
            if rng.random() < profile["survey_rate"]:
                add("step_done", "isi_skm", "guest", {}, took("isi_skm"))
            add("checked_out", None, guard, {}, rng.uniform(1, 4))
    else:  # tanjabbar-2017: the tier's steps
        registration["consent_at"] = iso(start + timedelta(seconds=30))
        add("host_notified", None, desk, {"channel": "aiphone"}, 0.5)
        add("registration", None, "guest", registration, rng.uniform(0.5, 1.5))
        if unavailable:
            # The polite refusal at the desk (Perbup 75/2017 step 1's branch), before any card.
            add("host_unavailable", "sambut_dan_registrasi", desk,
                {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)}, rng.uniform(0.5, 3))
            add("checked_out", None, desk, {}, rng.uniform(0.5, 2))
        else:
            wait_bias = 0.2 if host.tier == "pimpinan" else 0.0
            card = {"card_number": f"T-{rng.randint(1, 40):02d}", "ktp_held": guest.id_type != "other"}
            add("card_issued", "sambut_dan_registrasi", desk, card, max(0.2, took("sambut_dan_registrasi") - 1.8))
            add("waiting", "arahkan_ruang_tunggu", guard, {}, took("arahkan_ruang_tunggu"))
            add("locker", "simpan_barang_loker", guard, {"locker_number": f"L-{rng.randint(1, 24):02d}"},
                took("simpan_barang_loker", wait_bias))
            if cancelled:
                # The desk gives back what it held before the visit is cancelled.
                add("returned", None, desk, {"items": ["card", "id_document", "locker"]}, rng.uniform(5, 30))
                add("cancelled", None, desk, {"reason": rng.choice(CANCEL_REASONS)}, 0.2)
            else:
                refused = False
                if "pemeriksaan_metal_detektor" in std:
                    refused = rng.random() < 0.01
                    add("screening", "pemeriksaan_metal_detektor", guard,
                        {"result": "refused" if refused else "clear"}, took("pemeriksaan_metal_detektor"))
                if refused:
                    add("checked_out", "kembalikan_kartu", guard,
                        {"card_returned": True, "ktp_returned": True, "locker_returned": True}, rng.uniform(1, 3))
                else:
                    meet = "menghadap" if "menghadap" in std else "bertemu"
                    gap = rng.uniform(0.3, 1.5)
                    add("admitted", None, desk, {"time_limit_minutes": office.visit_time_limit}, gap)
                    add("finished", meet, desk, {}, max(1.0, took(meet) - gap))
                    add("checked_out", "kembalikan_kartu", guard,
                        {"card_returned": True, "ktp_returned": True, "locker_returned": True},
                        took("kembalikan_kartu"))
    if on_site_until is not None:
        events = [e for e in events if e["at"] < on_site_until and e["kind"] not in ("checked_out", "cancelled", "returned")]
    return Plan(visit_id=new_uuid(rng), device=device, events=events, guest=guest)


def plan_survey(rng: random.Random, ctx: Ctx, when: datetime, visit_id: str | None, month_back: int,
                service_id: int | None, host_id: int | None, source: str = "kiosk",
                guest: Guest | None = None) -> dict:
    """Return one SKM response shaped by the office's quality profile (and the guest's profile)."""
    profile = ctx.profile
    answers = {}
    for key, mean in profile["means"].items():
        mean = mean - profile["drift"] * month_back
        low = int(mean)
        value = low + (1 if rng.random() < mean - low else 0)
        roll = rng.random()
        if roll < 0.08:
            value -= 1
        elif roll < 0.12:
            value += 1
        answers[key] = min(4, max(1, value)) if rng.random() > 0.015 else None
    if all(v is None for v in answers.values()):
        answers["biaya"] = 4
    age_band = rng.choices(AGE_BANDS, weights=[3, 22, 30, 25, 16, 7])[0][0]
    female = rng.random() < 0.42
    if guest is not None:
        age = when.year - guest.birth.year - ((when.month, when.day) < (guest.birth.month, guest.birth.day))
        age_band = next(band for band, low, high in AGE_BANDS if low <= age <= high)
        female = guest.female
    return {
        "id": new_uuid(rng), "visit_id": visit_id, "submitted_at": iso(when), "source": source,
        "answers": answers,
        "profile": {"gender": "P" if female else "L", "age_band": age_band,
                    "education": rng.choice(EDUCATION), "occupation": rng.choice(OCCUPATION)},
        "service_id": service_id, "host_id": host_id,
        "saran": rng.choice(SARAN) if rng.random() < 0.25 else "",
    }


def attach_survey(rng: random.Random, ctx: Ctx, plan: Plan) -> None:
    """Give a finished visit its SKM response, as the guest answers on the kiosk."""
    if not any(e["kind"] == "finished" for e in plan.events):
        return
    if ctx.template["survey"]:
        # The SOP ends with the SKM: the guests who did that step answered it.
        skm = next((e for e in plan.events if e["step"] == "isi_skm"), None)
        if skm is None:
            return
        when = skm["at"]
    else:
        if rng.random() >= ctx.profile["survey_rate"]:
            return
        finished = next(e["at"] for e in reversed(plan.events) if e["kind"] == "finished")
        when = finished + timedelta(minutes=rng.uniform(1, 6))
    reg = next(e for e in plan.events if e["kind"] == "registration")["payload"]
    plan.survey = plan_survey(rng, ctx, when, plan.visit_id, 0, reg["service_id"], reg["host_id"],
                              guest=plan.guest)


def waiting_for(rng: random.Random, ctx: Ctx, start: datetime, host: Host) -> Plan:
    """Return a visit registered for `host` whose host has been told and not yet answered."""
    guest = make_guest(rng, ctx.office.code, start.date())
    index = ctx.hosts.index(host)
    service, _, purposes = next((s for s in ctx.services if s[1] == index), ctx.services[0])
    registration = {"queue_number": "", "id_type": guest.id_type, "id_number": guest.id_number,
                    "name": guest.name, "phone": guest.phone, "institution": guest.institution,
                    "address": guest.address, "purpose": rng.choice(purposes), "host_id": host.id,
                    "service_id": service.id, "consent_version": CONSENT_VERSION,
                    "consent_at": iso(start)}
    desk, guard = f"staff:{ctx.desk_staff}", f"staff:{ctx.guard_staff}"

    def at(minutes):
        return start + timedelta(minutes=minutes)

    key = ctx.template["key"]
    if key == "kalbar-2021":
        events = [("registration", "isi_buku_tamu", "guest", registration, at(9)),
                  ("verification", "cocokkan_identitas", desk, {"ok": True}, at(14)),
                  ("host_notified", "hubungi_petugas", desk, {"channel": "app"}, at(16))]
    elif key == "kaltim-2022":
        registration["consent_at"] = iso(at(2))
        events = [("step_done", "terima_di_lobby", guard, {}, at(1.5)),
                  ("registration", "isi_daftar_hadir", "guest", registration, at(3.5)),
                  ("host_notified", None, guard, {"channel": "app"}, at(4))]
    else:
        events = [("host_notified", None, desk, {"channel": "app"}, at(0.5)),
                  ("registration", None, "guest", registration, at(1.7))]
    return Plan(visit_id=new_uuid(rng), device=ctx.devices[0],
                events=[{"kind": k, "step": st, "actor": a, "payload": p, "at": t} for k, st, a, p, t in events])
