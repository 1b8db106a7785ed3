"""The live screen at the cart (issue 13): a pulled cable and a pen change mid-session,
stale numbers, the fit at 1280×800 and 1366×768, the plot's lines and legend, the zone
map's targets, shortcuts and the first-run dialog."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from console.core.alarms import Condition
from console.gui.keys import WINDOW_KEYS, shortcut_list
from console.gui.settings import stylesheet
from drivers.link import LinkState
from drivers.virtual.endpoints import PtyServer
from drivers.virtual.pen import PenConfig, VirtualPen
from widgets.login_dialog import CredentialsDialog
from widgets.telemetry_plot import MARKER_COLOURS
from widgets.zone_map import LABEL_PX, TOUCH_RADIUS_PX, centroid


@pytest.fixture
def styled() -> Iterator[None]:
    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(stylesheet("dark"))
    yield
    app.setStyleSheet(before)


@pytest.fixture
def pty_pen(tmp_path: Path) -> Iterator:
    servers: list[PtyServer] = []

    def serve(serial: str, scenario: str = "treatment") -> tuple[PtyServer, VirtualPen]:
        pen = VirtualPen(PenConfig(serial=serial, telemetry_hz=200), scenario)
        server = PtyServer(pen, tmp_path / "ttyPEN")
        servers.append(server)
        return server, pen

    yield serve
    for server in servers:
        server.close()


def test_link_lost_greys_the_numbers_and_bands_the_plot(qtbot, window, pty_pen) -> None:
    server, _pen = pty_pen("VP-1")
    c = window.controller
    c.connect_to(str(server.path))
    qtbot.waitUntil(lambda: window.readouts.rate.value.text() not in ("—", ""), timeout=8000)
    qtbot.waitUntil(lambda: c.live.latest.has(1), timeout=5000)  # running, as in treatment
    server.unplug()
    qtbot.waitUntil(lambda: c.live.state is LinkState.LOST, timeout=5000)
    qtbot.waitUntil(lambda: window.readouts.depth_set.value.text() == "—", timeout=2000)
    for readout in (window.readouts.depth_set, window.readouts.rate, window.readouts.contact):
        assert readout.value.text() == "—" and readout.value.property("state") == "stale"
    # The band grows with the wall clock while the pen is unheard.
    qtbot.waitUntil(lambda: any(b[0].isVisible() for b in window.plot._bands), timeout=2000)
    region, _twin, label = window.plot._bands[0]
    lo, hi = region.getRegion()
    assert label.textItem.toPlainText() == "LINK LOST" and hi == 0.0  # up to "now"
    qtbot.waitUntil(lambda: region.getRegion()[0] < lo - 0.5, timeout=3000)  # it grows
    server.replug()
    qtbot.waitUntil(lambda: c.live.current(), timeout=8000)
    # Closed by the first sample drained after the reconnect: a gap of its true length.
    qtbot.waitUntil(lambda: c.live.outages[-1].end_t is not None, timeout=3000)
    # The readouts follow at their own 10 Hz (every sixth display tick).
    qtbot.waitUntil(lambda: window.readouts.depth_set.value.text() != "—", timeout=2000)


def test_a_new_pen_mid_session_carries_the_record_on(qtbot, window, store, pty_pen) -> None:
    first, _ = pty_pen("VP-AAA")
    c = window.controller
    c.connect_to(str(first.path))
    qtbot.waitUntil(lambda: c.live.current(), timeout=8000)
    session = c.start_session("P-1", "Dr Lee")
    qtbot.waitUntil(lambda: (c.live.session_strokes() or 0) > 20, timeout=10000)
    seen: list[int] = []
    c.frame.connect(lambda _d: seen.append(c.live.session_strokes() or 0))
    first.unplug()
    qtbot.waitUntil(lambda: c.live.state is LinkState.LOST, timeout=5000)
    first.close()
    second, _ = pty_pen("VP-BBB")  # another pen on the same port, its counters its own
    qtbot.waitUntil(lambda: c.info is not None and c.info.serial == "VP-BBB", timeout=10000)
    before = seen[-1]
    qtbot.waitUntil(lambda: (c.live.session_strokes() or 0) > before + 20, timeout=10000)
    c.end_session()
    assert min(seen) >= 0 and all(b >= a for a, b in itertools.pairwise(seen))
    events = store.events(session)
    changed = [e for e in events if e["kind"] == "new_pen"]
    assert changed and changed[0]["data"]["serial"] == "VP-BBB"
    assert changed[0]["data"]["previous_serial"] == "VP-AAA"
    cols = store.load_telemetry(session)
    t = np.asarray(cols["t_us"])
    assert np.all(np.diff(t) > 0)  # one continuous session clock
    assert np.all(np.diff(np.asarray(cols["strokes"])) >= 0)
    # The outage stays a gap of the time the console really waited, not a sample step.
    gap_us = int(np.max(np.diff(t)))
    assert gap_us > 5 * 5_000
    assert gap_us == pytest.approx(changed[0]["data"]["gap_s"] * 1e6, abs=1_000)


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_the_screen_fits_cart_displays(qtbot, window, styled, size) -> None:
    window.apply_theme("dark", remember=False)
    hint = window.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1] - 40  # room for a title bar
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert (window.width(), window.height()) == size
    assert window.zone_panel.map.height() >= 300 and window.zone_panel.map.width() >= 300
    # Nothing jumps when an alarm with a long text comes, or a message appears.
    top = window.splitter.mapTo(window, window.splitter.rect().topLeft()).y()
    window.controller.alarms.set(Condition.LINK_LOST, True, "a long sentence " * 30)
    window.session_bar.set_recording(None, "A long status message that wraps. " * 10)
    window.notice.setText("A long notice. " * 40)
    window.banner.refresh()
    QApplication.processEvents()
    assert window.splitter.mapTo(window, window.splitter.rect().topLeft()).y() == top
    assert (window.width(), window.height()) == size


def test_zone_map_labels_targets_and_dark_background(qtbot, window, styled) -> None:
    window.apply_theme("dark", remember=False)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    zmap = window.zone_panel.map
    assert "#0f1419" in zmap.styleSheet()
    for zone_id, label in zmap.labels.items():
        assert label.font().pixelSize() == LABEL_PX >= 12
        # On screen the label keeps its size whatever the map's scale.
        assert label.deviceTransform(zmap.viewportTransform()).m11() == 1.0, zone_id
    # Every zone is hit by a touch anywhere within 22 px of its centre: >= 44 px across.
    for zone_id in zmap.items:
        c = zmap.mapFromScene(centroid(zmap.shapes[zone_id]))
        for dx, dy in ((TOUCH_RADIUS_PX - 2, 0), (0, TOUCH_RADIUS_PX - 2), (-20, 0), (0, -20)):
            hit = zmap.zone_at(zmap.mapToScene(c.x() + dx, c.y() + dy))
            near = _nearest_centre(zmap, QPointF(zmap.mapToScene(c.x() + dx, c.y() + dy)))
            assert hit == near, (zone_id, dx, dy)
            if near == zone_id:
                continue
            # Only where two centres are closer than 44 px may a neighbour win.
            other = zmap.mapFromScene(centroid(zmap.shapes[near]))
            assert abs(other.x() - c.x()) + abs(other.y() - c.y()) < 2 * 44, zone_id


def _nearest_centre(zmap, pos: QPointF) -> str:
    return min(
        zmap.items,
        key=lambda z: (
            (centroid(zmap.shapes[z]).x() - pos.x()) ** 2
            + (centroid(zmap.shapes[z]).y() - pos.y()) ** 2
        ),
    )


def test_over_target_passes_are_flagged_in_colour(qtbot, window) -> None:
    zmap = window.zone_panel.map
    target = zmap.target("forehead")
    zmap.show_state({"forehead": target + 2}, None)
    assert zmap.items["forehead"].brush().color().name() == "#ff6d00"
    assert zmap.labels["forehead"].text().startswith(f"{target + 2}/{target}+")
    zmap.show_state({"forehead": target}, None)
    assert zmap.items["forehead"].brush().color().name() != "#ff6d00"


def test_plot_lines_legend_and_pause_state(qtbot, window) -> None:
    plot = window.plot
    assert plot.set_curve.zValue() > plot.meas_curve.zValue()  # set depth drawn on top
    assert plot.set_curve.opts["pen"].width() > plot.meas_curve.opts["pen"].width()
    plot.set_ceiling(0.5)
    assert plot.ceiling_line.isVisible() and plot.ceiling_line.value() == 0.5
    plot.set_ceiling(None)
    assert not plot.ceiling_line.isVisible()
    legend = plot.marker_legend.text()
    assert all(kind in legend for kind in MARKER_COLOURS) and "ceiling" in legend
    assert MARKER_COLOURS["fault"] != MARKER_COLOURS["alarm"]
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert plot.paused and plot.paused_label.isVisible()
    assert window.pause_button.text().startswith("Resume")
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert not plot.paused and not plot.paused_label.isVisible()


def test_targets_are_44_px_and_edit_plan_needs_a_plan(qtbot, window, styled) -> None:
    window.apply_theme("dark", remember=False)
    window.show()
    panel = window.zone_panel
    panel.plan_choice.setCurrentIndex(0)  # no plan
    panel.refresh()
    assert not panel.edit_button.isEnabled()
    panel.plan_choice.setCurrentIndex(1)
    panel.refresh()
    assert panel.edit_button.isEnabled()
    view = panel.plan_choice.view()
    assert all(view.sizeHintForRow(row) >= 44 for row in range(panel.plan_choice.count()))
    bar = window.session_bar
    for button in (bar.target_down, bar.target_up):
        assert button.width() >= 44 and button.height() >= 44
    before = bar.target.value()
    bar.target_up.click()
    assert bar.target.value() == before + 5


def test_shortcuts_and_their_list(qtbot, window, stream) -> None:
    stream()
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    listed = {key for key, _what in shortcut_list()}
    assert set(WINDOW_KEYS.values()) <= listed and {"F1", "F5", "F6", "F7", "F8"} <= listed
    window.zone_panel.plan_choice.setCurrentIndex(1)  # a plan: F12 moves to its next zone
    zones = window.controller.zones
    first = zones.status().active_label
    qtbot.keyClick(window, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: zones.status().active_label != first, timeout=2000)
    bar = window.session_bar
    bar.patient.setText("P-9")
    bar.practitioner.setText("Dr Lee")
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert bar.recording
    window.end_session(confirmed=True)
    assert not bar.recording


def test_first_run_dialog_states_the_rule_and_focuses_the_first_empty_field(qtbot) -> None:
    dialog = CredentialsDialog(
        "Create the administrator", "No accounts yet.", confirm=True, rule="At least 8."
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.rule.isVisible() and dialog.rule.text() == "At least 8."
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.name, timeout=2000)
    dialog.hide()
    dialog.name.setText("admin")
    dialog.show()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.password, timeout=2000)
    form = dialog.layout()
    labels = [form.labelForField(f) for f in dialog.fields()]
    rights = {label.geometry().right() for label in labels}
    assert len(rights) == 1  # the labels line up on their right edge


def test_pen_running_with_no_session_alarms_until_recording(qtbot, window, stream) -> None:
    stream("treatment")  # the pen starts its motor at 0.5 s; nobody started a session
    alarms = window.controller.alarms
    qtbot.waitUntil(lambda: alarms.is_active(Condition.MOTOR_NO_SESSION), timeout=5000)
    window.controller.tick()
    window.refresh_panels()  # the bars' 10 Hz refresh, without waiting for it
    assert "NOT RECORDING" in window.banner.title.text()
    assert window.rec.text() == "NOT RECORDING"
    window.start_session("P-7", "Dr Lee")
    qtbot.waitUntil(lambda: not alarms.is_active(Condition.MOTOR_NO_SESSION), timeout=2000)
    assert window.rec.recording
    # Why a depth press was clamped reaches the status line, in the core's own words.
    window.controller.notice.emit("Depth clamped to the forehead ceiling, 0.50 mm.")
    assert window.notice.text() == "Depth clamped to the forehead ceiling, 0.50 mm."
    window.end_session(confirmed=True)
