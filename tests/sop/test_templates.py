"""The shipped SOP templates say what their seed documents say."""
import copy
import json
import re

import pytest
from marshmallow import ValidationError

from server import sop
from server.sop.schema import EVENT_KINDS, check_template

from .conftest import normalize

KALBAR = "sop-kalbar-pengelolaan-tamu.txt"
KALTIM = "sop-kaltim-penerimaan-tamu.txt"
TANJAB = "perbup-tanjabbar-75-2017-pelayanan-tamu.txt"


def keys(steps):
    return [s["key"] for s in steps]


def minutes(steps):
    return [s["minutes"] for s in steps if s["minutes"] is not None]


def assert_row_matches(step, row):
    """The step's title, needs, output and minutes all appear in the seed's table row."""
    assert normalize(step["title"]["id"]) in normalize(row), (step["key"], row)
    for item in step["needs"] + step["produces"]:
        assert normalize(item) in normalize(row), (step["key"], item)
    if step["minutes"] is not None:
        assert re.search(rf"\b{step['minutes']}\s*menit", row, re.I), (step["key"], row)


def test_every_shipped_template_is_well_formed():
    assert sop.template_keys() == ["kalbar-2021", "kaltim-2022", "tanjabbar-2017"]
    for template in sop.list_templates():
        check_template(template)
        assert template["title"]["id"] and template["title"]["en"]
        for _, step in sop.iter_steps(template):
            assert step["event"] in EVENT_KINDS + (None,)


def test_template_files_name_their_seed_and_key():
    for path in sop.TEMPLATE_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["key"] == path.stem
    assert sop.get_template("kalbar-2021")["source"] == KALBAR
    assert sop.get_template("kaltim-2022")["source"] == KALTIM
    assert sop.get_template("tanjabbar-2017")["source"] == TANJAB


@pytest.mark.parametrize("broken,where", [
    (lambda t: t["tiers"][0]["steps"][1].update(actor="satpam"), "actor"),
    (lambda t: t["tiers"][0]["steps"][1].update(minutes=-5), "minutes"),
    (lambda t: t["tiers"][0]["steps"][1].update(minutes="15"), "minutes"),
    (lambda t: t["tiers"][0]["steps"][1].update(event="teleported"), "event"),
    (lambda t: t["tiers"][0]["steps"][1].update(no=7), "steps"),
    (lambda t: t["tiers"][0]["steps"][2]["branches"][0].update(goto="nowhere"), "branches"),
    (lambda t: t["tiers"][0]["steps"][7]["branches"][0]["on"].update(need="dokumen"), "cannot be on need"),
    (lambda t: t["tiers"][0]["steps"][0].update(minutes=3), "marker"),
    (lambda t: t["title"].pop("en"), "en"),
    (lambda t: t.update(surprise=True), "surprise"),
])
def test_a_malformed_template_is_refused_naming_the_fault(broken, where):
    template = sop.get_template("kalbar-2021")
    broken(template)
    with pytest.raises(ValidationError) as info:
        check_template(template)
    assert where in json.dumps(info.value.messages)


def test_unknown_template_is_refused():
    with pytest.raises(sop.SopError) as info:
        sop.get_template("jakarta-2030")
    assert "jakarta-2030" in str(info.value)


# --- Kalbar: SOP Pengelolaan Tamu, Setda Prov. Kalimantan Barat ---------------------------

def test_kalbar_steps_follow_the_seed_table(seed_rows):
    template = sop.get_template("kalbar-2021")
    steps = sop.steps_for(template)
    rows = seed_rows(KALBAR)
    assert [s["no"] for s in steps] == list(range(1, 11)) == sorted(rows)
    for step in steps:
        assert_row_matches(step, rows[step["no"]])
    assert keys(steps) == ["mulai", "isi_buku_tamu", "cocokkan_identitas", "perbaiki_identitas",
                           "hubungi_petugas", "terima_tamu", "beri_pelayanan", "tanya_feedback",
                           "hubungi_helpdesk", "selesai"]
    assert minutes(steps) == [15, 15, 15, 5, 5, 60, 15, 5]
    assert steps[0]["marker"] == "start" and steps[-1]["marker"] == "end"
    assert steps[1]["needs"] == ["Kartu Tanda Penduduk (KTP)"] and steps[1]["produces"] == ["Nomor Antrian"]


