"""The demo offices, their people and a realistic month of visits, on the real database."""
from collections import Counter, defaultdict
from datetime import date, time
from statistics import median

import pytest
from sqlalchemy import func, select

from server import sop
from server.api.operations import load_events
from server.demo import DEMO_PASSWORD, DEMO_PIN, STAFF, DemoError, load_demo
from server.models import ELEMENT_KEYS, Device, Host, Office, Service, StaffUser, SurveyResponse, Visit, VisitEvent
from sync.rules import derive_visit

from .conftest import TODAY, custody_overlaps

PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64,
             65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
FINAL = ("checked_out", "cancelled", "refused")


def nik_problems(nik: str) -> list[str]:
    """Return what is wrong with a NIK per shared/reference/nik-and-privacy.md."""
    problems = []
    if len(nik) != 16 or not nik.isdigit():
        return ["not 16 digits"]
    if int(nik[:2]) not in PROVINCES:
        problems.append("unknown province")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    try:
        date(1900 + year if year > 30 else 2000 + year, month, day)
    except ValueError:
        problems.append("no such birth date")
    if nik[12:] == "0000":
        problems.append("serial 0000")
    return problems


def offices(db):
    return {o.code: o for o in db.session.scalars(select(Office))}


def visits_of(db, office):
    return list(db.session.scalars(select(Visit).where(Visit.office_id == office.id)))


def test_three_offices_with_their_sop_templates(demo_ctx):
    found = offices(demo_ctx)
    assert set(found) == {"KALBAR-BPBJ", "KALTIM-DP2KUKM", "TANJABBAR-SETDA"}
    kalbar, kaltim, tanjab = found["KALBAR-BPBJ"], found["KALTIM-DP2KUKM"], found["TANJABBAR-SETDA"]
    assert (kalbar.sop_template, kalbar.timezone, kalbar.ikm_convention) == ("kalbar-2021", "Asia/Jakarta", "exact")
    assert (kaltim.sop_template, kaltim.timezone, kaltim.ikm_convention) == ("kaltim-2022", "Asia/Makassar", "0.111")
    assert (tanjab.sop_template, tanjab.timezone) == ("tanjabbar-2017", "Asia/Jakarta")
    assert "Pontianak" in kalbar.address and "Samarinda" in kaltim.address and "Kuala Tungkal" in tanjab.address
    assert kalbar.letterhead[0] == "PEMERINTAH PROVINSI KALIMANTAN BARAT"
    assert tanjab.letterhead == ["PEMERINTAH KABUPATEN TANJUNG JABUNG BARAT", "SEKRETARIAT DAERAH"]
    assert kalbar.signer_position == "Kepala Biro Pengadaan Barang/Jasa"
    for office in found.values():
        sop.resolve_template(office)  # every office's template and minutes are valid
        assert office.signer_name and office.signer_nip
    # Fictional officials, not the real ones named in the seeds.
    signers = " ".join(o.signer_name.upper() for o in found.values())
    for real in ("RAMINUDDIN", "SA'DUDDIN", "AMBOK TUO", "SAFRIAL"):
        assert real not in signers


def test_hosts_of_every_tier_with_aides_and_polite_reasons(demo_ctx):
    tanjab = offices(demo_ctx)["TANJABBAR-SETDA"]
    hosts = list(demo_ctx.session.scalars(select(Host).where(Host.office_id == tanjab.id)))
    assert {h.tier for h in hosts} == {"pimpinan", "eselon_2_3", "eselon_4_asn"}
    leaders = {h.position: h for h in hosts if h.tier == "pimpinan"}
    assert set(leaders) == {"Bupati Tanjung Jabung Barat", "Wakil Bupati Tanjung Jabung Barat"}
    assert all(h.aide_role.startswith("ADC") and h.aide_name for h in leaders.values())
    assert any(h.aide_role.startswith("Agendaris") for h in hosts if h.tier == "eselon_2_3")
    away = list(demo_ctx.session.scalars(select(Host).where(Host.available.is_(False))))
    assert len(away) >= 3 and all(len(h.unavailable_reason) > 20 for h in away)
    for office in offices(demo_ctx).values():
        services = demo_ctx.session.scalar(select(func.count()).select_from(Service).where(Service.office_id == office.id))
        devices = list(demo_ctx.session.scalars(select(Device).where(Device.office_id == office.id)))
        assert services >= 5
        assert sorted(d.letter for d in devices) == ["A", "B"]


