"""Issue 13 (item 13): error paths keep personal data out of the logs too. A database error
must not log the statement's values (a guest's name) nor the driver's text repeating them,
and an error log line names the route, never the path (which may carry a token)."""
import uuid

import pytest
from sqlalchemy import text

from server.extensions import db as _db
from server.models import Visit
from tests.trust.test_log_hygiene import captured_logs  # noqa: F401  (fixture)

GUEST = "Siti Rahmawati Binti Abdullah"
ADDRESS = "Jl. Ahmad Yani No. 17, Pontianak"
TOKEN = "tok" + uuid.uuid4().hex


@pytest.fixture
def failing_app(make_app):
    """An app with two routes that fail in the database with a guest's data in the statement."""
    app = make_app()

    def insert_orphan(token):
        # A visit for an office that does not exist: a foreign-key error on both engines.
        _db.session.add(Visit(id=str(uuid.uuid4()), office_id=987654, name=GUEST, address=ADDRESS))
        _db.session.commit()
        return "stored"

    def cast_name(token):
        # PostgreSQL repeats the value in its message: invalid input syntax ... "<name>".
        _db.session.execute(text("SELECT CAST(:name AS INTEGER) + CAST(:address AS INTEGER)"),
                            {"name": GUEST, "address": ADDRESS})
        # SQLite casts text to 0 without complaint: fail on a missing table instead.
        _db.session.execute(text("SELECT * FROM missing_table_for_test WHERE x = :name"), {"name": GUEST})
        return "cast"

    def null_column(token):
        # PostgreSQL's NOT NULL message repeats the whole row ("Failing row contains ...").
        _db.session.execute(text("INSERT INTO visit (id, office_id, name, address) "
                                 "VALUES (:id, NULL, :name, :address)"),
                            {"id": str(uuid.uuid4()), "name": GUEST, "address": ADDRESS})
        return "null"

    app.add_url_rule("/test-boom/null/<token>", "boom_null", null_column, methods=["POST"])
    app.add_url_rule("/test-boom/orphan/<token>", "boom_orphan", insert_orphan, methods=["POST"])
    app.add_url_rule("/test-boom/cast/<token>", "boom_cast", cast_name, methods=["POST"])
    return app


@pytest.mark.parametrize("route", ["orphan", "cast", "null"])
def test_a_database_error_logs_no_statement_values_and_no_path(failing_app, captured_logs, route):  # noqa: F811
    client = failing_app.test_client()
    response = client.post(f"/test-boom/{route}/{TOKEN}", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    _db.session.rollback()
    logged = "\n".join(captured_logs.lines)
    errors = [line for line in captured_logs.lines if "unhandled error" in line]
    assert errors, "the failure was logged"
    assert "database error" in errors[0] and f"/test-boom/{route}/<token>" in errors[0]
    assert "Traceback" in errors[0] or "File " in errors[0], "the traceback is kept"
    for secret in (GUEST, ADDRESS, TOKEN, "Rahmawati"):
        assert secret not in logged, [line for line in captured_logs.lines if secret in line][:2]
    assert GUEST not in response.get_data(as_text=True)


def test_the_engine_hides_statement_parameters_in_exception_text(app, db):
    """The statement's values never appear with the SQL (the driver's own message is left
    out of logs by log_failure, above: PostgreSQL may repeat a failing row in it)."""
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("INSERT INTO visit (id, office_id, name) VALUES (:id, :office, :name)"),
                           {"id": str(uuid.uuid4()), "office": 987654, "name": GUEST})
        db.session.commit()
    db.session.rollback()
    sql_part = str(caught.value)[str(caught.value).index("[SQL:"):]
    assert GUEST not in sql_part and "parameters hidden" in sql_part