def test_kalbar_actors_are_the_seed_columns(seed_text):
    template = sop.get_template("kalbar-2021")
    names = [a["name"]["id"] for a in template["actors"]]
    assert names == ["Tamu", "Helpdesk", "Petugas"]
    header = next(line for line in seed_text(KALBAR).splitlines() if "| Tamu | Helpdesk | Petugas |" in line)
    assert header
    assert [s["actor"] for s in sop.steps_for(template)][1:9] == [
        "tamu", "helpdesk", "tamu", "helpdesk", "petugas", "petugas", "petugas", "petugas"]


def test_kalbar_branches_correct_data_and_loop_back_for_more_service():
    steps = {s["key"]: s for s in sop.steps_for(sop.get_template("kalbar-2021"))}
    mismatch = steps["cocokkan_identitas"]["branches"][0]
    assert mismatch["on"] == {"kind": "verification", "ok": False}
    assert mismatch["goto"] == "perbaiki_identitas" and steps["perbaiki_identitas"]["no"] == 4
    assert steps["perbaiki_identitas"]["optional"] is True
    assert steps["perbaiki_identitas"]["event"] == "correction"
    more = steps["tanya_feedback"]["branches"][0]
    assert more["on"] == {"kind": "service_feedback", "sufficient": False}
    assert more["goto"] == "beri_pelayanan" and steps["beri_pelayanan"]["no"] == 7
    away = steps["hubungi_petugas"]["branches"][0]
    assert away["on"] == {"kind": "host_unavailable"} and "sopan" in away["label"]["id"]


def test_kalbar_legal_basis_and_dates_come_from_the_seed(seed_text):
    template = sop.get_template("kalbar-2021")
    assert template["dates"] == {"made": "2021-04-12", "revised": None, "effective": "2021-05-12"}
    assert len(template["legal_basis"]) == 5
    assert "Nomor 25 Tahun 2009" in template["legal_basis"][0]
    assert template["survey"] is False


# --- Kaltim: SOP Penerimaan Tamu, Disperindagkop UKM Prov. Kalimantan Timur ---------------

def test_kaltim_steps_follow_the_seed_table(seed_rows):
    template = sop.get_template("kaltim-2022")
    steps = sop.steps_for(template)
    rows = seed_rows(KALTIM)
    assert sorted(rows) == [1, 2, 3, 4, 5]
    for step in steps:
        assert_row_matches(step, rows[step["no"]])
    assert minutes(steps) == [2, 2, 2, 20, 2]
    assert [s["actor"] for s in steps] == ["satpam", "tamu", "satpam", "petugas_layanan", "tamu"]
    assert steps[1]["needs"] == ["Kartu Identitas", "Anjungan Tamu"]
    assert template["sop_number"] == "550/1.291/SEK.UM/DP2KUKM"


def test_kaltim_ends_with_the_skm_survey():
    template = sop.get_template("kaltim-2022")
    last = sop.steps_for(template)[-1]
    assert last["survey"] is True and last["key"] == "isi_skm"
    assert last["needs"] == ["Barcode SKM"] and last["produces"] == ["Nilai IKM"]
    assert template["survey"] is True
    assert [a["name"]["id"] for a in template["actors"]] == ["Satpam", "Tamu", "Anjungan Tamu", "Petugas Layanan"]


def test_kaltim_has_a_host_unavailable_branch_where_the_officer_is_met():
    steps = sop.steps_for(sop.get_template("kaltim-2022"))
    branches = [b for s in steps for b in s.get("branches", [])]
    assert [b["on"]["kind"] for b in branches] == ["host_unavailable"]


