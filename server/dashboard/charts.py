"""Charts drawn on the server as SVG: no script, no network, readable when printed."""
import math

from markupsafe import Markup, escape

from reports.periods import format_day

from ..i18n import decimal

LATE = "#b3261e"
PALETTE = ("#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#990000", "#7f6000", "#351c75")


def bar_chart(rows: list[tuple[str, float | None]], *, title: str, max_value: float | None = None,
              unit: str = "", width: int = 640, marks: tuple = (), places: int = 2,
              label_w: int = 250) -> Markup:
    """Return a horizontal bar chart of (label, value) rows; None values are drawn as "–"."""
    bar_h, gap = 22, 8
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
                     f'{escape(_clip(label, max(8, label_w // 8)))}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 16}" class="value">–</text>')
            continue
        w = plot_w * max(min(value / top, 1), 0)
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                     f'fill="{PALETTE[0]}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="value">{_fmt(value, places)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_range(values, *, floor: float | None = None, ceiling: float | None = None,
               step: float | None = None) -> tuple[float, float, float]:
    """Return (lo, hi, tick step) around the values: a little room above and below, rounded to
    a readable step, kept within floor..ceiling (e.g. 25..100 for IKM)."""
    present = [float(v) for v in values if v is not None]
    if not present:
        lo, hi = (floor if floor is not None else 0.0), (ceiling if ceiling is not None else 10.0)
    else:
        lo, hi = min(present), max(present)
        pad = max((hi - lo) * 0.15, 2.0 if ceiling == 100 else max(hi * 0.05, 1.0))
        lo, hi = lo - pad, hi + pad
        if floor is not None:
            lo = max(lo, floor)
        if ceiling is not None:
            hi = min(hi, ceiling)
    span = hi - lo or 1.0
    if step is None:
        raw = span / 5
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    if floor is not None:
        lo = max(lo, floor)
    if ceiling is not None:
        hi = min(hi, ceiling)
    if hi <= lo:
        hi = lo + step
    return lo, hi, step


def line_chart(series: dict[str, list[float | None]], labels: list[str], *, title: str,
               lo: float | None = None, hi: float | None = None, floor: float | None = None,
               ceiling: float | None = None, width: int = 640, height: int = 280,
               bands: tuple = (), legend: bool = True, places: int = 2, values: bool | None = None) -> Markup:
    """Return a line chart: one line per series over the x `labels`, gaps where None, with a
    y-axis scaled to the data (or to lo..hi) and the values written at the points when there
    are few lines."""
    data = [v for vs in series.values() for v in vs]
    auto_lo, auto_hi, step = nice_range(data, floor=floor, ceiling=ceiling)
    lo = auto_lo if lo is None else lo
    hi = auto_hi if hi is None else hi
    if hi <= lo:
        hi = lo + 1
    values = len(series) <= 3 if values is None else values
    left, right, top, bottom = 52, (170 if legend else 28), 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)

    inset = 24  # room between the y-axis and the first and last points, for their values

    def x(i):
        return left + inset + ((plot_w - 2 * inset) * i / (n - 1) if n > 1 else (plot_w - 2 * inset) / 2)

    def y(v):
        return top + plot_h * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    tick = lo
    while tick <= hi + 1e-9:
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
                     f'{_fmt(round(tick, 4), 1 if step < 1 else 0)}</text>')
        tick += step
    for value, label in bands:
        if lo < value < hi:
            parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" class="mark"/>'
                         f'<text x="{left + plot_w + 4}" y="{y(value) + 4:.1f}" class="tick">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>'
                 f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" class="tick">{escape(label)}</text>')
    for k, (name, points_in) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        segments, current = [], []
        for i, v in enumerate(points_in):
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
        for i, v in enumerate(points_in):
            if v is None:
                continue
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}"/>')
            if values:
                parts.append(f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" class="point" '
                             f'fill="{color}">{decimal(v, places) if places else _fmt(v, 0)}</text>')
        ly = top + 14 + k * 18
        if legend:
            parts.append(f'<rect x="{left + plot_w + 28}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                         f'<text x="{left + plot_w + 42}" y="{ly}" class="label">{escape(_clip(name, 20))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def median_chart(rows: list[tuple[str, float | None, float | None]], *, title: str, unit: str = "",
                 width: int = 640) -> Markup:
    """Return bars of (label, median, standard): the bar is the median, the black tick the
    standard; a bar past its standard is drawn in the "late" colour."""
    bar_h, gap, label_w = 20, 10, 270
    height = max(len(rows), 1) * (bar_h + gap) + 34
    top_value = max([v for _, m, s in rows for v in (m, s) if v is not None] or [1]) * 1.1
    plot_w = width - label_w - 80
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    lo, hi, step = nice_range([0, top_value], floor=0)
    tick = 0.0
    while tick <= hi + 1e-9:
        px = label_w + plot_w * tick / hi
        parts.append(f'<line x1="{px:.1f}" y1="0" x2="{px:.1f}" y2="{height - 24}" class="grid"/>'
                     f'<text x="{px:.1f}" y="{height - 8}" text-anchor="middle" class="tick">{_fmt(tick, 0)}</text>')
        tick += step
    for i, (label, median, standard) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="label">'
                     f'{escape(_clip(label, 32))}</text>')
        if median is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 15}" class="value">–</text>')
        else:
            w = plot_w * min(median / hi, 1)
            late = standard is not None and median > standard
            # The value after the bar or the standard's tick, whichever ends further right.
            end = max(w, plot_w * min(standard / hi, 1) if standard is not None else 0)
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{LATE if late else PALETTE[0]}"/>'
                         f'<text x="{label_w + end + 6:.1f}" y="{y + 15}" class="value">{_fmt(median, 1)}{escape(unit)}</text>')
        if standard is not None:
            sx = label_w + plot_w * min(standard / hi, 1)
            parts.append(f'<line x1="{sx:.1f}" y1="{y - 3}" x2="{sx:.1f}" y2="{y + bar_h + 3}" class="standard"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_map(grid: list[list[int]], rows: list[str], columns: list[str], *, title: str,
             width: int = 640) -> Markup:
    """Return a grid of shaded cells (rows x columns) with the count written in each."""
    label_w, top = 70, 22
    cell_w = (width - label_w - 8) / max(len(columns), 1)
    cell_h = 26
    height = top + len(rows) * cell_h + 6
    peak = max([v for row in grid for v in row] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for j, column in enumerate(columns):
        parts.append(f'<text x="{label_w + cell_w * (j + 0.5):.1f}" y="{top - 8}" text-anchor="middle" '
                     f'class="tick">{escape(column)}</text>')
    for i, (label, row) in enumerate(zip(rows, grid, strict=True)):
        y = top + i * cell_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" class="label">{escape(label)}</text>')
        for j, value in enumerate(row):
            share = value / peak
            parts.append(f'<rect x="{label_w + cell_w * j:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                         f'fill="{PALETTE[0]}" fill-opacity="{0.06 + 0.94 * share:.2f}"/>')
            if value:
                parts.append(f'<text x="{label_w + cell_w * (j + 0.5) - 1:.1f}" y="{y + 17}" text-anchor="middle" '
                             f'class="{"cell-dark" if share > 0.5 else "cell"}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt(value: float, places: int = 2) -> str:
    if isinstance(value, float) and not value.is_integer():
        return decimal(value, places)
    return f"{int(value)}"


def short_label(period, lang: str = "id") -> str:
    """Return a period label short enough for a chart axis ("Okt 26", "2026-Q4")."""
    if period.kind == "month":
        return format_day(period.first_day, "MMM yy", lang)
    return period.code
