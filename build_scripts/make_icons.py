"""Render ``resources/icons/app.svg`` with Qt into PNGs (16…1024) and write ``app.ico`` and ``app.icns``.

``python build_scripts/make_icons.py [OUT_DIR]`` (default ``build/icons``). Qt renders (QSvgRenderer, the
same renderer the app uses at run time); Pillow, a build-only dependency, packs the ICO and ICNS files.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``build_scripts`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from build_scripts.appinfo import ICO_SIZES, ICON_SIZES, ROOT

__all__ = ["make_icons", "png_name", "render_png"]

SOURCE = ROOT / "resources" / "icons" / "app.svg"


def png_name(size: int) -> str:
    return f"app-{size}.png"


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG rendered into a transparent ``size``×``size`` PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the icon SVG is not valid")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    del _app
    return bytes(data.data())


def make_icons(out: Path, source: Path = SOURCE) -> dict[str, Path]:
    """Write ``app-<N>.png`` for every size plus ``app.ico`` and ``app.icns``; returns name → path."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    svg = source.read_bytes()
    written: dict[str, Path] = {}
    images: dict[int, Image.Image] = {}
    for size in ICON_SIZES:
        png = render_png(svg, size)
        path = out / png_name(size)
        path.write_bytes(png)
        written[path.name] = path
        images[size] = Image.open(io.BytesIO(png)).convert("RGBA")
    largest = images[max(ICO_SIZES)]
    ico = out / "app.ico"
    smaller = [images[s] for s in ICO_SIZES if s != max(ICO_SIZES)]
    largest.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=smaller)
    written[ico.name] = ico
    icns = out / "app.icns"
    # ICNS members 16…512@2x: Pillow takes each from the Qt rendering of that exact size.
    others = [images[s] for s in ICON_SIZES if s != max(ICON_SIZES)]
    images[max(ICON_SIZES)].save(icns, format="ICNS", append_images=others)
    written[icns.name] = icns
    svg_copy = out / "app.svg"
    svg_copy.write_bytes(svg)
    written[svg_copy.name] = svg_copy
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "build" / "icons"
    for name in sorted(make_icons(out)):
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
