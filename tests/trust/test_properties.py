"""Adversarial property tests: event merging on the server, and the paper-survey CSV reader.

Event merging: whatever batches, order, re-sends and conflicting re-sends a tablet sends,
every record gets exactly one outcome, of two versions of one id the smaller content hash is
the one stored (the other quarantined), and the visit row is `derive_visit` of exactly the
events the server stored.
CSV: any valid table survives any delimiter, column order, BOM and line ending; any bytes
give rows or a CsvError (never a crash); a bad cell is reported with its line number.
"""
import csv
import io
import json
import uuid

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from reports.paper import CsvError, parse_survey_csv
from server.api.operations import create_enrollment_code, enroll_device, ingest_batch, unseal_payload
from server.extensions import db as _db
from server.models import Quarantine, Visit, VisitEvent
from sync.rules import content_hash, derive_visit
from tests.sync.test_rules import events

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def office_with_hosts(db, make_office, make_host, make_user):
    office = make_office()
    hosts = [make_host(office), make_host(office)]
    admin = make_user("office_admin", office)
    return office, hosts, admin


def _fresh_device(office, admin):
    code, _ = create_enrollment_code(office, admin, "Meja uji")
    _db.session.commit()
    return enroll_device(code, "Meja uji", "test")


def _rebind(evs, hosts, visit_id):
    """Point the generated events at a fresh visit and this office's hosts, with fresh ids
    (the examples share one database: an id of an earlier example would be a conflict)."""
    host_ids = {1: hosts[0].id, 2: hosts[1].id}
    fresh: dict[str, str] = {}
    out = []
    for event in evs:
        payload = dict(event["payload"])
        if "host_id" in payload:
            payload["host_id"] = host_ids[payload["host_id"]]
        out.append(dict(event, id=fresh.setdefault(event["id"], str(uuid.uuid4())), visit_id=visit_id,
                        payload=payload))
    return out


@SETTINGS
@given(evs=events(min_size=1, max_size=10), data=st.data())
def test_server_visit_is_derive_visit_of_what_it_stored_whatever_the_batches(office_with_hosts, evs, data):
    office, hosts, admin = office_with_hosts
    device, _ = _fresh_device(office, admin)
    visit_id = str(uuid.uuid4())
    evs = _rebind(evs, hosts, visit_id)
    # Re-sends of the same event, and conflicting re-sends (same id, other content).
    sends = list(evs) + data.draw(st.lists(st.sampled_from(evs), max_size=5), label="resends")
    conflicting = data.draw(st.lists(st.sampled_from(evs), max_size=2, unique_by=lambda e: e["id"]),
                            label="conflicting")
    sends += [dict(e, payload={**e["payload"], "_tamper": 1}) if e["kind"] != "registration"
              else dict(e, payload={**e["payload"], "name": "Nama Palsu"}) for e in conflicting]
    sends = data.draw(st.permutations(sends), label="order")
    cuts = sorted(data.draw(st.lists(st.integers(0, len(sends)), max_size=4), label="cuts"))
    batches = [sends[a:b] for a, b in zip([0] + cuts, cuts + [len(sends)], strict=True) if sends[a:b]]

    valid: dict[str, list] = {}  # id -> the versions not refused for their content
    for batch in batches:
        # A batch cannot hold the same id twice; the tablet's outbox never does that.
        unique = list({e["id"]: e for e in batch}.values())
        ack = ingest_batch(device, unique, [])["ack"]
        outcomes = ack["stored"] + ack["duplicate"] + [i["id"] for i in ack["quarantined"]] \
            + [i["id"] for i in ack["conflict"]]
        assert sorted(outcomes) == sorted(e["id"] for e in unique), "one outcome per record"
        refused = {i["id"] for i in ack["quarantined"]}
        for event in unique:
            if event["id"] not in refused:
                valid.setdefault(event["id"], []).append(event)

    _db.session.expire_all()
    stored = _db.session.scalars(select_events(visit_id)).all()
    # Of two versions of one id the smaller content hash is kept, whatever came first (as
    # derive_visit decides); the other is kept in quarantine, never silently dropped.
    winner = {i: min(versions, key=content_hash) for i, versions in valid.items()}
    assert {row.id for row in stored} == set(winner)
    for row in stored:
        payload = unseal_payload(row.kind, row.payload)
        assert payload == winner[row.id]["payload"], row.kind
    losers = {(i, content_hash(e)) for i, versions in valid.items() for e in versions if e is not winner[i]
              and content_hash(e) != content_hash(winner[i])}
    assert {i for i, _ in losers} <= set(_db.session.scalars(select(Quarantine.record_id)))
    visit = _db.session.get(Visit, visit_id)
    if not stored:
        assert visit is None
        return
    as_events = [winner[row.id] for row in stored]
    expected = derive_visit(as_events)
    assert visit.stage == expected["stage"]
    assert visit.name == expected["name"] and visit.queue_number == expected["queue_number"]
    assert visit.event_count == expected["event_count"]


