"""The background worker: `sitamu worker`, an RQ worker that runs every job (report PDFs, the
recap, scheduled deliveries, host e-mails) inside the Sitamu app's context.

The jobs themselves (reports/jobs.py, reports/ikm_recap/job.py, reports/delivery.py) assume an
app context and never build the app: the worker does, once, from the environment (the same
SITAMU_* settings as the web nodes). A plain `rq worker` can run them with this class:

    rq worker --url "$SITAMU_REDIS_URL" --worker-class server.worker.AppWorker sitamu-reports sitamu-notify
"""
import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker


class AppWorker(Worker):
    """An RQ worker whose jobs run inside an app context (one app per worker process)."""

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        if app is None:
            from . import create_app

            app = create_app()
        self.app = app
        with app.app_context():
            from reports.jobs import sweep_forgotten

            sweep_forgotten()  # periods forgotten on another node while this one was down

    def perform_job(self, *args, **kwargs):
        """Run one job (in RQ's forked work horse) inside the app's context."""
        with self.app.app_context():
            from .extensions import db

            # The horse is a fork: it must not share the parent's pooled database connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(*args, **kwargs)
            finally:
                db.session.remove()


def queue_names() -> list[str]:
    """Return the queues `sitamu worker` serves: reports (and deliveries), then host e-mails."""
    from reports.jobs import QUEUE_NAME

    from .notify import NOTIFY_QUEUE

    return [QUEUE_NAME, NOTIFY_QUEUE]


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool):
    """Run an RQ worker for report and notification jobs (needs SITAMU_REDIS_URL)."""
    from rq import Queue

    from reports.jobs import redis_connection

    if not current_app.config.get("SITAMU_REDIS_URL"):
        click.echo("Error: SITAMU_REDIS_URL is not set; without Redis, reports run in a thread of the web app",
                   err=True)
        raise SystemExit(2)
    conn = redis_connection()
    queues = [Queue(name, connection=conn) for name in queue_names()]
    AppWorker(queues, connection=conn, app=current_app._get_current_object()).work(burst=burst)
