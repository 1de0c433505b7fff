"""The appointment ticket: one A5 page the guest prints or shows on a phone, with the office's
letterhead, the date, time, host or service, queue letter, booking code and the signed QR.

`render_ticket` takes plain data (server/appointments/operations.py `ticket_data` gathers it)."""

import io

from markupsafe import Markup

from ..render import html_to_pdf, jinja_env, read_css


def qr_svg(text: str) -> Markup:
    """Return an SVG QR code of the ticket text (segno, no network)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, unit="mm"
    )
    return Markup(out.getvalue().decode())


def render_ticket(data: dict) -> bytes:
    """Return the ticket PDF (one page)."""
    html = (
        jinja_env()
        .get_template("ticket/ticket.html")
        .render(d=data, css=read_css("ticket/ticket.css"), qr=qr_svg(data["qr_text"]))
    )
    return html_to_pdf(html)
