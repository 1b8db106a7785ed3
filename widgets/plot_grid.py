"""A plot's grid as one still item, redrawn only when the plot's range changes.

pyqtgraph's own grid (`showGrid`) is drawn by the axes, which then cover the whole plot
area: cached, every frame blits their full-size pixmaps; uncached, every frame re-draws
their tick text. Here the axes stay narrow strips (cheap to cache) and the grid is a few
straight segments at the axes' own tick positions, made again only when a range changes,
which the live plots' fixed ranges rarely do. Never imports the store or the core.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

GRID_ALPHA = 64  # of 255: the grid sits well behind the traces


class PlotGrid:
    """Horizontal and vertical lines at `plot`'s major and minor tick positions."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.lines = pg.PlotCurveItem(connect="pairs")
        self.lines.setZValue(-10)
        plot.addItem(self.lines, ignoreBounds=True)
        self._for: object = None
        self.stale = True
        # Ranges change many times while the window is built: only note it here, and
        # draw the lines once, on the next display tick (`refresh`).
        plot.getViewBox().sigRangeChanged.connect(self._note)
        plot.getViewBox().sigResized.connect(self._note)

    def _note(self, *_: object) -> None:
        self.stale = True

    def set_colour(self, colour: str) -> None:
        c = QColor(colour)
        c.setAlpha(GRID_ALPHA)
        self.lines.setPen(pg.mkPen(c, width=1))

    def refresh(self) -> None:
        """Draw the lines again if the range or size changed since they were drawn."""
        if not self.stale:
            return
        self.stale = False
        box = self.plot.getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        w, h = box.width(), box.height()
        key = (x0, x1, y0, y1, round(w), round(h))
        if key == self._for or w < 2 or h < 2:
            return
        self._for = key
        xs = _ticks(self.plot.getAxis("bottom"), x0, x1, w)
        ys = _ticks(self.plot.getAxis("left"), y0, y1, h)
        x = np.concatenate([np.repeat(xs, 2), np.tile([x0, x1], len(ys))])
        y = np.concatenate([np.tile([y0, y1], len(xs)), np.repeat(ys, 2)])
        self.lines.setData(x, y)

    def positions(self) -> tuple[list[float], list[float]]:
        """(x of the vertical lines, y of the horizontal ones), for tests and checks."""
        x, y = self.lines.getData()
        if x is None or y is None:
            return [], []
        vertical = [float(a) for a, b in zip(x[::2], x[1::2], strict=True) if a == b]
        horizontal = [float(a) for a, b in zip(y[::2], y[1::2], strict=True) if a == b]
        return vertical, horizontal


def _ticks(axis: pg.AxisItem, lo: float, hi: float, size_px: float) -> np.ndarray:
    """The axis's major and first minor tick values between lo and hi."""
    levels = axis.tickValues(min(lo, hi), max(lo, hi), size_px)[:2]
    values = [v for _spacing, vs in levels for v in vs if min(lo, hi) <= v <= max(lo, hi)]
    return np.asarray(sorted(set(values)), float)
