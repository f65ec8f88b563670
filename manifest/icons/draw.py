"""Draws Drafter's icons: a white pen nib, tilted to write, on a rounded square in a calm blue.

Run once by hand with Pillow in a scratch environment (Pillow is not a project dependency); the PNGs it writes
beside this file are committed and served as they are:

    python3 -m venv /tmp/icons && /tmp/icons/bin/pip install pillow
    /tmp/icons/bin/python manifest/icons/draw.py

Each size is drawn 8 times larger and scaled down, so edges are smooth at every size; below 32 px the nib's
slit and breather hole are left out (they would blur into a smudge). outline.png is the unified manifest's
32x32 outline icon: white only, on a transparent background.
"""
from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 8
TOP = (58, 123, 213)  # gradient of the tile, top to bottom: a calm, saturated blue
BOTTOM = (27, 74, 150)
WHITE = (255, 255, 255, 255)
TILT = math.radians(-40)  # the nib leans to the right, tip down-left, as when writing

# The nib in unit coordinates (centre of the icon at 0,0; y down), before the tilt.
NIB_BODY = [(-0.19, -0.16), (0.19, -0.16), (0.19, 0.0), (0.0, 0.36), (-0.19, 0.0)]
NIB_COLLAR = [(-0.15, -0.33), (0.15, -0.33), (0.15, -0.21), (-0.15, -0.21)]
HOLE = ((0.0, 0.03), 0.055)  # centre, radius
SLIT = ((0.0, 0.03), (0.0, 0.36))
SHIFT = (0.03, -0.02)  # the tilted nib sits a little right of and above the centre, for balance


def _place(points, size):
    cos, sin = math.cos(TILT), math.sin(TILT)
    placed = []
    for x, y in points:
        rx, ry = x * cos - y * sin + SHIFT[0], x * sin + y * cos + SHIFT[1]
        placed.append(((0.5 + rx) * size, (0.5 + ry) * size))
    return placed


def _nib(draw: ImageDraw.ImageDraw, size: int, ink, cut, scale: float, details: bool) -> None:
    """The nib at `scale` of the canvas; `cut` is what the slit and hole are drawn with."""
    def scaled(points):
        return [(x * scale, y * scale) for x, y in points]

    draw.polygon(_place(scaled(NIB_BODY), size), fill=ink)
    draw.polygon(_place(scaled(NIB_COLLAR), size), fill=ink)
    if details:
        (hx, hy), radius = HOLE
        (cx, cy), = _place([(hx * scale, hy * scale)], size)
        r = radius * scale * size
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=cut)
        start, end = _place(scaled(SLIT), size)
        draw.line([start, end], fill=cut, width=max(1, round(0.035 * scale * size)))


def _gradient(size: int) -> Image.Image:
    tile = Image.new("RGBA", (size, size))
    pixels = tile.load()
    for y in range(size):
        t = y / max(1, size - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True)) + (255,)
        for x in range(size):
            pixels[x, y] = colour
    return tile


def color_icon(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    # A ribbon icon keeps a hair of margin; the 192 px app icon fills its square as Teams and the admin
    # centre expect.
    margin = 0 if size >= 192 else round(big * 0.03)
    ImageDraw.Draw(mask).rounded_rectangle((margin, margin, big - 1 - margin, big - 1 - margin),
                                           radius=round(big * 0.22), fill=255)
    tile = _gradient(big)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(tile, (0, 0), mask)
    # Slit and hole are cut back to the tile's colour at their height, so they read as openings.
    nib = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    _nib(ImageDraw.Draw(nib), big, WHITE, (0, 0, 0, 0), scale=1.0, details=size >= 32)
    nib_mask = nib.getchannel("A")
    icon.paste(Image.new("RGBA", (big, big), WHITE), (0, 0), nib_mask)
    return icon.resize((size, size), Image.LANCZOS)


def outline_icon(size: int = 32) -> Image.Image:
    big = size * SUPERSAMPLE
    alpha = Image.new("L", (big, big), 0)
    _nib(ImageDraw.Draw(alpha), big, 255, 0, scale=1.25, details=True)
    alpha = alpha.resize((size, size), Image.LANCZOS)
    icon = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    icon.putalpha(alpha)  # white everywhere; only the alpha draws the nib
    return icon


def main() -> None:
    for size in (16, 32, 64, 80, 128):
        color_icon(size).save(HERE / f"icon-{size}.png", optimize=True)
    color_icon(192).save(HERE / "color.png", optimize=True)
    outline_icon(32).save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