def select_events(visit_id):
    return select(VisitEvent).where(VisitEvent.visit_id == visit_id)


junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


@SETTINGS
@given(records=st.lists(junk | st.fixed_dictionaries({"id": st.uuids().map(str), "kind": st.text(max_size=12)},
                                                      optional={"payload": junk, "seq": junk, "visit_id": junk}),
                        max_size=8))
def test_garbage_records_never_crash_a_push_and_store_nothing_invalid(office_with_hosts, records, client):
    office, _, admin = office_with_hosts
    _, token = _fresh_device(office, admin)
    # Encoded with the standard library: junk may hold integers beyond 64 bits, which a
    # tablet's JSON can carry too (the server reads them as floats and quarantines them).
    response = client.post("/api/v1/push", data=json.dumps({"protocol": 1, "events": records}),
                           content_type="application/json",
                           headers={"X-Sitamu-Protocol": "1", "Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 400, 413), response.data[:300]
    body = response.get_json()
    if response.status_code != 200:
        assert set(body["error"]) >= {"code", "message", "fields"}
        return
    assert body["ack"]["stored"] == [] and body["ack"]["duplicate"] == []


# --- paper-survey CSV ----------------------------------------------------------------------

answer = st.one_of(st.none(), st.integers(1, 4))
rows = st.lists(st.fixed_dictionaries({k: answer for k in ELEMENTS}).filter(
    lambda r: any(v is not None for v in r.values())), min_size=1, max_size=30)


def _write(rows_, order, delimiter, bom, newline):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(order)
    for row in rows_:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in order])
    return ("\ufeff" if bom else "") + out.getvalue()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows_=rows, order=st.permutations(ELEMENTS + ("jenis_kelamin",)),
       delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans(), newline=st.sampled_from(["\n", "\r\n"]),
       genders=st.lists(st.sampled_from(["L", "P", "", "laki-laki", "Perempuan"]), min_size=30, max_size=30))
def test_any_valid_table_reads_back_exactly(rows_, order, delimiter, bom, newline, genders):
    for row, gender in zip(rows_, genders, strict=False):  # 30 genders for up to 30 rows
        row["jenis_kelamin"] = gender
    survey = parse_survey_csv(_write(rows_, order, delimiter, bom, newline).encode())
    assert [{k: r[k] for k in ELEMENTS} for r in survey.rows] == [{k: r[k] for k in ELEMENTS} for r in rows_]
    assert [r.get("gender", "") for r in survey.rows] == [
        {"l": "L", "laki-laki": "L", "p": "P", "perempuan": "P"}.get(r["jenis_kelamin"].lower(), "") for r in rows_]
    totals, counts = survey.totals()
    for key in ELEMENTS:
        assert totals[key] == sum(r[key] or 0 for r in rows_)
        assert counts[key] == sum(r[key] is not None for r in rows_)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows_=rows, data=st.data())
def test_a_bad_cell_is_reported_with_its_line_and_nothing_is_read(rows_, data):
    bad_row = data.draw(st.integers(0, len(rows_) - 1))
    column = data.draw(st.sampled_from(ELEMENTS))
    value = data.draw(st.sampled_from(["0", "5", "x", "3.5", "-1", "44", "tiga"]))
    text = _write(rows_, ELEMENTS, ",", False, "\n")
    lines = text.split("\n")
    cells = lines[bad_row + 1].split(",")
    cells[ELEMENTS.index(column)] = value
    lines[bad_row + 1] = ",".join(cells)
    with pytest.raises(CsvError) as caught:
        parse_survey_csv("\n".join(lines))
    assert any(line == bad_row + 2 for line, _ in caught.value.problems), caught.value.problems


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=st.binary(max_size=400) | st.text(max_size=400))
def test_any_bytes_give_rows_or_a_csv_error(data):
    try:
        survey = parse_survey_csv(data)
    except CsvError as exc:
        assert exc.problems and all(isinstance(line, int) for line, _ in exc.problems)
    else:
        assume(survey.rows)
        for row in survey.rows:
            assert all(row[k] in (None, 1, 2, 3, 4) for k in ELEMENTS)
