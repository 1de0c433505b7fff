"""Building report PDFs: the caches, the chunked register pipeline and background jobs.

A finished document is kept in the database (`report_document`, reports/store.py), under a key made from
everything it depends on (office settings, the count and latest change of the visits or
responses in the period, template version, signing date), so every server node serves it.
Register chunks are cached in the local instance folder by the hash of their HTML, so after
one more day of visits only the last chunk (and the first page) are re-rendered; the node that
builds a report also keeps a local copy of it (`doc_path`). Both local caches may differ from
node to node: nothing is lost when a node's instance folder is new.

Jobs run on an RQ worker (`sitamu worker`, server/worker.py) when SITAMU_REDIS_URL is set,
otherwise in a worker thread of the web process; either way they run inside an app context.
A job's progress lives in the database (`report_job`, reports/store.py), so every web process on every node
sees it; the job id is the report key, so two admins asking for the same report share one job.
"""
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app

from .periods import Period, PeriodError, parse_month, parse_period
from .render import TEMPLATE_VERSION, html_hash, merge_and_number, render_many, render_pool
from .store import (  # noqa: F401
    KEEP_FOR,
    ReportError,
    check_job_id,
    document_exists,
    job_status,
    open_document,
    prune_store,
    read_document,
    store_document,
    write_status,
)

_write_status = write_status  # the name callers and tests used before the store had its module

log = logging.getLogger("sitamu.reports")

KINDS = ("register", "ikm")
QUEUE_NAME = "sitamu-reports"
STALE_AFTER = timedelta(minutes=15)
CHUNK_MAX_AGE = KEEP_FOR  # local caches are pruned as the shared store is
TREND_PERIODS = 4  # earlier periods shown in the IKM trend chart

