"""Backup and restore of the whole database: SQLite online backup, PostgreSQL pg_dump/pg_restore.

A backup holds personal data only as ciphertext: it is useless without SITAMU_DATA_KEY,
which is never written into it. Keep the key (and SITAMU_DATA_KEYS_OLD) apart from the
backups; a backup restored without its key has unreadable NIKs and phone numbers.
"""
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from .extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; nothing was changed."""


def _engine_url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _pg_args(url) -> tuple[list[str], dict]:
    """Return libpq connection arguments and environment (the password never on the command line)."""
    args = ["--dbname", url.database or "postgres", "--host", url.host or "127.0.0.1",
            "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def backup_database(out: str | Path) -> dict:
    """Write a consistent copy of the live database to `out`; return what was written."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"{out} is a folder; give a file name")
    if not out.parent.exists():
        raise BackupError(f"folder {out.parent} does not exist")
    url = _engine_url()
    part = out.with_name(out.name + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
    except OSError as exc:
        raise BackupError(f"cannot write in {out.parent}: {exc.strerror}") from exc
    try:
        if url.get_backend_name() == "sqlite":
            src = sqlite3.connect(_sqlite_path(url))
            dst = sqlite3.connect(part)
            try:
                with dst:
                    src.backup(dst)  # online: readers and writers may go on meanwhile
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) == 13 or "full" in str(exc):  # SQLITE_FULL
                    raise BackupError(f"not enough disk space in {out.parent}; no backup was "
                                      "written") from exc
                raise BackupError(f"the backup failed ({exc}); no backup was written") from exc
            finally:
                dst.close()
                src.close()
            engine = "sqlite"
        elif url.get_backend_name() == "postgresql":
            args, env = _pg_args(url)
            result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                                     "--no-privileges", "--file", str(part), *args],
                                    env=env, capture_output=True, text=True)
            if result.returncode != 0:
                if "No space left" in result.stderr:
                    raise BackupError(f"not enough disk space in {out.parent}; no backup was written")
                raise BackupError("pg_dump failed, no backup was written: " + result.stderr.strip()[-500:])
            engine = "postgresql"
        else:
            raise BackupError(f"backups of {url.get_backend_name()} are not supported")
        os.replace(part, out)
    except OSError as exc:
        raise BackupError(f"cannot write the backup in {out.parent}: {exc.strerror}; no backup "
                          "was written") from exc
    finally:
        # SQLite may leave its rollback journal beside a copy that failed (a full disk).
        for leftover in (part, part.with_name(part.name + "-journal")):
            if leftover.exists():
                leftover.unlink()
    return {"engine": engine, "file": str(out), "bytes": out.stat().st_size}


def detect_format(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Sitamu backup (neither SQLite nor pg_dump custom format)")


def _check_sqlite_backup(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite integrity check failed)")
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in names or "visit" not in names:
            raise BackupError(f"{path} is a SQLite file but not a Sitamu database")
    finally:
        conn.close()


def restore_database(path: str | Path) -> dict:
    """Replace the live database with the backup at `path`, all or nothing."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    fmt = detect_format(path)
    url = _engine_url()
    engine = url.get_backend_name()
    if fmt != engine:
        raise BackupError(f"{path} is a {fmt} backup but the database is {engine}")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old data
    if engine == "sqlite":
        _check_sqlite_backup(path)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(url))
        try:
            src.backup(dst)  # one step: the live database is replaced atomically
        except sqlite3.Error as exc:
            raise BackupError(f"restore failed ({exc}); the backup was not applied") from exc
        finally:
            dst.close()
            src.close()
    else:
        _restore_postgresql(path, url)
    db.engine.dispose()
    return {"engine": engine, "file": str(path)}


def _restore_postgresql(path: Path, url) -> None:
    """Turn the dump into SQL first, then replace the schema with it in one transaction."""
    args, env = _pg_args(url)
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0 or "TABLE public alembic_version" not in listing.stdout:
        raise BackupError(f"{path} is not a readable Sitamu pg_dump backup")
    with tempfile.TemporaryDirectory(prefix="sitamu-restore-") as tmp:
        sql = Path(tmp) / "restore.sql"
        with open(sql, "w") as f:
            # Tables a later migration added must go too: the result is exactly the backup.
            f.write("DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        with open(sql, "a") as f:
            result = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges",
                                     "--file", "-", str(path)], stdout=f, stderr=subprocess.PIPE,
                                    text=True)
        if result.returncode != 0:
            raise BackupError("pg_restore could not read the backup; nothing was changed: "
                              + result.stderr.strip()[-500:])
        result = subprocess.run([_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
                                 "--set", "ON_ERROR_STOP=1", "--file", str(sql), *args],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError("restore failed, nothing was changed: " + result.stderr.strip()[-500:])
