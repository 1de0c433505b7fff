"""The `sitamu demo` command: load once, --if-empty on every start, volume for benchmarks."""
from sqlalchemy import func, select

from server.models import Office, Visit


def test_demo_if_empty_loads_once_and_then_skips(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Loaded the demo data" in result.output
    assert db.session.scalar(select(func.count()).select_from(Office)) == 3
    visits = db.session.scalar(select(func.count()).select_from(Visit))
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already has offices" in again.output
    assert db.session.scalar(select(func.count()).select_from(Visit)) == visits


def test_demo_without_if_empty_on_a_loaded_database_fails_clearly(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--seed", "3"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "already has 3 office" in result.stderr


def test_demo_volume_options_add_visits_or_fail_with_a_message(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--if-empty", "--seed", "3"]).exit_code == 0
    before = db.session.scalar(select(func.count()).select_from(Visit))
    ok = runner.invoke(args=["demo", "--office", "KALBAR-BPBJ", "--month", "2026-09", "--visits", "25"])
    assert ok.exit_code == 0, ok.output
    assert "Added 25 visits to KALBAR-BPBJ in 2026-09" in ok.output
    assert db.session.scalar(select(func.count()).select_from(Visit)) == before + 25
    for args, message in [
        (["--office", "KALBAR-BPBJ", "--month", "2026-9", "--visits", "5"], "month must be YYYY-MM"),
        (["--office", "NOPE", "--month", "2026-09", "--visits", "5"], "no office with code"),
        (["--office", "KALBAR-BPBJ", "--month", "2026-09", "--visits", "0"], "at least 1"),
        (["--office", "KALBAR-BPBJ", "--visits", "5"], "go together"),
    ]:
        result = runner.invoke(args=["demo", *args])
        assert result.exit_code != 0, args
        assert message in result.stderr, (args, result.stderr)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == before + 25


def test_demo_keeps_an_admin_account_made_before_it(app, db, make_user):
    from server.models import StaffUser

    own = make_user("central_admin", username="admin")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Existing accounts kept as they were (not demo accounts): admin" in result.output
    db.session.expire_all()
    admin = db.session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert admin.id == own.id and admin.check_password("password123")
    assert db.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.username == "ajudan.bupati")) == 1