# --- Tanjabbar: Perbup Tanjung Jabung Barat 75/2017, three tiers --------------------------

@pytest.mark.parametrize("tier,lampiran,expected_minutes", [
    ("pimpinan", "I", [3, 2, 10, 3, 10, 2]),
    ("eselon_2_3", "II", [3, 2, 10, 3, 10, 2]),
    ("eselon_4_asn", "III", [3, 2, 10, 10, 2]),
])
def test_tanjabbar_tier_follows_its_lampiran(seed_rows, tier, lampiran, expected_minutes):
    template = sop.get_template("tanjabbar-2017")
    steps = sop.steps_for(template, tier)
    rows = seed_rows(TANJAB, lampiran)
    assert sorted(rows) == [s["no"] for s in steps]
    for step in steps:
        assert_row_matches(step, rows[step["no"]])
    assert minutes(steps) == expected_minutes
    tier_data = next(t for t in template["tiers"] if t["key"] == tier)
    assert tier_data["source_section"] == f"Lampiran {lampiran}"


def test_tanjabbar_screening_only_for_pimpinan_and_eselon_2_3():
    template = sop.get_template("tanjabbar-2017")
    kinds = {t: [s["event"] for s in sop.steps_for(template, t)] for t in ("pimpinan", "eselon_2_3", "eselon_4_asn")}
    assert "screening" in kinds["pimpinan"] and "screening" in kinds["eselon_2_3"]
    assert "screening" not in kinds["eselon_4_asn"]
    assert kinds["pimpinan"] == ["card_issued", "waiting", "locker", "screening", "finished", "checked_out"]


def test_tanjabbar_actors_per_tier():
    template = sop.get_template("tanjabbar-2017")
    names = {a["key"]: a["name"]["id"] for a in template["actors"]}
    tiers = {t["key"]: [names[a] for a in t["actors"]] for t in template["tiers"]}
    assert tiers["pimpinan"][-1] == "ADC Pimpinan"
    assert tiers["eselon_2_3"][-1] == "Adc/Agendaris/Bagian"
    assert tiers["eselon_4_asn"] == ["Penerima tamu", "Petugas 1 (Satpol PP)", "Petugas 2 (Satpol PP)",
                                     "Agendaris Bagian"]
    assert [s["actor"] for s in sop.steps_for(template, "pimpinan")] == [
        "penerima_tamu", "petugas_1", "petugas_2", "petugas_3", "adc_pimpinan", "petugas_1"]


@pytest.mark.parametrize("tier", ["pimpinan", "eselon_2_3", "eselon_4_asn"])
def test_tanjabbar_notify_step_has_the_polite_reason_branch(tier):
    first = sop.steps_for(sop.get_template("tanjabbar-2017"), tier)[0]
    branch = first["branches"][0]
    assert branch["on"] == {"kind": "host_unavailable"} and branch["goto"] is None
    assert "alasan yang tepat dan sopan" in branch["label"]["id"]


def test_tier_is_chosen_from_the_host_tier_and_ignored_without_tiers():
    tanjab = sop.get_template("tanjabbar-2017")
    assert len(sop.steps_for(tanjab, "eselon_4_asn")) == 5
    assert len(sop.steps_for(tanjab, None)) == 5  # a service visit follows the default tier
    with pytest.raises(sop.SopError):
        sop.steps_for(tanjab, "menteri")
    kalbar = sop.get_template("kalbar-2021")
    assert sop.steps_for(kalbar, "pimpinan") == sop.steps_for(kalbar)


def test_every_template_reaches_the_host_unavailable_branch():
    for template in sop.list_templates():
        for tier in template["tiers"]:
            kinds = [b["on"]["kind"] for s in tier["steps"] for b in s.get("branches", [])]
            assert "host_unavailable" in kinds, (template["key"], tier["key"])


def test_returned_templates_are_copies():
    template = sop.get_template("kaltim-2022")
    template["tiers"][0]["steps"][0]["minutes"] = 99
    assert sop.get_template("kaltim-2022")["tiers"][0]["steps"][0]["minutes"] == 2


