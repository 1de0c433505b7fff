"""Rendering helpers shared by the report documents: templates, text fitting, PDF chunks,
parallel rendering, merging and page numbering.

Long documents are rendered as page-aligned chunks (each chunk a whole number of pages),
in parallel processes, merged with pikepdf, and numbered afterwards ("Halaman X dari Y"),
so a chunk's PDF depends only on its own rows and can be cached by the hash of its HTML.
"""
import base64
import hashlib
import io
import multiprocessing
import os
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

REPORTS_DIR = Path(__file__).resolve().parent
# Bump when a template or CSS changes, so cached PDFs are not reused.
TEMPLATE_VERSION = "2026-12-04.2"

FONT_FILES = {
    "regular": ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    "bold": ("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
}
BLOB_URL = re.compile(r"sitamu-blob:([0-9a-f]{64})")


@lru_cache(maxsize=1)
def jinja_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(REPORTS_DIR)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def read_css(*names: str) -> str:
    """Return the CSS files (relative to reports/) joined in the order given."""
    return "\n".join((REPORTS_DIR / name).read_text(encoding="utf-8") for name in names)


# --- fitting text in fixed cells -----------------------------------------------------------

@lru_cache(maxsize=8)
def _font(weight: str, size_tenths: int):
    from PIL import ImageFont

    for path in FONT_FILES[weight]:
        if os.path.exists(path):
            return ImageFont.truetype(path, size_tenths)
    return None


# Liberation Sans's digits all have the same width: a word is measured (and cached) with its
# digits as zeros, so the numbers of addresses and identity cards are measured once.
_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")


def text_width_mm(text: str, size_pt: float, weight: str = "regular") -> float:
    """Return the width of `text` in Liberation Sans at `size_pt`, in millimetres."""
    return _width_mm(text.translate(_DIGITS_AS_ZERO), size_pt, weight)


@lru_cache(maxsize=200_000)
def _width_mm(text: str, size_pt: float, weight: str) -> float:
    font = _font(weight, int(size_pt * 10))
    if font is None:  # rough fallback: average glyph is half an em wide
        points = len(text) * size_pt * 0.5
    else:
        points = font.getlength(text) / 10
    return points * 25.4 / 72


def _words_width_mm(words: list[str], size_pt: float) -> float:
    """Return the width of words joined by spaces (word widths cached; no kerning across)."""
    return sum(_width_mm(w.translate(_DIGITS_AS_ZERO), size_pt, "regular") for w in words) + \
        _width_mm(" ", size_pt, "regular") * (len(words) - 1)


def fit_lines(text: str, width_mm: float, size_pt: float, max_lines: int | None = 2) -> list[str]:
    """Word-wrap `text` into lines of `width_mm` (a word longer than a line is broken over
    lines); with `max_lines`, at most that many, the last ending in "…" if cut. None: all
    the lines the text needs (the register cuts nothing)."""
    width_mm *= 0.97  # word widths are summed without kerning: keep a small margin
    words = [w for w in (text or "").split() if w]
    lines: list[str] = []
    current: list[str] = []
    index = 0
    if max_lines is None:
        max_lines = len(text or "") + 1
    while index < len(words) and len(lines) < max_lines:
        word = words[index]
        if _words_width_mm(current + [word], size_pt) <= width_mm:
            current.append(word)
            index += 1
            continue
        if not current:  # one word longer than the line: cut it
            cut = word
            while len(cut) > 1 and text_width_mm(cut, size_pt) > width_mm:
                cut = cut[:-1]
            lines.append(cut)
            words[index] = word[len(cut):]
            if not words[index]:
                index += 1
            continue
        lines.append(" ".join(current))
        current = []
    if current and len(lines) < max_lines:
        lines.append(" ".join(current))
        current = []
    if index < len(words) or current:
        last = lines[-1] if lines else ""
        while last and text_width_mm(last + "…", size_pt) > width_mm:
            last = last[:-1].rstrip()
        lines[-1:] = [last + "…"]
    return lines or [""]


def data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def fill_blobs(html: str, blobs: dict[str, tuple[str, bytes]]) -> str:
    """Replace "sitamu-blob:<sha>" placeholders with data URIs of the blobs."""
    def replace(match):
        blob = blobs.get(match[1])
        return data_uri(*blob) if blob else ""

    return BLOB_URL.sub(replace, html)


def html_hash(html: str) -> str:
    return hashlib.sha256(f"{TEMPLATE_VERSION}\n{html}".encode()).hexdigest()


# --- rendering -----------------------------------------------------------------------------

def local_url_fetcher():
    """Return WeasyPrint's URL fetcher limited to data: URIs and files under reports/.

    Reports carry their CSS inline and their images as data URIs; nothing else is ever
    needed, so a template mistake (or a value that ends up in a src attribute) can never make
    the server fetch an http:// URL, read a file elsewhere on disk or reach another host."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    root = REPORTS_DIR.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if parts.netloc not in ("", "localhost") or not path.is_relative_to(root):
                    raise ValueError("only Sitamu's own report files may be read")
            elif scheme != "data":
                raise ValueError(f"{scheme or 'relative'} URLs are not fetched in reports")
            return super().fetch(url, headers)

    # A new one per document: an OpenerDirector keeps per-request state.
    return LocalFetcher(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)


# A document's stylesheet marked `<style data-shared>` (its only stylesheet) is parsed once per
# process and reused: WeasyPrint parses and compiles a stylesheet for each document (18 ms for
# the register's, 3 % of a chunk), and the register renders fifty chunks with one CSS.
SHARED_STYLE = re.compile(r"<style data-shared>(.*?)</style>", re.S)


@lru_cache(maxsize=16)
def shared_stylesheet(css: str):
    """Return the parsed stylesheet of `css` (cached per process: reused by every document)."""
    from weasyprint import CSS

    return CSS(string=css, base_url=str(REPORTS_DIR), url_fetcher=local_url_fetcher())


def html_to_pdf(html: str) -> bytes:
    """Render one HTML document (CSS inline, images as data URIs) to PDF bytes; only data:
    URIs and files under reports/ are fetched (local_url_fetcher).

    A `<style data-shared>` block, when it is the document's only stylesheet, is taken out and
    given to WeasyPrint as a stylesheet parsed once per process (shared_stylesheet): the same
    cascade (user origin instead of author, with no other author stylesheet to lose to and no
    !important anywhere), without parsing and compiling it again for every chunk."""
    from weasyprint import HTML

    sheets = []
    shared = SHARED_STYLE.findall(html)
    if len(shared) == 1 and html.count("<style") == 1 and "<link" not in html:
        sheets.append(shared_stylesheet(shared[0]))
        html = SHARED_STYLE.sub("", html, count=1)
    return HTML(string=html, base_url=str(REPORTS_DIR), url_fetcher=local_url_fetcher()).write_pdf(
        stylesheets=sheets)


def _flat_gray(data: bytes):
    """Return an image decoded, turned upright, flattened onto white and in shades of gray."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        with_alpha = image.convert("LA")
        gray = Image.new("L", image.size, 255)
        gray.paste(with_alpha.getchannel("L"), mask=with_alpha.getchannel("A"))
        return gray
    return image.convert("L")


def stamp_images(pdf: bytes, stamps: list[tuple[int, tuple[float, float, float, float], str]],
                 blobs: dict[str, tuple[str, bytes]]) -> bytes:
    """Draw blob images on the pages of a PDF, under the page's own content.

    A stamp is (page index, (left, top, width, height) in mm from the page's top left
    corner, blob sha); the image is fitted into its box like CSS `object-fit: contain`.
    Images are flattened onto white and stored in gray, Flate-compressed, one XObject per
    blob: made for signatures, which WeasyPrint would decode and re-encode twice each
    (image and alpha mask), a quarter of a register page's rendering time."""
    import zlib

    import pikepdf
    from pikepdf import Dictionary, Name

    mm = 72 / 25.4
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        xobjects: dict[str, tuple[object, int, int] | None] = {}
        drawn: dict[int, list[bytes]] = {}
        for page_index, (left, top, width, height), sha in stamps:
            if sha not in xobjects:
                try:
                    gray = _flat_gray(blobs[sha][1])
                except Exception:  # an unreadable image is left out, as WeasyPrint would
                    xobjects[sha] = None
                    continue
                # Level 5: 5 % larger than 6 for 40 % less time (mostly white scribbles).
                stream = pikepdf.Stream(document, zlib.compress(gray.tobytes(), 5))
                stream.stream_dict = Dictionary(Type=Name.XObject, Subtype=Name.Image, Width=gray.width,
                                                Height=gray.height, ColorSpace=Name.DeviceGray,
                                                BitsPerComponent=8, Filter=Name.FlateDecode,
                                                Interpolate=True)
                xobjects[sha] = (document.make_indirect(stream), gray.width, gray.height)
            if xobjects[sha] is None or page_index >= len(document.pages):
                continue
            image, pixels_wide, pixels_high = xobjects[sha]
            page = document.pages[page_index]
            scale = min(width / pixels_wide, height / pixels_high)
            w, h = pixels_wide * scale, pixels_high * scale
            x = left + (width - w) / 2
            y = float(page.mediabox[3]) / mm - (top + (height - h) / 2) - h
            name = page.add_resource(image, Name.XObject, prefix="Im")
            drawn.setdefault(page_index, []).append(
                f"q {w * mm:.3f} 0 0 {h * mm:.3f} {x * mm:.3f} {y * mm:.3f} cm {name} Do Q\n".encode())
        for page_index, commands in drawn.items():
            # Before the page's own content, so it starts from the default graphics state.
            document.pages[page_index].contents_add(pikepdf.Stream(document, b"".join(commands)), prepend=True)
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _render_job(args) -> tuple[bytes, int, float]:
    """Render one job (HTML, blobs for its placeholders, image stamps); return the PDF, this
    process's peak memory so far (KiB) and the CPU seconds the job took."""
    import resource
    import time

    started = time.process_time()
    html, blobs, stamps = args
    pdf = html_to_pdf(fill_blobs(html, blobs))
    if stamps:
        pdf = stamp_images(pdf, stamps, blobs)
    return pdf, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time() - started


# Peak memory (KiB) of the processes of the last render_many call, and the CPU seconds
# its jobs took (wall time is noisy on a shared machine).
last_peak_kib = 0
last_cpu_seconds = 0.0


@contextmanager
def render_pool(workers: int):
    """Yield a pool of `workers` render processes (forkserver, WeasyPrint preloaded), started
    at once so they come up while the caller gathers its data; None for one worker."""
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "reports.render"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # The pool starts a process per job submitted while none is idle; from a thread, as
        # the first one waits for the fork server to import WeasyPrint.
        starter = threading.Thread(target=lambda: [pool.submit(os.getpid) for _ in range(workers)])
        starter.start()
        try:
            yield pool
        finally:
            starter.join()


def render_many(jobs: list[tuple[str, dict, list]], workers: int = 2, on_done=None,
                pool: ProcessPoolExecutor | None = None) -> list[bytes]:
    """Render (html, blobs, stamps) jobs to PDFs (see stamp_images), in `pool` or in
    `workers` processes started for them (in this process for one worker or one job).

    `on_done(finished, total)` is called after each job."""
    global last_peak_kib, last_cpu_seconds
    last_peak_kib, last_cpu_seconds = 0, 0.0
    results: list[bytes | None] = [None] * len(jobs)
    if pool is None and (workers <= 1 or len(jobs) <= 1):
        for index, job in enumerate(jobs):
            results[index], peak, cpu = _render_job(job)
            last_peak_kib, last_cpu_seconds = max(last_peak_kib, peak), last_cpu_seconds + cpu
            if on_done:
                on_done(index + 1, len(jobs))
        return results
    if pool is None:
        with render_pool(min(workers, len(jobs))) as started:
            return render_many(jobs, on_done=on_done, pool=started)
    from concurrent.futures import as_completed

    futures = {pool.submit(_render_job, job): index for index, job in enumerate(jobs)}
    for finished, future in enumerate(as_completed(futures), start=1):
        results[futures[future]], peak, cpu = future.result()
        last_peak_kib, last_cpu_seconds = max(last_peak_kib, peak), last_cpu_seconds + cpu
        if on_done:
            on_done(finished, len(jobs))
    return results


def page_count(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


# --- merging and numbering -----------------------------------------------------------------

# Helvetica advance widths (1/1000 em) for the characters of a page label.
_HELVETICA = {**{d: 556 for d in "0123456789"}, " ": 278, "H": 722, "a": 556, "l": 222,
              "m": 833, "n": 556, "d": 556, "r": 333, "i": 222, "P": 667, "g": 556, "e": 556,
              "o": 556, "f": 278}


def merge_and_number(parts: list[bytes], label: str = "Halaman {page} dari {pages}",
                     size_pt: float = 7.5, right_mm: float = 12, bottom_mm: float = 7.5,
                     skip_first: int = 0, underlays: list[list[bytes | None]] | None = None,
                     drawings: list[list[bytes]] | None = None) -> bytes:
    """Concatenate PDFs and write `label` at the bottom right of every page.

    `underlays[i][j]`, when given, is a one-page PDF drawn under page j of part i; each
    distinct one becomes a single form XObject that every page using it shares.
    `drawings[i][j]`, when given, is PDF drawing operators (e.g. a table's rules) added to
    page j of part i, in the default graphics state.
    Merged with pikepdf (qpdf): pure-Python pypdf needs a minute for a 5,000-row register.
    The label is drawn in the base-14 Helvetica (no embedding) on top of each page's own
    content, after restoring the graphics state, so page numbers need no re-rendering."""
    import pikepdf
    from pikepdf import Dictionary, Name

    merged = pikepdf.Pdf.new()
    sources = []  # pages copied from a source need it open until the merged file is saved
    forms: dict[bytes, object] = {}
    extra: dict[int, bytes] = {}  # page index -> drawing operators
    for index, part in enumerate(parts):
        for offset, drawing in enumerate((drawings[index] if drawings else None) or []):
            if drawing:
                extra[len(merged.pages) + offset] = drawing
        source = pikepdf.Pdf.open(io.BytesIO(part))
        sources.append(source)
        first = len(merged.pages)
        merged.pages.extend(source.pages)
        for offset, under in enumerate((underlays[index] if underlays else None) or []):
            if under is None or first + offset >= len(merged.pages):
                continue
            if under not in forms:
                grid = pikepdf.Pdf.open(io.BytesIO(under))
                sources.append(grid)
                forms[under] = merged.copy_foreign(grid.pages[0].as_form_xobject())
            merged.pages[first + offset].add_underlay(forms[under])
    font = merged.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica,
                                           Encoding=Name.WinAnsiEncoding))
    total = len(merged.pages)
    for number, page in enumerate(merged.pages, start=1):
        drawing = extra.get(number - 1, b"")
        if number <= skip_first:
            if drawing:
                page.contents_add(b"q\n", prepend=True)
                page.contents_add(b"Q q " + drawing + b"Q\n")
            continue
        text = label.format(page=number, pages=total)
        width_pt = sum(_HELVETICA.get(ch, 556) for ch in text) * size_pt / 1000
        x = float(page.mediabox[2]) - right_mm * 72 / 25.4 - width_pt
        y = bottom_mm * 72 / 25.4
        name = page.add_resource(font, Name.Font, Name("/SitamuPageNo"))
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q q " + drawing + (f"Q q BT {name} {size_pt:g} Tf 0 g 1 0 0 1 {x:.2f} {y:.2f} Tm "
                                               f"({text}) Tj ET Q\n").encode("latin-1"))
    out = io.BytesIO()
    merged.save(out)
    for source in sources:
        source.close()
    return out.getvalue()
