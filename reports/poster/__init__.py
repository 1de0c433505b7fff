"""The "Maklumat hasil SKM" poster: one A4 page an office prints for its notice board, with
the published IKM of a period, its mutu, the nine elements, the rencana tindak lanjut and a
QR code to the office's survey."""
import io

from markupsafe import Markup

from ..ikm import ELEMENT_KEYS, ELEMENT_LABELS, format_id
from ..publication import published_ikm
from ..render import html_to_pdf, jinja_env, read_css


def qr_svg(url: str) -> Markup:
    """Return an SVG QR code of `url` (segno, no network)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                    unit="mm")
    return Markup(out.getvalue().decode())


def gather_poster(office, period, survey_url: str, now=None) -> dict:
    """Return what the poster shows: the office, the published figures and the survey link."""
    from ..register import office_info, signing_date

    return {"office": office_info(office), **published_ikm(office, period), "survey_url": survey_url,
            "signed_on": signing_date(office, now)}


def render_poster(data: dict) -> bytes:
    """Return the poster PDF (one page)."""
    html = jinja_env().get_template("poster/poster.html").render(
        d=data, r=data["result"], css=read_css("poster/poster.css"), keys=ELEMENT_KEYS, labels=ELEMENT_LABELS,
        fmt=format_id, qr=qr_svg(data["survey_url"]))
    return html_to_pdf(html)