# --- Office overrides of the standard minutes ----------------------------------------------

def test_office_minutes_override_the_template(make_office):
    office = make_office(sop_template="tanjabbar-2017", sop_minutes={"simpan_barang_loker": 5, "menghadap": 20})
    resolved = sop.resolve_template(office)
    pimpinan = {s["key"]: s for s in sop.steps_for(resolved, "pimpinan")}
    assert pimpinan["simpan_barang_loker"]["minutes"] == 5
    assert pimpinan["simpan_barang_loker"]["standard_minutes"] == 10
    assert pimpinan["menghadap"]["minutes"] == 20
    assert pimpinan["kembalikan_kartu"]["minutes"] == 2
    asn = {s["key"]: s for s in sop.steps_for(resolved, "eselon_4_asn")}
    assert asn["simpan_barang_loker"]["minutes"] == 5  # same step key in every tier
    assert resolved["overrides"] == {"simpan_barang_loker": 5, "menghadap": 20}
    assert resolved["override_errors"] == {}
    json.dumps(resolved)  # pulled by the tablets as JSON


def test_office_without_overrides_gets_the_seed_minutes(make_office):
    office = make_office(sop_template="kaltim-2022")
    assert minutes(sop.steps_for(sop.resolve_template(office))) == [2, 2, 2, 20, 2]


@pytest.mark.parametrize("overrides,field,message", [
    ({"terbang": 5}, "terbang", "tidak ada"),
    ({"isi_buku_tamu": -1}, "isi_buku_tamu", "negatif"),
    ({"isi_buku_tamu": 2.5}, "isi_buku_tamu", "bilangan bulat"),
    ({"isi_buku_tamu": "10"}, "isi_buku_tamu", "bilangan bulat"),
    ({"isi_buku_tamu": True}, "isi_buku_tamu", "bilangan bulat"),
    ({"isi_buku_tamu": 100000}, "isi_buku_tamu", "paling banyak"),
    ({"mulai": 3}, "mulai", "tidak berwaktu"),
])
def test_bad_minutes_override_is_refused_with_a_clear_message(overrides, field, message):
    template = sop.get_template("kalbar-2021")
    errors = sop.validate_minutes_override(template, overrides)
    assert list(errors) == [field] and message in errors[field]
    with pytest.raises(sop.SopError) as info:
        sop.apply_minutes(template, overrides)
    assert info.value.fields == errors


def test_override_that_is_not_a_mapping_is_refused():
    errors = sop.validate_minutes_override(sop.get_template("kalbar-2021"), [5, 10])
    assert "sop_minutes" in errors


def test_a_stored_override_that_no_longer_fits_is_left_out_and_named(make_office):
    # Minutes kept from another template: the good one applies, the stale one is reported.
    office = make_office(sop_template="kaltim-2022", sop_minutes={"isi_buku_tamu": 5, "terima_layanan": 30})
    resolved = sop.resolve_template(office)
    assert list(resolved["override_errors"]) == ["isi_buku_tamu"]
    assert resolved["overrides"] == {"terima_layanan": 30}
    assert minutes(sop.steps_for(resolved)) == [2, 2, 2, 30, 2]


def test_an_office_with_an_unknown_template_is_refused(make_office):
    office = make_office(sop_template="jakarta-2030")
    with pytest.raises(sop.SopError):
        sop.resolve_template(office)


def test_valid_override_gives_no_errors():
    template = sop.get_template("kalbar-2021")
    assert sop.validate_minutes_override(template, {"beri_pelayanan": 45, "isi_buku_tamu": 0}) == {}
    assert sop.validate_minutes_override(template, {}) == {}
    assert sop.validate_minutes_override(copy.deepcopy(template), None) == {}


def test_event_kinds_are_the_sync_protocols():
    from sync.rules import EVENT_KINDS as PROTOCOL_KINDS

    assert set(EVENT_KINDS) == set(PROTOCOL_KINDS)