@pytest.mark.parametrize("username,role,office_code", [
    ("admin", "central_admin", None), ("pengawas", "supervisor", None),
    ("admin.kalbar", "office_admin", "KALBAR-BPBJ"), ("admin.kaltim", "office_admin", "KALTIM-DP2KUKM"),
    ("admin.tanjabbar", "office_admin", "TANJABBAR-SETDA"),
    ("resepsionis.kalbar", "receptionist", "KALBAR-BPBJ"), ("resepsionis.kaltim", "receptionist", "KALTIM-DP2KUKM"),
    ("resepsionis.tanjabbar", "receptionist", "TANJABBAR-SETDA"), ("satpam.tanjabbar", "security", "TANJABBAR-SETDA"),
    ("satpam.kaltim", "security", "KALTIM-DP2KUKM"), ("ajudan.bupati", "host", "TANJABBAR-SETDA"),
])
def test_staff_accounts_have_their_roles(demo_ctx, username, role, office_code):
    user = demo_ctx.session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user.role == role
    assert (user.office.code if user.office else None) == office_code
    assert user.check_password(DEMO_PASSWORD)
    if office_code:
        assert user.check_pin(DEMO_PIN) and not user.check_pin("1357")


def test_host_account_answers_for_the_bupati(demo_ctx):
    user = demo_ctx.session.scalar(select(StaffUser).where(StaffUser.username == "ajudan.bupati"))
    assert user.host.position == "Bupati Tanjung Jabung Barat"


def test_every_demo_account_logs_in_through_the_login_form(app, demo):
    client = app.test_client()
    for username, *_ in STAFF:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/logout")
    response = client.post("/login", data={"username": "admin", "password": "wrong-password"})
    assert response.status_code == 401


def test_a_few_hundred_visits_per_office_each_derived_from_its_events(demo_ctx):
    for office in offices(demo_ctx).values():
        visits = visits_of(demo_ctx, office)
        october = [v for v in visits if office.local(v.consent_at).month == 10]
        assert 150 <= len(october) <= 450, office.code
        counts = dict(demo_ctx.session.execute(select(VisitEvent.visit_id, func.count()).where(
            VisitEvent.office_id == office.id).group_by(VisitEvent.visit_id)).all())
        assert {v.id: v.event_count for v in visits} == counts
        sample = visits[::25]
        events = load_events([v.id for v in sample])
        for visit in sample:
            derived = derive_visit(events[visit.id])
            assert (visit.stage, visit.name, visit.queue_number, visit.host_id) == (
                derived["stage"], derived["name"], derived["queue_number"], derived["host_id"])


def test_visits_fall_on_weekdays_in_office_hours_of_last_month_and_this_month_so_far(demo_ctx):
    for office in offices(demo_ctx).values():
        days = Counter()
        for visit in visits_of(demo_ctx, office):
            started = office.local(visit.consent_at)
            days[started.date()] += 1
            if started.date() == TODAY:
                assert visit.stage not in FINAL
                continue
            assert date(2026, 10, 1) <= started.date() < TODAY, visit.id
            assert started.weekday() < 5
            assert time(7, 30) <= started.time() <= time(15, 45)
        weekdays_so_far = [date(2026, 11, d) for d in range(1, 18) if date(2026, 11, d).weekday() < 5]
        assert all(days[d] > 0 for d in weekdays_so_far)


def test_identity_numbers_are_valid_niks_mostly_from_the_office_province(demo_ctx):
    home = {"KALBAR-BPBJ": "61", "KALTIM-DP2KUKM": "64", "TANJABBAR-SETDA": "15"}
    for office in offices(demo_ctx).values():
        visits = visits_of(demo_ctx, office)
        niks = [v.id_number for v in visits if v.id_type == "ktp"]
        assert len(niks) > 0.8 * len(visits)
        assert [n for n in niks if nik_problems(n)] == []
        assert sum(n.startswith(home[office.code]) for n in niks) > 0.7 * len(niks)
        assert all(v.nik_hash for v in visits if v.id_type == "ktp")
        assert any(int(n[6:8]) > 40 for n in niks) and any(int(n[6:8]) <= 31 for n in niks)


