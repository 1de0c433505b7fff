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
