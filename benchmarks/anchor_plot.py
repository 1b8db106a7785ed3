"""The anchor for bench_gui.py: bare pyqtgraph drawing what the live screen draws, and
nothing else. Three curves (depth set, depth measured, stroke rate) in two stacked plots,
a 30 s window of samples arriving at 2 kHz, redrawn on a 60 Hz timer with setData, as a
pyqtgraph user would write it (clip to view, automatic peak downsampling, pen width 1).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/anchor_plot.py --seconds 30

Prints one JSON line per second with fps and the process's CPU share, like the console's
--perf-log, so bench_gui.py reads both the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pyqtgraph as pg
from _common import treatment_columns
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

WINDOW_S = 30
DISPLAY_HZ = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--telemetry-hz", type=int, default=2000)
    args = parser.parse_args()
    hz = args.telemetry_hz
    app = QApplication(sys.argv[:1])
    cols = treatment_columns(int(hz * (args.seconds + WINDOW_S + 5)), rate_hz=hz)
    t_all = cols["t_us"] / 1e6
    series = {
        "set": cols["depth_set_um"] / 1000.0,
        "meas": cols["depth_meas_um"] / 1000.0,
        "rate": cols["rate_dhz"] / 10.0,
    }
    state = {"t0": 0.0, "cpu0": 0.0, "paints": 0}

    class CountingView(pg.GraphicsLayoutWidget):  # fps counts paints, as the console's do
        def paintEvent(self, event: object) -> None:
            super().paintEvent(event)
            state["paints"] += 1

    view = CountingView()
    depth = view.addPlot(row=0, col=0)
    rate = view.addPlot(row=1, col=0)
    curves = {
        "set": depth.plot(pen=pg.mkPen("#4fc3f7", width=1)),
        "meas": depth.plot(pen=pg.mkPen("#ffca28", width=1)),
        "rate": rate.plot(pen=pg.mkPen("#81c784", width=1)),
    }
    for plot in (depth, rate):
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setXRange(-WINDOW_S, 0, padding=0)
        plot.showGrid(x=True, y=True, alpha=0.25)
    depth.setYRange(0, 1.05, padding=0)
    rate.setYRange(0, 160, padding=0)
    view.resize(760, 560)  # about the plots' share of a 1280×800 screen
    view.show()
    started = time.monotonic()
    state.update(t0=started, cpu0=time.process_time(), paints=0)

    def tick() -> None:
        now = time.monotonic()
        n = int((now - started) * hz) + WINDOW_S * hz  # samples "arrived" so far
        lo = max(0, n - WINDOW_S * hz)
        x = t_all[lo:n] - t_all[n - 1]
        for key, curve in curves.items():
            curve.setData(x, series[key][lo:n])
        elapsed = now - state["t0"]
        if elapsed >= 1.0:
            cpu = time.process_time()
            line = {
                "fps": round(state["paints"] / elapsed, 1),
                "cpu_pct": round(100 * (cpu - state["cpu0"]) / elapsed, 1),
            }
            print(json.dumps(line), flush=True)
            state.update(t0=now, cpu0=cpu, paints=0)
        if now - started >= args.seconds:
            app.quit()

    timer = QTimer()
    timer.setInterval(round(1000 / DISPLAY_HZ))
    timer.timeout.connect(tick)
    timer.start()
    app.exec()


if __name__ == "__main__":
    main()
