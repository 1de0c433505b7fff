"""`sitamu backup` / `sitamu restore`: a round trip loses nothing, on SQLite and PostgreSQL."""
import json
import uuid
from datetime import timedelta

from sqlalchemy import Text, select, text, type_coerce

from server.crypto import Encrypted
from server.extensions import db as _db
from server.models import Attachment, AuditLog, Host, Office, Service, StaffUser, SurveyResponse, Visit, VisitEvent
from server.models.base import utcnow


def snapshot() -> dict:
    """Every row of every table (ciphertext as stored), in primary-key order."""
    out = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            cols = [type_coerce(c, Text).label(c.name) if isinstance(c.type, Encrypted) else c
                    for c in table.columns]
            rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
        out["alembic_version"] = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return out


def _populate(make_office, make_user, make_host, make_service):
    office = make_office(letterhead=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "BIRO UMUM"])
    host = make_host(office)
    service = make_service(office, name="Konsultasi Pengadaan")
    make_user("office_admin", office)
    make_user("host", office, host_id=host.id)
    now = utcnow()
    for i in range(25):
        visit_id = str(uuid.uuid4())
        _db.session.add(Visit(id=visit_id, office_id=office.id, name=f"Tamu ke-{i} ‘Ÿ’", id_number=f"61710145089{i:05d}",
                              phone=f"0812{i:08d}", nik_hash=f"{i:064x}", host_id=host.id,
                              service_id=service.id, registered_at=now - timedelta(minutes=i),
                              state={"steps": {"isi_buku_tamu": "2026-11-23T01:00:00.000Z"}}))
        _db.session.add(VisitEvent(id=str(uuid.uuid4()), visit_id=visit_id, office_id=office.id,
                                   kind="registration", device_time=now, corrected_time=now,
                                   content_hash=f"{i:064x}", payload={"name": f"Tamu {i}", "n": i}))
        _db.session.add(SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, visit_id=visit_id,
                                       persyaratan=1 + i % 4, saran="Pelayanan baik\nterima kasih"))
    _db.session.add(Attachment(sha256="f" * 64, office_id=office.id, kind="photo",
                               content_type="image/jpeg", size=6, data=b"\x00\xff\xd8JPG"))
    _db.session.add(AuditLog(action="visit.view_nik", office_id=office.id, target_type="visit",
                             target_id="x", detail={"fields": ["id_number"]}))
    _db.session.commit()
    return office


def _mutate():
    _db.session.execute(VisitEvent.__table__.delete())
    first = _db.session.scalars(select(Visit).order_by(Visit.id)).first()
    first.name = "changed after the backup"
    _db.session.add(Office(code="NEW-AFTER", name="Added after the backup", sop_template="kalbar-2021"))
    _db.session.commit()


def test_backup_then_restore_gives_back_exactly_the_backed_up_database(
        app, db, tmp_path, make_office, make_user, make_host, make_service):
    office_id = _populate(make_office, make_user, make_host, make_service).id
    before = snapshot()
    runner = app.test_cli_runner()
    out = tmp_path / "sitamu.backup"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["bytes"] == out.stat().st_size > 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"

    _mutate()
    assert snapshot() != before

    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    _db.session.remove()
    after = snapshot()
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert sum(len(rows) for rows in after.values()) > 80
    # The restored database is live: personal data decrypts and new rows get fresh ids.
    visit = _db.session.scalars(select(Visit).order_by(Visit.registered_at.desc())).first()
    assert visit.id_number == "6171014508900000" and visit.phone == "081200000000"
    _db.session.add(AuditLog(action="after.restore"))
    _db.session.add(Service(office_id=office_id, name="Layanan baru"))
    _db.session.commit()
    assert _db.session.scalar(select(_db.func.count()).select_from(StaffUser)) == 2
    assert _db.session.get(Host, before["host"][0][0]) is not None


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(app, db, tmp_path, make_office):
    make_office()
    before = snapshot()
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all")
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code == 1
    assert "not a Sitamu backup" in result.stderr
    assert snapshot() == before


def test_restore_refuses_a_backup_of_the_other_engine(app, db, tmp_path, is_postgres):
    other = tmp_path / "other.backup"
    other.write_bytes(b"SQLite format 3\x00" if is_postgres else b"PGDMP\x01\x0e")
    result = app.test_cli_runner().invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code == 1
    assert "backup but the database is" in result.stderr


def test_restore_asks_before_replacing_and_backup_needs_an_existing_folder(app, db, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "b.backup"
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    declined = runner.invoke(args=["restore", str(out)], input="n\n")
    assert declined.exit_code == 1 and "nothing was changed" in declined.stderr
    missing = runner.invoke(args=["backup", "--out", str(tmp_path / "no" / "such" / "b.backup")])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert runner.invoke(args=["restore", str(tmp_path / "absent.backup"), "--yes"]).exit_code == 1


def test_the_sitamu_command_backs_up_and_restores_a_sqlite_instance(tmp_path):
    """The installed `sitamu` console script, as an operator runs it, in its own processes."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    sitamu = Path(sys.executable).with_name("sitamu")
    db_file = tmp_path / "live.db"
    env = {**os.environ, "SITAMU_INSTANCE_PATH": str(tmp_path / "instance"),
           "SITAMU_DATABASE_URL": f"sqlite:///{db_file}", "SITAMU_ADMIN_PASSWORD": "sandi-rahasia-1"}

    def run(*args, check=True):
        result = subprocess.run([str(sitamu), *args], env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stderr[-800:]
        return result

    run("db", "upgrade")
    run("create-admin", "--username", "admin.biro")
    run("backup", "--out", str(tmp_path / "nightly.backup"))
    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM staff_user")
    refused = run("restore", str(tmp_path / "missing.backup"), "--yes", check=False)
    assert refused.returncode == 1 and "no such file" in refused.stderr
    run("restore", str(tmp_path / "nightly.backup"), "--yes")
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT username FROM staff_user").fetchall() == [("admin.biro",)]
