"""The lifecycle migration (d5c8e1f04b67) derives the lifecycle of visits stored before it:
downgrade the test database to the migration's parent, blank the lifecycle from the stored
state, upgrade again and compare with what the sync path derived (SQLite and PostgreSQL)."""
import importlib.util
import json
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from server.models import Visit
from sync.rules import LIFECYCLE_KEYS

MIGRATION = (Path(__file__).resolve().parents[2] / "server" / "migrations" / "versions"
             / "d5c8e1f04b67_visit_lifecycle.py")


def _parent_revision() -> str:
    spec = importlib.util.spec_from_file_location("lifecycle_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


def test_migration_derives_the_lifecycle_of_visits_stored_before_it(db, make_office, make_host, tablet,
                                                                     make_visit):
    office = make_office(sop_template="tanjabbar-2017")
    host = make_host(office, tier="pimpinan")
    desk = tablet(office)
    visits = [
        make_visit(desk, host=host, name="Ditolak Halus", steps=[
            ("card_issued", 2, {"card_number": "11", "id_held": "ktp"}, "sambut_dan_registrasi"),
            ("waiting", 4, {}, "arahkan_ruang_tunggu"),
            ("host_unavailable", 30, {"reason": "Dinas luar"}, "simpan_barang_loker")]),
        make_visit(desk, host=host, name="Sedang Menghadap", steps=[
            ("card_issued", 2, {"card_number": "12"}, "sambut_dan_registrasi"),
            ("locker", 5, {"locker_number": "4", "items": "tas"}, "simpan_barang_loker"),
            ("admitted", 9, {"time_limit_minutes": 30, "reminded": True}, None)]),
        make_visit(desk, host=host, name="Sudah Keluar", steps=[
            ("card_issued", 2, {"card_number": "13", "ktp_held": True}, "sambut_dan_registrasi"),
            ("finished", 40, {}, "menghadap"),
            ("checked_out", 45, {"ktp_returned": False}, "kembalikan_kartu")]),
        make_visit(desk, host=host, name="Baru Tiba"),
    ]
    expected = {v.id: ({k: v.state[k] for k in LIFECYCLE_KEYS}, v.stage, v.custody_open) for v in visits}
    assert [e[2] for e in expected.values()] == [True, True, True, False]  # the KTP kept at check-out
    db.session.remove()

    downgrade(revision=_parent_revision())
    try:
        assert "custody_open" not in {c["name"] for c in inspect(db.engine).get_columns("visit")}
        with db.engine.begin() as conn:
            param = "CAST(:state AS JSON)" if conn.dialect.name == "postgresql" else ":state"
            for visit_id, state in conn.execute(text("SELECT id, state FROM visit")).all():
                state = json.loads(state) if isinstance(state, str) else state
                blank = {k: v for k, v in state.items() if k not in LIFECYCLE_KEYS}
                assert "status" in state and "status" not in blank
                # A row as it was before the lifecycle: no lifecycle fields, its stage as then.
                conn.execute(text(f"UPDATE visit SET state = {param}, stage = 'registered' WHERE id = :id"),
                             {"state": json.dumps(blank), "id": visit_id})
    finally:
        upgrade()

    db.session.expire_all()
    for visit_id, (lifecycle, stage, custody_open) in expected.items():
        visit = db.session.get(Visit, visit_id)
        assert {k: visit.state.get(k) for k in LIFECYCLE_KEYS} == lifecycle, visit.name
        assert (visit.stage, visit.custody_open) == (stage, custody_open), visit.name
        assert visit.tablet_json is None or json.loads(visit.tablet_json)["state"]["status"] == lifecycle["status"]
