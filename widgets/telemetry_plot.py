"""Live telemetry plots: depth (set and measured), stroke rate, optional contact force.

Bound to a LiveModel. `refresh()` (called by the display timer) pulls the newest window
from the model's ring buffer and calls setData on curves made once. The x-axis is fixed
and relative (seconds before now), so nothing re-ranges per frame; NaN rows break the
curves at link gaps. Paused, the view freezes (and says so) and can be panned back over
the buffer while data keeps arriving underneath.

The set depth is drawn as a step line over the measured trace (it only changes when the
practitioner changes it, so its change points are all it needs), the active zone's
ceiling as a dashed red line, outages as grey "link lost" bands, and a legend under the
plots names each kind of event line: faults and alarms have different colours.

Per frame it does only what moved (docs/benchmarks.md, issue 13): the window is binned
incrementally (`PeakCache`), the event lines are shifted as one group rather than made
again, the grid and the axes stay still, and the view repaints one dirty rectangle.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from console.core.live import LiveModel, Outage, peak_decimate
from console.core.ring import PeakCache
from widgets.plot_grid import PlotGrid

WINDOWS_S = (10, 30, 60)
# Per theme: background, axis/text, then curves (set, measured, rate, force).
THEME_COLOURS = {
    "dark": {
        "bg": "#0f1419",
        "fg": "#b7c4d1",
        "set": "#4fc3f7",
        "meas": "#ffca28",
        "rate": "#81c784",
        "force": "#ce93d8",
    },
    "light": {
        "bg": "#ffffff",
        "fg": "#37474f",
        "set": "#0277bd",
        "meas": "#d84315",
        "rate": "#2e7d32",
        "force": "#6a1b9a",
    },
}
MARKER_COLOURS = {
    "fault": "#e53935",
    "alarm": "#ff8f00",
    "gap": "#9e9e9e",
    "pen": "#f06292",
    "button": "#b0bec5",
    "cartridge": "#ab47bc",
    "zone": "#26c6da",
    "pass": "#66bb6a",
}
CEILING_COLOUR = "#ff5252"
OUTAGE_BRUSH = (120, 130, 140, 70)
MAX_OUTAGES = 8
MAX_MARKERS = 60
LIVE_MARGIN_S = 0.5
LEFT_AXIS_PX = 64


class _PaintHookView(pg.GraphicsLayoutWidget):
    """Tells its owner when a frame has actually been painted (for latency and fps)."""

    def __init__(self, on_paint: Callable[[], None]) -> None:
        super().__init__()
        self._on_paint = on_paint
        # One dirty rectangle per frame, not a region: the curves dirty nearly the whole
        # view anyway, and every thin moving line added to a region makes Qt clip each
        # item (and blit each cached axis) through that region: ~2x the paint cost.
        self.setViewportUpdateMode(self.ViewportUpdateMode.BoundingRectViewportUpdate)

    def paintEvent(self, event: object) -> None:
        super().paintEvent(event)
        self._on_paint()


class TelemetryPlot(QWidget):
    def __init__(self, live: LiveModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.window_s = 30
        self.paused = False
        self.painted_at_ns = 0
        self.shown_now_t = 0.0  # plot-clock time at x = 0
        self._ranged_for: object = None
        self.paint_listeners: list[Callable[[int], None]] = []
        self._view = _PaintHookView(self._painted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.paused_label = QLabel(
            "⏸  PAUSED: the view is frozen; recording goes on. Drag to look back."
        )
        self.paused_label.setObjectName("pausedBand")
        self.paused_label.setVisible(False)
        layout.addWidget(self.paused_label)
        layout.addWidget(self._view, 1)
        self.marker_legend = QLabel(
            "  ".join(
                f'<span style="color:{c}">┃</span>&nbsp;{kind}'
                for kind, c in MARKER_COLOURS.items()
            )
            + f'  <span style="color:{CEILING_COLOUR}">╌╌</span>&nbsp;ceiling'
        )
        self.marker_legend.setObjectName("markerLegend")
        self.marker_legend.setTextFormat(Qt.TextFormat.RichText)
        self.marker_legend.setWordWrap(True)
        layout.addWidget(self.marker_legend)
        self.depth_plot = self._view.addPlot(row=0, col=0)
        self.rate_plot = self._view.addPlot(row=1, col=0)
        self.force_plot = self._view.addPlot(row=2, col=0)
        self.depth_plot.setLabel("left", "Depth", units="mm")
        self.rate_plot.setLabel("left", "Rate", units="Hz")
        self.force_plot.setLabel("left", "Force", units="N")
        self.force_plot.setLabel("bottom", "seconds before now")
        for plot in (self.depth_plot, self.rate_plot, self.force_plot):
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(LEFT_AXIS_PX)  # plots line up one above the other
            for side in ("left", "bottom"):
                # A curve's clip keeps one sample past the view's edge, so every frame's
                # dirty rect touches the axes; replaying their text costs ~6 ms each. The
                # grid is not theirs (widgets/plot_grid.py), so their caches stay strips.
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.grids = [PlotGrid(p) for p in (self.depth_plot, self.rate_plot, self.force_plot)]
        self.rate_plot.setXLink(self.depth_plot)
        self.force_plot.setXLink(self.depth_plot)
        self.legend = self.depth_plot.addLegend(offset=(10, 5))
        # connect="finite": a NaN row (lost frames, link outage) leaves a visible gap.
        self.set_curve = self.depth_plot.plot(name="set", connect="finite")
        self.meas_curve = self.depth_plot.plot(name="measured", connect="finite")
        self.rate_curve = self.rate_plot.plot(connect="finite")
        self.force_curve = self.force_plot.plot(connect="finite")
        # The set depth is drawn after and above the measured trace, thicker, from its few
        # change points only (cheap at any width), so it is never hidden under it.
        self.set_curve.setZValue(5)
        self.ceiling_line = pg.InfiniteLine(angle=0, movable=False)
        self.ceiling_line.setPen(pg.mkPen(CEILING_COLOUR, width=2, style=Qt.PenStyle.DashLine))
        self.ceiling_line.setZValue(4)
        self.ceiling_line.setVisible(False)
        self.depth_plot.addItem(self.ceiling_line, ignoreBounds=True)
        self.ceiling_mm: float | None = None
        self._decimator = PeakCache()
        self._bands: list[tuple[pg.LinearRegionItem, pg.LinearRegionItem, pg.TextItem]] = []
        # Event lines sit at their own plot-clock time in a group that is shifted by -now
        # each frame: one curve per kind, re-made only when an event comes, not per frame.
        self._marker_group = pg.ItemGroup()
        self.depth_plot.addItem(self._marker_group, ignoreBounds=True)
        self._marker_curves: dict[str, pg.PlotCurveItem] = {}
        self._markers_for: object = None
        self.show_force(False)
        self.set_window(self.window_s)
        self.set_theme("dark")

    def set_theme(self, theme: str) -> None:
        colours = THEME_COLOURS[theme]
        self._view.setBackground(colours["bg"])
        for plot in (self.depth_plot, self.rate_plot, self.force_plot):
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(colours["fg"])
                axis.setTextPen(colours["fg"])
        for grid in self.grids:
            grid.set_colour(colours["fg"])
        curves = {
            "set": self.set_curve,
            "meas": self.meas_curve,
            "rate": self.rate_curve,
            "force": self.force_curve,
        }
        for key, curve in curves.items():
            curve.setPen(pg.mkPen(colours[key], width=1))  # width 1: wider is ~12x slower
        self.set_curve.setPen(pg.mkPen(colours["set"], width=3))  # a few points: cheap
        self.legend.setLabelTextColor(colours["fg"])
        for _sample, label in self.legend.items:
            label.setText(label.text, color=colours["fg"])

    # ------------------------------------------------------------ user controls

    def set_window(self, seconds: int) -> None:
        self.window_s = seconds
        self.depth_plot.setXRange(-seconds, 0, padding=0)

    def show_force(self, shown: bool) -> None:
        self.force_plot.setVisible(shown)
        self.rate_plot.setLabel("bottom", "" if shown else "seconds before now")

    def set_paused(self, paused: bool) -> None:
        """Paused: the picture stops; pan with the mouse to look back. Recording goes on."""
        self.paused = paused
        self.paused_label.setVisible(paused)
        for plot in (self.depth_plot, self.rate_plot, self.force_plot):
            plot.setMouseEnabled(x=paused, y=False)
        now_t = self.live.ring.last_t()
        if paused and now_t is not None:
            self._show(now_t, -float("inf"))  # the whole ring, to pan back over
        if not paused:
            self.set_window(self.window_s)
            self.refresh()

    # ------------------------------------------------------------ display timer

    def refresh(self) -> None:
        self._fit_y_to_pen()
        for grid in self.grids:
            grid.refresh()
        if self.paused:
            return
        now_t = self.live.now_t()  # later than the newest sample while the link is lost
        if now_t is None:
            return
        # Only the visible window (plus a sliver) goes to the curves while live: setData
        # cost grows with the points handed over, even with clip-to-view.
        self._show(now_t, now_t - self.window_s - LIVE_MARGIN_S)

    def _show(self, now_t: float, since_t: float) -> None:
        first, t, cols = self.live.ring.view_indexed(since_t)
        # Peak-decimate to ~2 points per pixel before handing over: pyqtgraph's own
        # downsampling only starts after setData has copied and scanned every point.
        # Paused, the whole buffer is handed over once, at the same detail per second.
        span_windows = max(1.0, float(t[-1] - t[0]) / self.window_s) if len(t) else 1.0
        max_points = int(2 * max(self._view.width(), 200) * span_windows)
        if not self.force_plot.isVisible():
            cols = {k: v for k, v in cols.items() if k != "force_n"}  # not drawn: not binned
        if self.paused:
            t, cols = peak_decimate(first, t, cols, max_points)
        else:  # the window slides: only the bins finished since the last frame are new
            t, cols = self._decimator.decimate(first, t, cols, max_points)
        x = t - now_t
        self.shown_now_t = now_t
        self.set_curve.setData(*_steps(x, cols["depth_set_mm"]))
        self.meas_curve.setData(x, cols["depth_meas_mm"])
        self.rate_curve.setData(x, cols["rate_hz"])
        if self.force_plot.isVisible():
            self.force_curve.setData(x, cols["force_n"])
        self._place_markers(now_t)
        self._place_outages(now_t, since_t)

    def set_ceiling(self, ceiling_mm: float | None) -> None:
        """The active zone's ceiling as a line on the depth plot (None: no zone, no line)."""
        if ceiling_mm == self.ceiling_mm:
            return
        self.ceiling_mm = ceiling_mm
        self.ceiling_line.setVisible(ceiling_mm is not None)
        if ceiling_mm is not None:
            self.ceiling_line.setPos(ceiling_mm)
            self._ranged_for = None  # the depth scale must show the line

    def _place_outages(self, now_t: float, since_t: float) -> None:
        shown: list[Outage] = [
            o for o in self.live.outages if o.end_t is None or o.end_t >= since_t
        ][-MAX_OUTAGES:]
        while len(self._bands) < len(shown):
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(*OUTAGE_BRUSH))
            region.setZValue(-5)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            label = pg.TextItem("", color="#cfd8dc", anchor=(1, 0))
            self.depth_plot.addItem(region, ignoreBounds=True)
            self.depth_plot.addItem(label, ignoreBounds=True)
            # The rate plot gets the same band, without its words.
            twin = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(*OUTAGE_BRUSH))
            twin.setZValue(-5)
            for line in twin.lines:
                line.setPen(pg.mkPen(None))
            self.rate_plot.addItem(twin, ignoreBounds=True)
            self._bands.append((region, twin, label))
        top = self.depth_plot.viewRange()[1][1]
        for (region, twin, label), outage in zip(self._bands, shown, strict=False):
            lo = outage.start_t - now_t
            hi = (outage.end_t if outage.end_t is not None else now_t) - now_t
            for r in (region, twin):
                r.setRegion((lo, hi))
                r.setVisible(True)
            if label.toPlainText() != outage.label.upper():
                label.setText(outage.label.upper())
            label.setPos(hi, top)  # inside the band, at its newest end
            label.setVisible(True)
        for band in self._bands[len(shown) :]:
            for item in band:
                item.setVisible(False)

    def _fit_y_to_pen(self) -> None:
        """Steady y scales, no re-ranging per frame: rate over the pen's own range, depth
        from 0 to a round value above the set depth (re-ranged only when that changes)."""
        info = self.live.info
        if info is None:
            return
        set_mm = self.live.latest.depth_set_um / 1000
        depth_max_mm = info.depth_max_um / 1000
        top_mm = min(depth_max_mm, max(1.0, math.ceil(set_mm * 1.6 / 0.5) * 0.5))
        if self.ceiling_mm is not None:
            top_mm = max(top_mm, min(depth_max_mm, self.ceiling_mm + 0.25))
        key = (info.depth_max_um, info.rate_max_dhz, top_mm)
        if key == self._ranged_for:
            return
        self._ranged_for = key
        self.depth_plot.setYRange(0, top_mm * 1.05, padding=0)
        self.rate_plot.setYRange(0, info.rate_max_hz * 1.08, padding=0)

    def _place_markers(self, now_t: float) -> None:
        self._marker_group.setPos(-now_t, 0.0)
        markers = self.live.markers
        (y_lo, y_hi) = self.depth_plot.viewRange()[1]
        key = (markers[-1] if markers else None, len(markers), y_lo, y_hi)
        if key == self._markers_for:
            return
        self._markers_for = key
        by_kind: dict[str, list[float]] = {}
        for marker in list(markers)[-MAX_MARKERS:]:
            by_kind.setdefault(marker.kind, []).append(marker.t_s)
        for kind in by_kind.keys() - self._marker_curves.keys():
            colour = MARKER_COLOURS.get(kind, "#bdbdbd")
            curve = pg.PlotCurveItem(pen=pg.mkPen(colour, width=1), connect="pairs")
            curve.setParentItem(self._marker_group)
            self._marker_curves[kind] = curve
        for kind, curve in self._marker_curves.items():
            t_s = np.repeat(np.asarray(by_kind.get(kind, ()), float), 2)
            y = np.tile(np.array([y_lo, y_hi]), len(t_s) // 2)
            curve.setData(t_s, y)
            curve.setVisible(len(t_s) > 0)

    def marker_positions(self) -> list[float]:
        """Where event lines are drawn, in seconds before now (for tests and checks)."""
        shift = self._marker_group.pos().x()
        out: list[float] = []
        for curve in self._marker_curves.values():
            x, _ = curve.getData()
            if curve.isVisible() and x is not None:
                out += [float(v) + shift for v in x[::2]]
        return sorted(out)

    def curve_data(self, displayed: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The measured-depth curve's (x, y): as handed over, or as drawn (clipped and
        downsampled) when `displayed`; for tests and checks."""
        curve = self.meas_curve
        x, y = curve.getData() if displayed else curve.getOriginalDataset()
        if x is None or y is None:
            return np.empty(0), np.empty(0)
        return np.asarray(x), np.asarray(y)

    def _painted(self) -> None:
        self.painted_at_ns = time.monotonic_ns()
        for listener in self.paint_listeners:
            listener(self.painted_at_ns)


def _steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A piecewise-constant column reduced to its change points (and both ends): the same
    picture drawn with connect="finite" steps, in a handful of points."""
    if len(y) < 3:
        return x, y
    change = np.flatnonzero((y[1:] != y[:-1]) & ~(np.isnan(y[1:]) & np.isnan(y[:-1]))) + 1
    keep = np.unique(np.concatenate(([0], change - 1, change, [len(y) - 1])))
    return x[keep], y[keep]
