"""Draws the extension's icons (src/icons/icon-{16,32,48,128}.png): a blue shield with a
white check mark, the shape the toolbar icon takes at run time (src/lib/icon.js).

Run from anywhere with Pillow installed (the tray extra has it), then commit the PNGs:

    .venv/bin/python extension/scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 32, 48, 128)
SUPERSAMPLE = 16  # drawn large and scaled down, for smooth edges
SHIELD = (26, 79, 139, 255)  # #1a4f8b
CHECK = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "src" / "icons"


def shield_outline(unit):
    """The shield on a 16-unit grid, as in src/lib/icon.js: flat shoulders, a curved point."""
    points = [(8, 0.5), (14.5, 3)]
    points += [_bezier((14.5, 3), (14.5, 12), (8, 15.5), t / 24) for t in range(1, 25)]
    points += [_bezier((8, 15.5), (1.5, 12), (1.5, 3), t / 24) for t in range(1, 25)]
    return [(x * unit, y * unit) for x, y in points]


def _bezier(start, control, end, t):
    return tuple((1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c for a, b, c in zip(start, control, end))


def draw(size):
    big = size * SUPERSAMPLE
    unit = big / 16
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.polygon(shield_outline(unit), fill=SHIELD)
    # A thicker stroke at 16 px, where one pixel is a sixteenth of the icon.
    width = round((2.2 if size <= 16 else 1.8) * unit)
    check = [(4.8 * unit, 8.2 * unit), (7.1 * unit, 10.5 * unit), (11.3 * unit, 5.6 * unit)]
    pen.line(check, fill=CHECK, width=width, joint="curve")
    for x, y in (check[0], check[-1]):  # round ends
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=CHECK)
    return image.resize((size, size), Image.LANCZOS)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        path = OUT / f"icon-{size}.png"
        draw(size).save(path, optimize=True)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