def test_the_month_has_corrections_unavailable_hosts_and_cancellations(demo_ctx):
    for office in offices(demo_ctx).values():
        visits = visits_of(demo_ctx, office)
        assert any(v.unavailable_reason for v in visits), office.code
        assert any(v.stage == "cancelled" and v.cancel_reason for v in visits), office.code
    kalbar = visits_of(demo_ctx, offices(demo_ctx)["KALBAR-BPBJ"])
    corrected = [v for v in kalbar if v.state.get("corrected_fields")]
    assert 3 <= len(corrected) <= 0.2 * len(kalbar)
    tanjab = visits_of(demo_ctx, offices(demo_ctx)["TANJABBAR-SETDA"])
    assert Counter(v.tier for v in tanjab).keys() == {"pimpinan", "eselon_2_3", "eselon_4_asn"}
    screened = [v for v in tanjab if v.screening]
    assert screened and all(v.tier in ("pimpinan", "eselon_2_3") for v in screened)


def test_guests_are_on_site_today_and_the_bupati_has_guests_waiting(demo_ctx):
    for office in offices(demo_ctx).values():
        on_site = [v for v in visits_of(demo_ctx, office) if v.stage not in FINAL]
        assert 3 <= len(on_site) <= 6
        assert all(office.local(v.registered_at).date() == TODAY for v in on_site)
    tanjab = offices(demo_ctx)["TANJABBAR-SETDA"]
    bupati = demo_ctx.session.scalar(select(Host).where(Host.position == "Bupati Tanjung Jabung Barat"))
    waiting = [v for v in visits_of(demo_ctx, tanjab) if v.host_id == bupati.id and v.stage == "host_notified"]
    assert waiting


def test_a_card_or_locker_is_held_by_one_guest_at_a_time(demo_ctx):
    """The desk hands a guest card or a locker to one guest at a time: no two visits hold the
    same number at overlapping times (a card or key not yet given back is held until now)."""
    handed_out = 0
    for office in offices(demo_ctx).values():
        overlaps, count = custody_overlaps(demo_ctx, office)
        assert overlaps == [], office.code
        handed_out += count
    assert handed_out > 300  # TANJABBAR's cards and lockers


def test_step_times_are_measured_and_close_to_the_standard_minutes(demo_ctx):
    for office in offices(demo_ctx).values():
        template = sop.resolve_template(office)
        visits = visits_of(demo_ctx, office)
        events = load_events([v.id for v in visits])
        spent = defaultdict(list)
        standard = {}
        for visit in visits:
            steps = sop.steps_for(template, visit.tier or None)
            standard.update({(visit.tier, s["key"]): s["minutes"] for s in steps})
            for key, minutes in sop.step_durations(steps, events[visit.id]).items():
                spent[(visit.tier, key)].append(minutes)
        assert spent, office.code
        for key, values in spent.items():
            assert 0.6 * standard[key] <= median(values) <= 1.5 * standard[key], (office.code, key)
            if len(values) > 40:
                late = sum(v > standard[key] for v in values) / len(values)
                assert 0.03 <= late <= 0.4, (office.code, key, late)  # most on time, some late


def test_survey_responses_for_most_finished_visits_and_five_months_before(demo_ctx):
    for office in offices(demo_ctx).values():
        finished = [v for v in visits_of(demo_ctx, office) if v.finished_at]
        responses = list(demo_ctx.session.scalars(select(SurveyResponse).where(SurveyResponse.office_id == office.id)))
        linked = [r for r in responses if r.visit_id]
        assert 0.4 * len(finished) <= len(linked) <= 0.95 * len(finished), office.code
        months = Counter(office.local(r.submitted_at).strftime("%Y-%m") for r in responses)
        assert sorted(months) == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
        assert min(months.values()) >= 50
        assert any(r.saran for r in responses)
        assert {r.gender for r in responses} == {"L", "P"}


def _konversi(responses):
    total = 0
    for key in ELEMENT_KEYS:
        values = [getattr(r, key) for r in responses if getattr(r, key) is not None]
        total += sum(values) / len(values) / 9
    return total * 25