_thread_pool: ThreadPoolExecutor | None = None
_thread_lock = threading.Lock()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` through a `.part` file beside it: all or nothing. When the
    write fails (a full disk) neither the part nor a half-written `path` is left, and a
    ReportError says why."""
    import errno

    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ReportError("not enough disk space to save the report; nothing was kept "
                              "half-written") from exc
        raise ReportError(f"cannot save the report: {exc.strerror}") from exc


def cache_dir(*parts: str) -> Path:
    path = Path(current_app.instance_path, "reports", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def doc_path(job_id: str, office_id: int, period_code: str) -> Path:
    """Return where this node keeps its local copy of a finished report: under its office and
    period, so that the files holding a month's personal data can be found and removed
    (forget_period). The copy every node reads is in the database (read_document)."""
    return cache_dir("docs", str(int(office_id)), period_code) / f"{job_id}.pdf"


def forget_period(office_id: int, period_code: str) -> None:
    """Delete the kept reports and register parts of an office's period: called when personal
    data of its visits is removed (retention, erasure), so no copy outlives it. The documents
    go in the caller's transaction (with the purge); the local caches at once."""
    import shutil

    from server.extensions import db
    from server.models import ReportDocument, ReportForget
    from server.models.base import utcnow

    office_id = int(office_id)
    db.session.execute(db.delete(ReportDocument).where(ReportDocument.office_id == office_id,
                                                       ReportDocument.period == period_code))
    # Other nodes keep local copies too: they delete theirs when they see this (sweep_forgotten).
    marker = db.session.get(ReportForget, (office_id, period_code))
    if marker is None:
        db.session.add(ReportForget(office_id=office_id, period=period_code, forgotten_at=utcnow()))
    else:
        marker.forgotten_at = utcnow()
    for kind in ("docs", "chunks"):
        shutil.rmtree(Path(current_app.instance_path, "reports", kind, str(office_id), period_code),
                      ignore_errors=True)


def sweep_forgotten() -> int:
    """Delete this node's local copies (reports and register parts) of periods forgotten on any
    node since they were written; return how many files went. Run before every report and when
    a worker starts."""
    from server.extensions import db
    from server.models import ReportForget
    from server.models.base import utcnow

    table = ReportForget.__table__
    with db.engine.connect() as conn:
        rows = conn.execute(db.select(table.c.office_id, table.c.period, table.c.forgotten_at)
                            .where(table.c.forgotten_at >= utcnow() - CHUNK_MAX_AGE - timedelta(days=1))).all()
    root = Path(current_app.instance_path, "reports")
    removed = 0
    for office_id, period_code, forgotten_at in rows:
        limit = forgotten_at.timestamp()
        for kind in ("docs", "chunks"):
            for path in (root / kind / str(int(office_id)) / period_code).glob("*.pdf"):
                try:
                    if path.stat().st_mtime <= limit:
                        path.unlink()
                        removed += 1
                except OSError:
                    pass
    return removed


def _office(office_id: int):
    from server.extensions import db
    from server.models import Office

    office = db.session.get(Office, office_id)
    if office is None:
        raise ReportError(f"no office {office_id}")
    return office


def report_period(kind: str, office, period_code: str) -> Period:
    """Read the period of a report: a month for the register, any period for the IKM."""
    if kind == "register":
        return parse_month(period_code, office.timezone)
    if kind == "ikm":
        return parse_period(period_code, office.timezone)
    raise ReportError(f"unknown report {kind!r}")


def data_stamp(kind: str, office, period: Period, population: int | None = None) -> dict:
    """Return what the report depends on, cheaply (counts and latest changes only)."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Attachment, Host, Service, SurveyResponse, Visit

    from .register import signing_date

    # The signing date is the day the document is made: a PDF made yesterday is not today's.
    stamp: dict = {"kind": kind, "office": office.id, "period": period.code, "tz": office.timezone,
                   "office_updated": office.updated_at.isoformat() if office.updated_at else "",
                   "template": TEMPLATE_VERSION, "population": population, "signed_on": signing_date(office)}
    if kind == "register":
        in_period = (Visit.office_id == office.id, Visit.registered_at >= period.start,
                     Visit.registered_at < period.end)
        count, latest, purged = db.session.execute(
            db.select(func.count(Visit.id), func.max(Visit.updated_at), func.count(Visit.purged_at))
            .where(*in_period)).one()
        # A signature can arrive after its visit (blobs sync separately).
        signatures = db.session.scalar(
            db.select(func.count(Attachment.sha256)).select_from(Visit)
            .join(Attachment, Attachment.sha256 == Visit.signature_sha).where(*in_period))
        stamp.update(purged=purged, signatures=signatures)
        hosts = db.session.scalar(db.select(func.max(Host.updated_at)).where(Host.office_id == office.id))
        services = db.session.scalar(db.select(func.max(Service.updated_at)).where(Service.office_id == office.id))
        stamp.update(visits=count, visits_updated=str(latest), hosts=str(hosts), services=str(services))
    else:
        periods = [*period.previous(TREND_PERIODS), period]
        first, last = periods[0].start, period.end
        count, latest = db.session.execute(
            db.select(func.count(SurveyResponse.id), func.max(SurveyResponse.received_at))
            .where(SurveyResponse.office_id == office.id, SurveyResponse.submitted_at >= first,
                   SurveyResponse.submitted_at < last)).one()
        visits = db.session.scalar(db.select(func.count(Visit.id)).where(
            Visit.office_id == office.id, Visit.registered_at >= period.start, Visit.registered_at < period.end))
        services = db.session.scalar(db.select(func.max(Service.updated_at)).where(Service.office_id == office.id))
        hosts = db.session.scalar(db.select(func.max(Host.updated_at)).where(Host.office_id == office.id))
        stamp.update(responses=count, responses_updated=str(latest), visits=visits, services=str(services),
                     hosts=str(hosts), follow_up=_follow_up_stamp(office.id, period))
    return stamp


def _follow_up_stamp(office_id: int, period: Period) -> str:
    try:
        from .follow_up import follow_up_stamp
    except ImportError:
        return ""
    return follow_up_stamp(office_id, period)


def report_key(stamp: dict) -> str:
    return hashlib.sha256(json.dumps(stamp, sort_keys=True, default=str).encode()).hexdigest()[:40]


def report_filename(kind: str, office, period: Period) -> str:
    prefix = "buku-tamu" if kind == "register" else "ikm"
    return f"{prefix}-{office.code}-{period.code}.pdf".lower()


def build_report(kind: str, office_id: int, period_code: str, workers: int = 2, progress=None,
                 population: int | None = None, force: bool = False) -> tuple[Path, dict]:
    """Make (or reuse) a report PDF; return its cached path and figures about the run."""
    started = time.perf_counter()
    sweep_forgotten()
    office = _office(office_id)
    period = report_period(kind, office, period_code)
    progress = progress or (lambda percent, message: None)
    key = report_key(data_stamp(kind, office, period, population))
    path = doc_path(key, office.id, period.code)
    if not force:
        if not path.exists():
            kept = read_document(key)  # made by another node: this node keeps a copy too
            if kept is not None:
                write_atomic(path, kept)
        elif not document_exists(key):  # made here before documents were shared
            store_document(key, kind, office.id, period.code, path.read_bytes())
        if path.exists():
            progress(100, "cached")
            return path, {"cached": True, "key": key, "seconds": round(time.perf_counter() - started, 3)}
    if kind == "register":
        pdf, stats = build_register_pdf(office, period, workers=workers, progress=progress)
    else:
        pdf, stats = build_ikm_pdf(office, period, population=population, progress=progress)
    write_atomic(path, pdf)
    store_document(key, kind, office.id, period.code, pdf)
    progress(100, "done")
    stats.update(cached=False, key=key, seconds=round(time.perf_counter() - started, 3))
    return path, stats


def build_register_pdf(office, period: Period, workers: int = 2, progress=None) -> tuple[bytes, dict]:
    """Render the register: first page and table chunks, reusing chunks rendered before."""
    progress = progress or (lambda percent, message: None)
    with render_pool(workers) as pool:  # the processes start while the visits are gathered
        progress(2, "gathering visits")
        data, documents, chunk_layouts, grid_rows = _register_parts(office, period)
        parts, todo = _render_parts(documents, workers, pool, progress,
                                    cache_dir("chunks", str(office.id), period.code))
    progress(92, "merging")
    from .register import page_rules

    grids = dict(zip(grid_rows, parts[len(parts) - len(grid_rows):], strict=True))
    underlays = [[]] + [[grids.get(bool(layout)) for layout in layouts] for layouts in chunk_layouts]
    drawings = [[]] + [[page_rules(layout) for layout in layouts] for layouts in chunk_layouts]
    merged = merge_and_number(parts[:len(parts) - len(grid_rows)], underlays=underlays, drawings=drawings)
    _prune(cache_dir("chunks"), "*/*/*.pdf")
    _prune(cache_dir("docs"), "*/*/*.pdf")
    prune_store()
    from . import render

    pages = render.page_count(merged)

    n_parts = len(documents) - len(grid_rows)
    return merged, {"visits": len(data.rows), "pages": pages, "parts": n_parts,
                    "parts_rendered": sum(1 for i in todo if i < n_parts),
                    "grids": len(grid_rows), "grids_rendered": sum(1 for i in todo if i >= n_parts),
                    "render_peak_mb": round(render.last_peak_kib / 1024, 1),
                    "render_cpu_seconds": round(render.last_cpu_seconds, 2)}


def _register_parts(office, period: Period):
    """Return the register's data, its parts as (HTML, blob shas, signature stamps), the row
    heights of each table page per chunk, and which grid pages close the parts (True: with
    the heading row; False: without, for a page with no rows)."""
    from .register import gather_register, grid_document, register_documents

    data = gather_register(office, period)
    summary_html, chunks, chunk_layouts = register_documents(data)
    # The parts: the first page, the table chunks, then the grid page laid under table pages.
    grid_rows = sorted({bool(layout) for layouts in chunk_layouts for layout in layouts})
    documents = [(summary_html, [data.office["logo_sha"]] if data.office["logo_sha"] else [], []), *chunks,
                 *((grid_document(table, data), [], []) for table in grid_rows)]
    present = _present_blobs({sha for _, shas, _ in documents for sha in shas})
    # Signatures not stored (yet) are left out; one arriving later changes its part's key.
    documents = [(html, [sha for sha in shas if sha in present], [s for s in stamps if s[2] in present])
                 for html, shas, stamps in documents]
    return data, documents, chunk_layouts, grid_rows


def _render_parts(documents: list[tuple[str, list[str], list]], workers: int, pool,
                  progress, chunk_dir: Path) -> tuple[list[bytes], list[int]]:
    """Return the PDF of every part, from the chunk cache or rendered (and cached), and the
    indexes of the parts rendered."""
    # A part's key: its HTML, which of its images exist and where its signatures go.
    keys = [html_hash(f"{html}\n{','.join(shas)}\n{stamps!r}") for html, shas, stamps in documents]
    parts: list[bytes | None] = []
    todo: list[int] = []
    for index, key in enumerate(keys):
        cached = chunk_dir / f"{key}.pdf"
        if cached.exists():
            os.utime(cached)
            parts.append(cached.read_bytes())
        else:
            parts.append(None)
            todo.append(index)
    progress(10, f"rendering {len(todo)} of {len(documents)} parts")
    blobs = _load_blobs({sha for i in todo for sha in documents[i][1]})
    jobs = [(documents[i][0], {sha: blobs[sha] for sha in documents[i][1] if sha in blobs}, documents[i][2])
            for i in todo]

    def done(finished, total):
        progress(10 + int(80 * finished / total), f"rendered {finished} of {total} parts")

    for index, pdf in zip(todo, render_many(jobs, workers=workers, on_done=done, pool=pool), strict=True):
        parts[index] = pdf
        write_atomic(chunk_dir / f"{keys[index]}.pdf", pdf)
    return parts, todo


def build_ikm_pdf(office, period: Period, population: int | None = None, progress=None) -> tuple[bytes, dict]:
    """Render the IKM report of an office and period."""
    from .ikm_report import gather_ikm_report, render_ikm_report

    progress = progress or (lambda percent, message: None)
    progress(5, "computing IKM")
    data = gather_ikm_report(office, period, population=population)
    progress(40, "rendering")
    pdf = render_ikm_report(data)
    from .render import page_count

    return pdf, {"respondents": data["result"].respondents, "pages": page_count(pdf)}


def _load_blobs(shas: set[str]) -> dict[str, tuple[str, bytes]]:
    from server.extensions import db
    from server.models import Attachment

    found: dict[str, tuple[str, bytes]] = {}
    shas = sorted(s for s in shas if s)
    for start in range(0, len(shas), 500):
        for sha, content_type, data in db.session.execute(
                db.select(Attachment.sha256, Attachment.content_type, Attachment.data)
                .where(Attachment.sha256.in_(shas[start:start + 500]))):
            if content_type in ("image/png", "image/jpeg", "image/webp", "image/svg+xml"):
                found[sha] = (content_type, bytes(data))
    return found


def _present_blobs(shas: set[str]) -> set[str]:
    """Return which of the blob hashes are stored."""
    from server.extensions import db
    from server.models import Attachment

    found: set[str] = set()
    shas = sorted(s for s in shas if s)
    for start in range(0, len(shas), 900):
        found.update(db.session.scalars(db.select(Attachment.sha256)
                                        .where(Attachment.sha256.in_(shas[start:start + 900]))))
    return found


def _prune(directory: Path, pattern: str = "*.pdf") -> None:
    """Remove cached files unused for a month."""
    limit = time.time() - CHUNK_MAX_AGE.total_seconds()
    for path in directory.glob(pattern):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


# --- background jobs -----------------------------------------------------------------------

def job_file(job_id: str):
    """Return the finished PDF of a job as an open file (see open_document), if it is kept."""
    status = job_status(job_id)
    if not status or "office_id" not in status or "period" not in status:
        return None
    return open_document(job_id)


def start_job(kind: str, office_id: int, period_code: str, user_id: int | None = None,
              population: int | None = None) -> dict:
    """Queue a report (or find it cached or already running); return its status."""
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}")
    office = _office(office_id)
    period = report_period(kind, office, period_code)
    job_id = report_key(data_stamp(kind, office, period, population))
    base = {"job_id": job_id, "kind": kind, "office_id": office.id, "period": period.code,
            "filename": report_filename(kind, office, period)}
    if document_exists(job_id):
        return write_status(job_id, **base, state="done", progress=100, message="cached")
    current = job_status(job_id)
    if current and current.get("state") in ("queued", "running"):
        updated = datetime.fromisoformat(current["updated_at"])
        if datetime.now(timezone.utc) - updated < STALE_AFTER:
            return current
    status = write_status(job_id, **base, state="queued", progress=0, message="queued", error=None,
                           requested_by=user_id)
    redis_url = current_app.config.get("SITAMU_REDIS_URL")
    if redis_url:
        from rq import Queue

        Queue(QUEUE_NAME, connection=redis_connection()).enqueue(
            "reports.jobs.run_job", job_id, kind, office.id, period.code, population,
            job_id=f"report-{job_id}-{uuid.uuid4().hex[:8]}", job_timeout=900, result_ttl=3600,
            failure_ttl=86400)
    else:
        app = current_app._get_current_object()
        _threads().submit(_run_in_app, app, job_id, kind, office.id, period.code, population)
    return status


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["SITAMU_REDIS_URL"])


def _threads() -> ThreadPoolExecutor:
    global _thread_pool
    with _thread_lock:
        if _thread_pool is None:
            # One report at a time per web process: the render itself uses the cores.
            _thread_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitamu-report")
        return _thread_pool


def _run_in_app(app, *args):
    with app.app_context():
        run_job(*args)


def run_job(job_id: str, kind: str, office_id: int, period_code: str, population: int | None = None) -> None:
    """Build one report and record its progress (the RQ task and the thread's body; both run
    it inside an app context: server/worker.py for RQ)."""
    from server.extensions import db  # the session ends with the app context that runs the job

    last = [0.0]

    def progress(percent, message):
        now = time.monotonic()
        if percent >= 100 or now - last[0] > 0.3:
            last[0] = now
            write_status(job_id, state="running", progress=min(int(percent), 99), message=message)

    write_status(job_id, state="running", progress=1, message="started")
    try:
        path, stats = build_report(kind, office_id, period_code, progress=progress, population=population)
    except (ReportError, PeriodError) as exc:
        write_status(job_id, state="failed", error=str(exc), message="failed")
        return
    except Exception as exc:  # noqa: BLE001 -- a failed job must say so, not stay "running"
        from server.logging import log_failure

        log_failure(log, "report job %s failed", exc, job_id)
        write_status(job_id, state="failed", error="internal error", message="failed")
        db.session.rollback()
        return
    if path.name != f"{job_id}.pdf":  # data changed while queued: keep it under the job's name too
        try:
            store_document(job_id, kind, office_id, period_code, path.read_bytes())
        except (ReportError, OSError) as exc:
            write_status(job_id, state="failed", error=str(exc), message="failed")
            return
    write_status(job_id, state="done", progress=100, message="done", stats=stats)
