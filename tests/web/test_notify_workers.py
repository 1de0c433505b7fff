"""Queued host e-mails leave without anyone running a command: through the web process's
sender thread, or through an RQ worker when Redis is configured."""
import os
import subprocess
import sys
import time
import uuid

import pytest

from server.models import Notification
from server.notify import kick, stop_workers


def _push_registration(app, desk, host, name="Siti Aminah"):
    from datetime import datetime, timezone

    event = desk.event(str(uuid.uuid4()), "registration", datetime.now(timezone.utc),
                       {"queue_number": "B004", "id_type": "ktp", "id_number": "6171014506900001",
                        "name": name, "host_id": host.id}, actor="guest")
    response = app.test_client().post("/api/v1/push", json={"protocol": 1, "events": [event]},
                                      headers=desk.headers)
    assert response.status_code == 200, response.json
    assert response.json["ack"]["stored"] == [event["id"]]


def _wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def notify_mode(app):
    saved = {k: app.config.get(k) for k in ("SITAMU_NOTIFY_MODE", "SITAMU_REDIS_URL")}

    def set_mode(mode, redis_url=None):
        app.config.update(SITAMU_NOTIFY_MODE=mode, SITAMU_REDIS_URL=redis_url)

    yield set_mode
    stop_workers()
    app.config.update(saved)


def test_a_push_wakes_the_sender_thread_which_mails_the_host(db, app, staffed, tablet, smtp_server,
                                                             mail_config, notify_mode):
    mail_config(smtp_server.port)
    notify_mode("thread")
    _push_registration(app, tablet(staffed.office), staffed.host)
    assert _wait_for(lambda: len(smtp_server.messages) == 1), "no mail arrived"
    assert smtp_server.messages[0]["To"] == "rina@uji.go.id"
    db.session.expire_all()
    assert db.session.scalar(db.select(Notification.status)) == "sent"


def test_with_redis_an_rq_worker_sends_the_queue(db, app, staffed, tablet, smtp_server, mail_config,
                                                 notify_mode, monkeypatch, tmp_path):
    from redis import Redis
    from rq import Queue

    redis_url = "redis://127.0.0.1:6379/14"
    redis = Redis.from_url(redis_url)
    try:
        redis.ping()
    except Exception:
        pytest.fail("Redis is not running at 127.0.0.1:6379")
    queue = Queue("sitamu-notify", connection=redis)
    queue.empty()
    mail_config(smtp_server.port)
    notify_mode("rq", redis_url)
    _push_registration(app, tablet(staffed.office), staffed.host)
    assert queue.count == 1
    # The worker process builds its own app from the environment, as in production.
    for name, value in {"SITAMU_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SITAMU_DATA_KEY": app.config["SITAMU_DATA_KEY"],
                        "SITAMU_SECRET_KEY": "worker-secret", "SITAMU_INSTANCE_PATH": str(tmp_path),
                        "SITAMU_SMTP_HOST": "127.0.0.1", "SITAMU_SMTP_PORT": str(smtp_server.port),
                        "SITAMU_REDIS_URL": redis_url}.items():
        monkeypatch.setenv(name, value)
    # `sitamu worker` serves the notification queue beside the reports queue.
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "worker", "--burst"],
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(Notification.status)) == "sent"


def test_redis_down_leaves_messages_queued(db, app, staffed, tablet, notify_mode):
    notify_mode("rq", "redis://127.0.0.1:1/0")
    _push_registration(app, tablet(staffed.office), staffed.host)  # the push itself succeeds
    kick(app)
    from server.notify import queue_waiting_visits

    queue_waiting_visits()
    assert db.session.scalar(db.select(Notification.status)) == "queued"


def test_two_senders_at_once_send_each_message_once(db, app, staffed, tablet, make_visit, smtp_server,
                                                    mail_config):
    import threading

    from server.notify import send_due

    mail_config(smtp_server.port)
    desk = tablet(staffed.office)
    for n in range(6):
        make_visit(desk, host=staffed.host, queue=f"A{n:03d}")
    from server.notify import queue_waiting_visits

    queue_waiting_visits()
    results, start = [], threading.Barrier(3)

    def sender():
        with app.app_context():
            start.wait()
            results.append(send_due())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["sent"] for r in results) == 6
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(set(subjects)) and len(subjects) == 6
