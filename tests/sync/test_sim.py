"""`sitamu sync-sim`: simulated tablets on a lossy network converge on the server."""
import json


def test_sync_sim_converges_with_losses_repeats_and_two_offices(app, db, live_server):
    result = app.test_cli_runner().invoke(args=[
        "sync-sim", "--server", live_server, "--devices", "4", "--visits", "60", "--drop-rate", "0.2",
        "--dup-rate", "0.2", "--lost-ack-rate", "0.2", "--offices", "2", "--seed", "5"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["converged"] is True
    assert summary["lost"] == 0 and summary["duplicated"] == 0
    assert summary["visits_expected"] == summary["visits_on_server"] == 60
    assert summary["events_sent"] > summary["events_made"]  # resends happened
    assert summary["dropped_requests"] and summary["lost_acks"]


def test_sync_sim_reports_an_unreachable_server(app, db):
    result = app.test_cli_runner().invoke(args=["sync-sim", "--server", "http://127.0.0.1:9", "--visits", "1"])
    assert result.exit_code == 1 and "Error" in result.output
