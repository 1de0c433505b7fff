"""Issue 13 (items 7 and 8): what Sitamu writes is readable by its own user only, and a full
disk gives a clear error with nothing left half-written (report parts, backups)."""
import subprocess
from pathlib import Path

import pytest

from server.extensions import db as _db
from server.models import Office


@pytest.fixture
def small_disk(tmp_path):
    """Return a factory: mount a small tmpfs at a path (a real file system that fills up)
    and fill it until only `free` bytes are left. Needs root, as the project's machines are."""
    mounts: list[Path] = []

    def make(path: Path, free: int = 4096, size: str = "2m") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"cannot mount a small file system (needs root): {done.stderr}"
        mounts.append(path)
        filler = path / "filler"
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        with open(filler, "r+b") as f:
            f.truncate(max(0, filler.stat().st_size - free))
        return path

    yield make
    for path in reversed(mounts):
        subprocess.run(["umount", "-l", str(path)], check=False)


def _files(root: Path):
    return [p for p in root.rglob("*")]


def test_instance_files_and_folders_are_private(make_app, tmp_path):
    from flask_migrate import upgrade

    from reports.jobs import _write_status, build_report, job_status

    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)  # as an older Sitamu (or a plain mkdir) left it
    app = make_app(INSTANCE_PATH=str(instance),
                   SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'sitamu.db'}")
    with app.app_context():
        upgrade()
        office = Office(code="PRIV", name="Kantor Privat", sop_template="kalbar-2021", timezone="Asia/Jakarta",
                        letterhead=["PEMERINTAH PROVINSI UJI", "KANTOR PRIVAT"])
        _db.session.add(office)
        _db.session.commit()
        path, stats = build_report("register", office.id, "2026-11", workers=1)
        _write_status("a" * 40, state="done")
        assert job_status("a" * 40)["state"] == "done"  # job states are in the database (every node)
        _db.session.remove()
        _db.engine.dispose()
    assert path.exists() and not stats["cached"]
    assert oct(instance.stat().st_mode & 0o777) == "0o700"
    written = _files(instance)
    assert any(p.name == "sitamu.db" for p in written) and any(p.suffix == ".pdf" for p in written)
    loose = {str(p.relative_to(instance)): oct(p.stat().st_mode & 0o777) for p in written
             if p.stat().st_mode & 0o077}
    assert loose == {}, loose


def test_a_full_disk_fails_a_report_clearly_and_leaves_no_part(app, db, make_office, small_disk):
    from reports.jobs import ReportError, build_report, cache_dir, job_status, run_job

    office = make_office()
    reports = Path(app.instance_path, "reports")
    cache_dir()  # the folder exists before the disk is mounted over it
    small_disk(reports, free=8192)
    with pytest.raises(ReportError, match="not enough disk space"):
        build_report("register", office.id, "2026-11", workers=1, force=True)
    leftovers = [p.name for p in _files(reports) if p.name.endswith(".part")]
    assert leftovers == []
    pdfs = [p for p in _files(reports) if p.suffix == ".pdf"]
    assert all(p.stat().st_size > 0 and p.read_bytes().rstrip().endswith(b"%%EOF") for p in pdfs)
    # As a background job: it ends (no exception escapes the worker) and leaves no part either.
    run_job("b" * 40, "register", office.id, "2026-11")
    assert [p.name for p in _files(reports) if p.name.endswith(".part")] == []
    status = job_status("b" * 40)
    assert status is None or status["state"] == "failed"


def test_a_backup_on_a_full_disk_fails_clearly_and_leaves_nothing(app, db, make_office, tmp_path, small_disk):
    for n in range(20):
        make_office(name=f"Kantor dengan nama yang cukup panjang untuk mengisi cadangan {n}")
    disk = small_disk(tmp_path / "backups", free=4096)
    out = disk / "sitamu.dump"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Error: not enough disk space" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_a_backup_into_a_folder_it_cannot_write_fails_clearly(app, db, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", str(locked)], check=True)
    try:
        result = app.test_cli_runner().invoke(args=["backup", "--out", str(locked / "x.dump")])
    finally:
        subprocess.run(["umount", "-l", str(locked)], check=False)
    assert result.exit_code == 1 and "Error: cannot write in" in result.output, result.output


def test_a_report_download_to_a_full_disk_fails_clearly_and_leaves_nothing(app, db, make_office, tmp_path,
                                                                           small_disk):
    office = make_office(code="FULLDISK")
    disk = small_disk(tmp_path / "out", free=4096)
    result = app.test_cli_runner().invoke(args=["report", "register", "--office", "FULLDISK",
                                                "--month", "2026-11", "--workers", "1",
                                                "--out", str(disk / "register.pdf")])
    assert result.exit_code == 2 and "Error: cannot write" in result.output, result.output
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]
    assert office.id
