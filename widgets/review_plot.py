"""A whole-session plot for review: a peak-preserving overview, full resolution on zoom.

Handed a `ReviewSource` (the console's SessionReview, or a fake in tests), never the
store. On every range change it asks the review for an envelope of
the visible span with about two points per pixel, so 3.6 million samples draw as fast
as 4,000 and zooming in reveals every sample. Link gaps stay gaps (NaN). A vertical
cursor shows the replay time. With no session it shows what to do instead of empty axes;
its colours follow the live screen's themes (telemetry_plot.THEME_COLOURS); the rate axis
spans at least RATE_MIN_SPAN_HZ, so a steady 80 Hz reads as a line, not a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from widgets.telemetry_plot import THEME_COLOURS

Envelope = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
RATE_MIN_SPAN_HZ = 20.0
EMPTY_TEXT = "Choose a session on the left to see its depth and rate."


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
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("reviewPlotEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.depth_plot = self.view.addPlot(row=0, col=0)
        self.rate_plot = self.view.addPlot(row=1, col=0)
        self.depth_plot.setLabel("left", "Depth", units="mm")
        self.rate_plot.setLabel("left", "Rate", units="Hz")
        self.rate_plot.setLabel("bottom", "session time", units="s")
        self.rate_plot.setXLink(self.depth_plot)
        self.rate_plot.vb.setLimits(minYRange=RATE_MIN_SPAN_HZ)  # auto-range keeps it too
        for p in (self.depth_plot, self.rate_plot):
            p.getAxis("left").enableAutoSIPrefix(False)  # "0.5 mm", never "500 mmm"
            p.setMouseEnabled(x=True, y=False)
            # no grid: pyqtgraph draws it through the axes, which cost ~7 ms a repaint
        self.set_curve = self.depth_plot.plot(connect="finite")  # pens: set_theme
        self.meas_curve = self.depth_plot.plot(connect="finite")
        self.rate_curve = self.rate_plot.plot(connect="finite")
        self.time_cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ef5350", width=2))
        self.depth_plot.addItem(self.time_cursor)
        self._gap_items: list[pg.LinearRegionItem] = []
        self.depth_plot.sigXRangeChanged.connect(self._on_range)
        self.set_theme("dark")
        self.show_empty()

    def show_empty(self, text: str = EMPTY_TEXT) -> None:
        """No session: say what to do instead of drawing empty axes."""
        self.review = None
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def set_theme(self, theme: str) -> None:
        """The live screen's colours for `theme` ("dark" or "light")."""
        colours = THEME_COLOURS[theme]
        self.theme = theme
        self.view.setBackground(colours["bg"])
        for plot in (self.depth_plot, self.rate_plot):
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(colours["fg"])
                axis.setTextPen(colours["fg"])
        for key, curve in (
            ("set", self.set_curve),
            ("meas", self.meas_curve),
            ("rate", self.rate_curve),
        ):
            curve.setPen(pg.mkPen(colours[key], width=1))  # width 1: wider is ~12x slower
        self.empty.setStyleSheet(
            f"background: {colours['bg']}; color: {colours['fg']}; font-size: 15px;"
        )

    def show_review(self, review: ReviewSource) -> None:
        self.review = review
        if not review.samples:
            self.show_empty("This session has no samples to draw.")
            return
        self.stack.setCurrentWidget(self.view)
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
