"""PenControls and ReviewPlot driven through fake models: the widgets are handed a small
Protocol, so they are tested with no pen, no link and no database."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from console.core.plan_run import StartRefused
from drivers.link import CommandResult, LinkClosed
from drivers.messages import AckResult
from widgets.pen_controls import SHORTCUTS, PenControls
from widgets.review_plot import ReviewPlot

# ------------------------------------------------------------------ PenControls


@dataclass
class FakeCommands:
    calls: list[tuple[str, int | None]] = field(default_factory=list)

    def step_depth(self, steps: int) -> None:
        self.calls.append(("depth", steps))

    def step_rate(self, steps: int) -> None:
        self.calls.append(("rate", steps))

    def toggle_motor(self) -> None:
        self.calls.append(("motor", None))

    def clear_fault(self) -> None:
        self.calls.append(("clear_fault", None))


@pytest.fixture
def controls(qtbot) -> tuple[PenControls, FakeCommands]:
    commands = FakeCommands()
    widget = PenControls(commands)
    qtbot.addWidget(widget)
    return widget, commands


def test_each_button_asks_its_command(qtbot, controls) -> None:
    widget, commands = controls
    expected = {
        "depth_down": ("depth", -1),
        "depth_up": ("depth", 1),
        "rate_down": ("rate", -1),
        "rate_up": ("rate", 1),
        "motor": ("motor", None),
        "clear_fault": ("clear_fault", None),
    }
    assert set(widget.buttons) == set(expected) == set(SHORTCUTS)
    for key, call in expected.items():
        qtbot.mouseClick(widget.buttons[key], Qt.MouseButton.LeftButton)
        assert commands.calls[-1] == call, key
    assert len(commands.calls) == len(expected)


@pytest.mark.parametrize(
    ("name", "outcome", "text"),
    [
        ("set_depth", CommandResult(AckResult.OK, 750), "Pen applied depth 0.75 mm"),
        ("set_rate", CommandResult(AckResult.OK, 1205), "Pen applied rate 120.5 Hz"),
        ("motor", CommandResult(AckResult.OK, 1), "Motor running"),
        ("motor", CommandResult(AckResult.OK, 0), "Motor stopped"),
        ("clear_fault", CommandResult(AckResult.OK, 0), "Clear fault"),
        (
            "motor",
            CommandResult(AckResult.FAULT_ACTIVE, 0),
            "Motor stopped — refused: fault active",
        ),
        ("set_depth", LinkClosed("no pen is connected"), "set depth not sent: no pen is connected"),
        (
            "motor",
            StartRefused("Not yet: consent confirmed must be done before needling starts."),
            "motor refused: Not yet: consent confirmed must be done before needling starts.",
        ),
    ],
)
def test_the_answer_is_shown_in_words(controls, name, outcome, text) -> None:
    widget, _ = controls
    widget.show_answer(name, outcome)
    assert widget.applied.text() == text


# ------------------------------------------------------------------ ReviewPlot


@dataclass(frozen=True)
class FakeGap:
    t_s: float
    length_s: float


@dataclass
class FakeReview:
    """Ten seconds at 100 Hz: set 1.00 mm, measured 0 (no contact) then 0.80 mm."""

    duration_s: float = 10.0
    gap_list: list[FakeGap] = field(default_factory=list)
    asked: list[tuple[str, int, tuple[float, float]]] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return 1000

    def gaps(self) -> list[FakeGap]:
        return self.gap_list

    def envelope(
        self, column: str, bins: int, t_range: tuple[float, float]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        self.asked.append((column, bins, t_range))
        x = np.linspace(t_range[0], min(t_range[1], self.duration_s), 50)
        y = {
            "depth_set_um": np.full(50, 1000.0),
            "depth_meas_um": np.where(x < 5, 0.0, 800.0),
            "rate_dhz": np.full(50, 1200.0),
        }[column]
        return x, y


def test_review_plot_draws_what_the_review_gives(qtbot) -> None:
    plot = ReviewPlot()
    qtbot.addWidget(plot)
    review = FakeReview(gap_list=[FakeGap(3.0, 0.5), FakeGap(float("nan"), 1.0)])
    plot.show_review(review)

    assert {c for c, _, _ in review.asked} == {"depth_set_um", "depth_meas_um", "rate_dhz"}
    assert all(bins >= 200 for _, bins, _ in review.asked)
    _, set_mm = plot.set_curve.getData()
    _, meas_mm = plot.meas_curve.getData()
    _, rate_hz = plot.rate_curve.getData()
    assert np.allclose(set_mm, 1.0) and np.allclose(rate_hz, 120.0)
    assert np.isnan(meas_mm[:10]).all()  # no contact is a gap, not a line at zero
    assert np.allclose(meas_mm[~np.isnan(meas_mm)], 0.8)
    regions = [i for i in plot.depth_plot.items if isinstance(i, pg.LinearRegionItem)]
    assert [r.getRegion() for r in regions] == [(3.0, 3.5)]  # the gap with no time is left out


def test_zooming_asks_the_review_for_the_visible_span_only(qtbot) -> None:
    plot = ReviewPlot()
    qtbot.addWidget(plot)
    review = FakeReview()
    plot.show_review(review)
    review.asked.clear()
    plot.depth_plot.setXRange(2.0, 4.0, padding=0)
    qtbot.waitUntil(lambda: len(review.asked) >= 3, timeout=2000)
    lo, hi = review.asked[-1][2]
    assert lo == pytest.approx(2.0, abs=0.01) and hi == pytest.approx(4.0, abs=0.01)
    plot.set_cursor(3.25)
    assert plot.time_cursor.value() == pytest.approx(3.25)
    assert plot.points_drawn() == 50