def test_survey_quality_differs_across_offices(demo_ctx):
    found = offices(demo_ctx)
    october = {}
    for code, office in found.items():
        responses = [r for r in demo_ctx.session.scalars(select(SurveyResponse).where(SurveyResponse.office_id == office.id))
                     if office.local(r.submitted_at).month == 10]
        october[code] = _konversi(responses)
    assert october["KALTIM-DP2KUKM"] >= 88.31  # mutu A
    assert 76.61 <= october["KALBAR-BPBJ"] < 88.31  # mutu B
    assert october["TANJABBAR-SETDA"] < october["KALBAR-BPBJ"]


def test_loading_again_is_refused_and_changes_nothing(demo_ctx):
    before = demo_ctx.session.scalar(select(func.count()).select_from(Visit))
    with pytest.raises(DemoError) as info:
        load_demo(seed=7, today=TODAY)
    assert "already has 3 office" in str(info.value)
    assert demo_ctx.session.scalar(select(func.count()).select_from(Visit)) == before
    assert demo_ctx.session.scalar(select(func.count()).select_from(Office)) == 3


def test_summary_names_no_personal_data(demo, demo_ctx):
    sample = demo_ctx.session.scalars(select(Visit).limit(20)).all()
    for visit in sample:
        assert visit.id_number not in demo and visit.name not in demo
    assert "sitamu-demo" in demo and "ajudan.bupati" in demo


def test_most_registrations_carry_a_stored_signature_image(demo_ctx):
    import io

    from PIL import Image

    from server.models import Attachment

    visits = list(demo_ctx.session.scalars(select(Visit)))
    signed = [v for v in visits if v.signature_sha]
    assert 0.9 * len(visits) <= len(signed) < len(visits)
    assert not any(v.state.get("signature_pending") for v in signed)
    blobs = {a.sha256: a for a in demo_ctx.session.scalars(select(Attachment).where(Attachment.kind == "signature"))}
    assert {v.signature_sha for v in signed} <= set(blobs)
    assert all(a.office_id == v.office_id for v in signed[:50] for a in [blobs[v.signature_sha]])
    image = Image.open(io.BytesIO(blobs[signed[0].signature_sha].data))
    assert image.format == "PNG" and image.size == (240, 90)
    assert len(set(v.signature_sha for v in signed)) == len(signed)  # everyone signs differently


def test_every_step_event_is_the_kind_its_sop_step_names(demo_ctx):
    """A step is completed by its own event kind, or left by the branch it offers (the polite
    refusal travels with the step it happened at: sync/PROTOCOL.md, "The visit lifecycle")."""
    for office in offices(demo_ctx).values():
        template = sop.resolve_template(office)
        visits = visits_of(demo_ctx, office)
        events = load_events([v.id for v in visits])
        for visit in visits:
            steps = {s["key"]: s for s in sop.steps_for(template, visit.tier or None)}
            for event in events[visit.id]:
                if event["step"]:
                    step = steps[event["step"]]
                    kinds = {step["event"]} | {b["on"]["kind"] for b in step.get("branches") or []}
                    assert event["kind"] in kinds, (office.code, event["step"])


def test_kalbar_branches_are_walked_as_the_sop_says(demo_ctx):
    office = offices(demo_ctx)["KALBAR-BPBJ"]
    visits = visits_of(demo_ctx, office)
    events = load_events([v.id for v in visits])
    corrected = looped = 0
    for visit in visits:
        walk = sorted(events[visit.id], key=lambda e: e["device_time"])
        kinds = [e["kind"] for e in walk]
        for n, event in enumerate(walk):
            if event["kind"] == "verification" and not event["payload"]["ok"]:
                assert kinds[n + 1] == "correction"
                corrected += 1
            if event["kind"] == "service_feedback" and not event["payload"]["sufficient"]:
                assert kinds[n + 1] == "finished" and walk[n + 1]["step"] == "beri_pelayanan"
                looped += 1
    assert corrected and looped


def test_a_guests_survey_profile_matches_their_nik(demo_ctx):
    checked = 0
    for response in demo_ctx.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id.is_not(None))):
        visit = demo_ctx.session.get(Visit, response.visit_id)
        if visit.id_type != "ktp":
            continue
        female = int(visit.id_number[6:8]) > 40
        assert response.gender == ("P" if female else "L")
        checked += 1
    assert checked > 100
