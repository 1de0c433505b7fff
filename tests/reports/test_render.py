"""Rendering helpers: images stamped into rendered PDFs."""
import io
import subprocess

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from reports.render import html_to_pdf, stamp_images

BLANK = '<html><head><style>@page { size: 100mm 50mm; margin: 0 }</style></head><body></body></html>'


def png(mode: str, size=(200, 100)) -> bytes:
    """Return an image that is transparent black (or white) but for a black bar across its middle."""
    image = Image.new(mode, size, (0, 0) if mode == "LA" else (0, 0, 0, 0) if mode == "RGBA" else 255)
    ImageDraw.Draw(image).rectangle((0, size[1] // 2 - 5, size[0] - 1, size[1] // 2 + 5),
                                    fill=(0, 255) if mode == "LA" else (0, 0, 0, 255) if mode == "RGBA" else 0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def shot(pdf: bytes, tmp_path, dpi: int = 127) -> Image.Image:
    (tmp_path / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(tmp_path / "in.pdf"),
                    str(tmp_path / "out")], check=True)
    return Image.open(tmp_path / "out.png").convert("L")


@pytest.mark.parametrize("mode", ["RGBA", "LA", "L"])
def test_stamped_image_is_fitted_in_its_box_on_white(mode, tmp_path):
    # A 2:1 image in a 40 x 10 mm box: 20 x 10 mm, centred (x 20-40 mm); its bar at y 14.5-15.5 mm.
    pdf = stamp_images(html_to_pdf(BLANK), [(0, (10, 10, 40, 10), "a")], {"a": ("image/png", png(mode))})
    image = PdfReader(io.BytesIO(pdf)).pages[0].images[0]
    assert image.image.mode == "L"
    page = shot(pdf, tmp_path)  # 5 px a millimetre
    dark = [(x, y) for y in range(page.height) for x in range(page.width) if page.getpixel((x, y)) < 128]
    xs, ys = [x / 5 for x, _ in dark], [y / 5 for _, y in dark]
    assert 19.5 <= min(xs) <= 20.5 and 39.5 <= max(xs) <= 40.5
    assert 14 <= min(ys) and max(ys) <= 16
    assert page.getextrema()[0] < 50 and page.getpixel((150, 55)) > 250  # white around the bar


def test_unreadable_image_is_left_out():
    blobs = {"good": ("image/png", png("LA")), "bad": ("image/png", b"\x89PNG\r\n\x1a\nnot an image")}
    pdf = stamp_images(html_to_pdf(BLANK), [(0, (0, 0, 20, 10), "bad"), (0, (20, 0, 20, 10), "good")], blobs)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
