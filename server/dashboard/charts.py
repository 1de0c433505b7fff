"""Charts drawn on the server as SVG: no script, no network, readable when printed."""
from markupsafe import Markup, escape

from ..i18n import decimal

PALETTE = ("#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#990000", "#7f6000", "#351c75")


def bar_chart(rows: list[tuple[str, float | None]], *, title: str, max_value: float | None = None,
              unit: str = "", width: int = 640, marks: tuple = (), places: int = 2) -> Markup:
    """Return a horizontal bar chart of (label, value) rows; None values are drawn as "–"."""
    bar_h, gap, label_w = 22, 8, 250
    height = max(len(rows), 1) * (bar_h + gap) + 30
    top = max_value or max([v for _, v in rows if v is not None] or [1]) or 1
    plot_w = width - label_w - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for value, label in marks:
        x = label_w + plot_w * min(value / top, 1)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" class="mark"/>'
                     f'<text x="{x:.1f}" y="{height - 6}" class="tick" text-anchor="middle">{escape(label)}</text>')
    for i, (label, value) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="label">'
                     f'{escape(_clip(label, 30))}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 16}" class="value">–</text>')
            continue
        w = plot_w * max(min(value / top, 1), 0)
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                     f'fill="{PALETTE[0]}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="value">{_fmt(value, places)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(series: dict[str, list[float | None]], labels: list[str], *, title: str,
               lo: float = 0, hi: float = 100, width: int = 640, height: int = 260,
               bands: tuple = (), legend: bool = True) -> Markup:
    """Return a line chart: one line per series over the x `labels`; gaps where None."""
    left, right, top, bottom = 44, (150 if legend else 28), 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)

    def x(i):
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v):
        return top + plot_h * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for value, label in bands:
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" class="mark"/>'
                     f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" class="tick">{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x(i):.1f},{y(v):.1f}")
        if current:
            segments.append(current)
        for seg in segments:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{" ".join(seg)}"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}"/>')
        ly = top + 14 + k * 18
        if legend:
            parts.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                         f'<text x="{left + plot_w + 26}" y="{ly}" class="label">{escape(_clip(name, 18))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt(value: float, places: int = 2) -> str:
    if isinstance(value, float) and not value.is_integer():
        return decimal(value, places)
    return f"{int(value)}"


MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTHS_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_label(period, lang: str = "id") -> str:
    """Return a period label short enough for a chart axis ("Okt 26", "2026-Q4")."""
    if period.kind == "month":
        names = MONTHS_SHORT_EN if lang == "en" else MONTHS_SHORT
        return f"{names[period.first_month - 1]} {period.year % 100:02d}"
    return period.code
