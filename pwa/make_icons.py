"""Draw the desk app's PNG icons (run once; the PNGs are committed): python pwa/make_icons.py"""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent / "icons"
BLUE, WHITE, GOLD = (11, 79, 138), (255, 255, 255), (245, 184, 0)


def draw(size: int, safe: float) -> Image.Image:
    """Return an open guest book on blue; `safe` is the fraction of the icon the art may use."""
    img = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(img)
    s = size * safe
    o = (size - s) / 2
    # Two pages of an open book.
    d.rounded_rectangle([o + s * 0.08, o + s * 0.2, o + s * 0.49, o + s * 0.82], radius=s * 0.04, fill=WHITE)
    d.rounded_rectangle([o + s * 0.51, o + s * 0.2, o + s * 0.92, o + s * 0.82], radius=s * 0.04, fill=WHITE)
    for i in range(4):
        y = o + s * (0.32 + i * 0.12)
        d.line([o + s * 0.15, y, o + s * 0.42, y], fill=BLUE, width=max(2, int(s * 0.03)))
    # A check mark on the right page.
    w = max(3, int(s * 0.06))
    d.line([o + s * 0.6, o + s * 0.52, o + s * 0.68, o + s * 0.62, o + s * 0.84, o + s * 0.38], fill=GOLD, width=w, joint="curve")
    return img


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    draw(192, 0.9).save(HERE / "icon-192.png", optimize=True)
    draw(512, 0.9).save(HERE / "icon-512.png", optimize=True)
    draw(512, 0.7).save(HERE / "icon-maskable-512.png", optimize=True)
