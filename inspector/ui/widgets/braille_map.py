"""A scatter plot in braille characters: 2×4 dots per cell, any number of points.

Points are binned into the dot grid with numpy, so a million-point map draws as fast as a
small one. Cells holding a point of the highlighted set are drawn in the highlight style,
on top of the rest, so a selected cluster stands out even where clusters overlap.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

_BASE = 0x2800
# Bit of each dot (column, row) in a braille cell.
_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.int32)


def braille_grid(
    x: np.ndarray, y: np.ndarray, width: int, height: int, bounds: tuple[float, float, float, float]
) -> np.ndarray:
    """`height × width` array of braille bit masks for the points (x, y) inside `bounds`."""
    grid = np.zeros((height, width), dtype=np.int32)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any() or width < 1 or height < 1:
        return grid
    x0, x1, y0, y1 = bounds
    dx = (x[ok] - x0) / ((x1 - x0) or 1.0)
    dy = (y1 - y[ok]) / ((y1 - y0) or 1.0)  # up is up
    px = np.clip((dx * (width * 2 - 1)).round().astype(np.int64), 0, width * 2 - 1)
    py = np.clip((dy * (height * 4 - 1)).round().astype(np.int64), 0, height * 4 - 1)
    bits = _BITS[px % 2, py % 4]
    np.bitwise_or.at(grid, (py // 4, px // 2), bits)
    return grid


class BrailleMap(Widget):
    """Points `x`, `y`; the points where `highlight` is True drawn in `braille-map--selected`."""

    COMPONENT_CLASSES = {"braille-map--points", "braille-map--selected"}
    DEFAULT_CSS = """
    BrailleMap { height: 1fr; width: 1fr; }
    BrailleMap > .braille-map--points { color: $text-muted; }
    BrailleMap > .braille-map--selected { color: $accent; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.x = np.zeros(0, dtype=np.float32)
        self.y = np.zeros(0, dtype=np.float32)
        self.highlight = np.zeros(0, dtype=bool)

    def plot(self, x: np.ndarray, y: np.ndarray, highlight: np.ndarray | None = None) -> None:
        self.x, self.y = x, y
        self.highlight = highlight if highlight is not None else np.zeros(len(x), dtype=bool)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        ok = np.isfinite(self.x) & np.isfinite(self.y)
        if not ok.any() or width < 2 or height < 1:
            return Text("(no points to draw)")
        bounds = (
            float(self.x[ok].min()),
            float(self.x[ok].max()),
            float(self.y[ok].min()),
            float(self.y[ok].max()),
        )
        rest = ~self.highlight
        base = braille_grid(self.x[rest], self.y[rest], width, height, bounds)
        top = braille_grid(self.x[self.highlight], self.y[self.highlight], width, height, bounds)
        points = self.get_component_rich_style("braille-map--points")
        selected = self.get_component_rich_style("braille-map--selected")
        text = Text(no_wrap=True, overflow="crop")
        for r in range(height):
            for c in range(width):
                if top[r, c]:
                    text.append(chr(_BASE + int(top[r, c] | base[r, c])), selected)
                elif base[r, c]:
                    text.append(chr(_BASE + int(base[r, c])), points)
                else:
                    text.append(" ")
            if r < height - 1:
                text.append("\n")
        return text
