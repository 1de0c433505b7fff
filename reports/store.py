"""Where finished reports and job states live: the database, which every server node (web
processes and workers, each with its own instance folder) reaches (README, "Several nodes").

`report_document` holds a finished document's bytes under its report key; `report_job` holds a
background job's state as JSON. Both are written in their own transactions (not the caller's
session), so another node sees a document or a job's progress as soon as it is written.
"""
import json
import logging
import time
from datetime import timedelta

log = logging.getLogger("sitamu.reports")

KEEP_FOR = timedelta(days=30)  # documents and job states older than this are deleted (prune_store)


class ReportError(ValueError):
    """A report that cannot be made (unknown office, bad period, bad kind, a full disk)."""


READ_CHUNK = 1024 * 1024  # a download is copied out of the database this much at a time


def store_document(key: str, kind: str, office_id: int | None, period_code: str, data: bytes,
                   content_type: str = "application/pdf") -> None:
    """Keep a finished document where every node reads it, in its own transaction (a job's
    document is there as soon as the job says done)."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from server.extensions import db
    from server.models import ReportDocument
    from server.models.base import utcnow

    table = ReportDocument.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.key == key))
            conn.execute(table.insert().values(key=key, kind=kind, office_id=office_id, period=period_code,
                                               content_type=content_type, size=len(data), data=data,
                                               made_at=utcnow()))
    except IntegrityError:  # another worker stored the same report (same key, same content) meanwhile
        pass
    except SQLAlchemyError as exc:
        raise ReportError(f"cannot save the report in the database ({type(exc.orig or exc).__name__})") \
            from exc


def document_exists(key: str) -> bool:
    """Return whether a finished document is kept under `key`."""
    from server.extensions import db
    from server.models import ReportDocument

    table = ReportDocument.__table__
    with db.engine.connect() as conn:  # not the session: see what other nodes stored since it began
        return conn.execute(db.select(table.c.key).where(table.c.key == key)).first() is not None


def read_document(key: str) -> bytes | None:
    """Return a kept document's bytes, or None."""
    body = open_document(key)
    if body is None:
        return None
    with body:
        return body.read()


def open_document(key: str):
    """Return a kept document as an open temporary file (read from the start; the caller
    closes it, as send_file does), or None. It is copied from the database a megabyte at a
    time, so a large register never sits whole in the web process's memory."""
    import tempfile

    from sqlalchemy import func

    from server.extensions import db
    from server.models import ReportDocument

    table = ReportDocument.__table__
    with db.engine.connect() as conn:
        size = conn.execute(db.select(table.c.size).where(table.c.key == key)).scalar()
        if size is None:
            return None
        out = tempfile.TemporaryFile()
        try:
            for start in range(0, size, READ_CHUNK):
                piece = conn.execute(db.select(func.substr(table.c.data, start + 1, READ_CHUNK))
                                     .where(table.c.key == key)).scalar()
                if piece is None:  # deleted meanwhile (forget_period)
                    out.close()
                    return None
                out.write(bytes(piece))
        except BaseException:
            out.close()
            raise
    out.seek(0)
    return out


def prune_store() -> None:
    """Delete kept documents made, and job states last changed, more than a month ago."""
    from server.extensions import db
    from server.models import ReportDocument, ReportForget, ReportJob
    from server.models.base import utcnow

    limit = utcnow() - KEEP_FOR
    forgotten = ReportForget.__table__
    with db.engine.begin() as conn:
        conn.execute(ReportDocument.__table__.delete().where(ReportDocument.__table__.c.made_at < limit))
        conn.execute(ReportJob.__table__.delete().where(ReportJob.__table__.c.updated_at < limit))
        # Local copies older than this are pruned by age on every node anyway.
        conn.execute(forgotten.delete().where(forgotten.c.forgotten_at < limit - timedelta(days=1)))



# --- job states ----------------------------------------------------------------------------

def check_job_id(job_id: str) -> str:
    if not job_id.isalnum() or len(job_id) > 64:
        raise ReportError("bad job id")
    return job_id


def write_status(key: str, **values) -> dict:
    """Merge `values` into a job's state in the database (its own transaction, so every node
    sees the progress at once) and return the state."""
    from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

    from server.extensions import db
    from server.models import ReportJob
    from server.models.base import utcnow

    job_id = check_job_id(key)
    table = ReportJob.__table__
    for attempt in range(3):
        status = {}
        try:
            with db.engine.begin() as conn:
                row = conn.execute(db.select(table.c.status).where(table.c.id == job_id).with_for_update()).first()
                try:
                    status = json.loads(row[0]) if row else {}
                except ValueError:
                    status = {}
                now = utcnow()
                status.update(values, updated_at=now.isoformat())
                if row:
                    conn.execute(table.update().where(table.c.id == job_id)
                                 .values(status=json.dumps(status), updated_at=now))
                else:
                    conn.execute(table.insert().values(id=job_id, status=json.dumps(status), updated_at=now))
            return status
        except IntegrityError:  # two first writes at once: the second merges into the first
            continue
        except OperationalError as exc:  # SQLite: another writer came first; try again
            if attempt < 2:
                time.sleep(0.05)
                continue
            log.warning("job status %s not saved: %s", job_id, type(exc.orig or exc).__name__)
            return status
        except SQLAlchemyError as exc:  # the job goes on (or fails) without its state saved
            log.warning("job status %s not saved: %s", job_id, type(exc.orig or exc).__name__)
            return status
    return status


def job_status(job_id: str) -> dict | None:
    """Return a job's state: {state: queued|running|done|failed, progress, message, ...}."""
    from server.extensions import db
    from server.models import ReportJob

    table = ReportJob.__table__
    job_id = check_job_id(job_id)
    with db.engine.connect() as conn:
        value = conn.execute(db.select(table.c.status).where(table.c.id == job_id)).scalar()
    try:
        return json.loads(value) if value is not None else None
    except ValueError:
        return None
