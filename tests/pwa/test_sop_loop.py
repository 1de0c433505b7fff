"""Kalimantan Barat's SOP at the desk: "service not sufficient" really goes back to the officer."""
from sqlalchemy import select

from server import sop
from server.models import Visit, VisitEvent
from sync.rules import format_time, walk_steps


def test_insufficient_feedback_walks_the_service_again_then_asks_again(desk_office, enrol_code, desk_factory, db):
    data = desk_office("kalbar-2021")
    desk = desk_factory()
    desk.enrol(enrol_code(data["office"], data["staff"]))
    queue = desk.register(name="Budi Santoso", nik="6171011505900001", sex="L", host="Ir. Agus Salim, M.T.")
    page = desk.page
    page.click("#slip-done")
    desk.login(data["staff"])
    desk.open_visit(queue)
    desk.act("#act-verify-ok")
    desk.act("#act-notify-phone")
    desk.act("#act-host-received", wait_step_change=False)
    page.wait_for_selector("#act-host-received", state="detached")
    desk.act("#act-admit")
    desk.act("#act-finish")
    assert page.get_attribute(".step.current", "data-step") == "tanya_feedback"

    # Not sufficient: the guest says what is still needed and goes back to the officer.
    page.fill("#feedback-need", "Contoh dokumen penawaran")
    desk.act("#act-feedback-more")
    assert page.get_attribute(".step.current", "data-step") == "beri_pelayanan"
    assert page.get_attribute("#visit-stage", "data-stage") == "finished"  # the stage does not go back
    assert "Contoh dokumen penawaran" in page.text_content("#service-again")
    assert page.locator(".step.current .timer").text_content() == "Berjalan 0 menit"
    restarted = page.get_attribute(".step.current .timer", "data-started")
    assert page.locator(".step.done[data-step='beri_pelayanan']").count() == 0
    assert page.locator(".step[data-step='tanya_feedback']:not(.done)").count() == 1
    # The whole walk at the repeated step, status and all, for people to look at.
    page.screenshot(path=str(desk.artifacts / "pwa-sop-service-again.png"), full_page=True)

    # The service again, then the feedback step comes again.
    desk.act("#act-finish")
    assert page.get_attribute(".step.current", "data-step") == "tanya_feedback"
    assert page.locator(".step.done[data-step='beri_pelayanan']").count() == 1
    assert page.locator("#service-again").count() == 0
    desk.act("#act-feedback-ok")
    assert page.get_attribute(".step.current", "data-step") == "hubungi_helpdesk"
    page.click("#act-checkout")
    page.wait_for_selector("#visit-stage[data-stage='checked_out']")
    assert page.locator(".step.done").count() == 7  # every step but the markers and the optional correction
    desk.sync()

    db.session.expire_all()
    visit = db.session.scalar(select(Visit).where(Visit.queue_number == queue))
    assert visit.stage == "checked_out"
    events = db.session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id)
                                .order_by(VisitEvent.corrected_time)).all()
    walked = [(e.kind, e.step) for e in events if e.step in ("beri_pelayanan", "tanya_feedback")]
    assert walked == [("finished", "beri_pelayanan"), ("service_feedback", "tanya_feedback"),
                      ("finished", "beri_pelayanan"), ("service_feedback", "tanya_feedback")]
    insufficient = next(e for e in events if e.kind == "service_feedback" and not e.payload["sufficient"])
    assert insufficient.payload["need"] == "Contoh dokumen penawaran"
    # The tablet's timer for the second round started at the feedback, as the server times it.
    assert restarted == format_time(insufficient.corrected_time)
    steps = sop.steps_for(sop.resolve_template(visit.office))
    assert walk_steps(steps, visit.state)["current"] is None
    # SOP-time reports count both rounds of the service (see server.sop.step_durations).
    durations = sop.step_durations(steps, events)
    service = [e.corrected_time for e in events if e.step in ("terima_tamu", "beri_pelayanan", "tanya_feedback")]
    first_round = (service[1] - service[0]).total_seconds() / 60
    second_round = (service[3] - service[2]).total_seconds() / 60
    assert abs(durations["beri_pelayanan"] - (first_round + second_round)) < 0.02
