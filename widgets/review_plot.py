"""A whole-session plot for review: a peak-preserving overview, full resolution on zoom.

Handed a `ReviewSource` (the console's SessionReview, or a fake in tests), never the
store. On every range change it asks the review for an envelope of
the visible span with about two points per pixel, so 3.6 million samples draw as fast
as 4,000 and zooming in reveals every sample. Link gaps stay gaps (NaN). A vertical
cursor shows the replay time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

Envelope = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


class GapSpan(Protocol):
    @property
    def t_s(self) -> float: ...
    @property
    def length_s(self) -> float: ...


class ReviewSource(Protocol):
    """A recorded session as the plot reads it: seconds from the session's start."""

    @property
    def samples(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    def gaps(self) -> Sequence[GapSpan]: ...
    def envelope(self, column: str, bins: int, t_range: tuple[float, float]) -> Envelope: ...


class ReviewPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: ReviewSource | None = None
        self.view = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.depth_plot = self.view.addPlot(row=0, col=0)
        self.rate_plot = self.view.addPlot(row=1, col=0)
        self.depth_plot.setLabel("left", "Depth", units="mm")
        self.rate_plot.setLabel("left", "Rate", units="Hz")
        self.rate_plot.setLabel("bottom", "session time", units="s")
        self.rate_plot.setXLink(self.depth_plot)
        for p in (self.depth_plot, self.rate_plot):
            p.getAxis("left").enableAutoSIPrefix(False)  # "0.5 mm", never "500 mmm"
            p.setMouseEnabled(x=True, y=False)
            # no grid: pyqtgraph draws it through the axes, which cost ~7 ms a repaint
        self.set_curve = self.depth_plot.plot(pen=pg.mkPen("#4fc3f7", width=1), connect="finite")
        self.meas_curve = self.depth_plot.plot(pen=pg.mkPen("#ffca28", width=1), connect="finite")
        self.rate_curve = self.rate_plot.plot(pen=pg.mkPen("#81c784", width=1), connect="finite")
        self.time_cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ef5350", width=2))
        self.depth_plot.addItem(self.time_cursor)
        self._gap_items: list[pg.LinearRegionItem] = []
        self.depth_plot.sigXRangeChanged.connect(self._on_range)

    def show_review(self, review: ReviewSource) -> None:
        self.review = review
        for item in self._gap_items:
            self.depth_plot.removeItem(item)
        self._gap_items = []
        for gap in review.gaps():
            if gap.length_s > 0 and np.isfinite(gap.t_s):
                region = pg.LinearRegionItem(
                    (gap.t_s, gap.t_s + gap.length_s),
                    movable=False,
                    brush=pg.mkBrush(255, 179, 0, 60),
                )
                region.setToolTip(f"link gap {gap.length_s:.2f} s")
                self.depth_plot.addItem(region)
                self._gap_items.append(region)
        self.depth_plot.setXRange(0, max(review.duration_s, 1.0), padding=0.01)
        self._draw((0.0, max(review.duration_s, 1.0)))

    def _on_range(self, _vb: object, x_range: tuple[float, float]) -> None:
        self._draw(x_range)

    def _draw(self, x_range: tuple[float, float]) -> None:
        review = self.review
        if review is None or not review.samples:
            return
        bins = max(200, int(self.depth_plot.vb.width()))
        span = (max(0.0, x_range[0]), min(review.duration_s, x_range[1]) + 1e-6)
        x, y = review.envelope("depth_set_um", bins, span)
        self.set_curve.setData(x, y / 1000)
        x, y = review.envelope("depth_meas_um", bins, span)
        self.meas_curve.setData(x, np.where(y > 0, y / 1000, np.nan))
        x, y = review.envelope("rate_dhz", bins, span)
        self.rate_curve.setData(x, y / 10)

    def set_cursor(self, t_s: float) -> None:
        self.time_cursor.setPos(t_s)

    def points_drawn(self) -> int:
        x, _ = self.meas_curve.getData()
        return 0 if x is None else len(x)
