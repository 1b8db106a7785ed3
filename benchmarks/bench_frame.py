"""One live-screen frame, in isolation: what the display tick and the paint cost, in ms.

The real main window (offscreen, 1280×800), its live model fed synthetic 2 kHz telemetry
shaped like the treatment scenario, no pen, no link, no store: each frame hands over
1/60 s of samples, runs the controller's display tick (drain, models, widgets' refresh)
and then the paint, and times both with the process's CPU clock. Much steadier than
bench_gui.py on a shared machine (nothing else in the process competes), so it is the
one to iterate with; bench_gui.py --anchor gives the figures the targets are set in.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_frame.py [--frames 600]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time

import numpy as np
from _common import median, treatment_columns

HZ = 2000
DISPLAY_HZ = 60
PER_FRAME = HZ // DISPLAY_HZ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--markers", type=int, default=6, help="event lines in the window")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.mkdtemp(prefix="bench-frame-")
    os.environ["XDG_CONFIG_HOME"] = tmp
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from console.core.gc_policy import collect_if_due, collect_on_this_thread_only
    from console.gui.controller import PenController
    from console.gui.main_window import MainWindow
    from console.gui.settings import ConsoleSettings
    from console.gui.sound import AlarmSound
    from drivers.link import LinkState, StateChange
    from drivers.messages import Info, TelemetryBatch

    app = QApplication(sys.argv[:1])
    collect_on_this_thread_only()
    controller = PenController(None)
    controller.timer.stop()  # frames are driven by hand, one at a time
    settings = ConsoleSettings(QSettings(f"{tmp}/c.ini", QSettings.Format.IniFormat))
    window = MainWindow(controller, settings, AlarmSound(controller.alarms, audio=False))
    window.resize(1280, 800)
    window.show()
    live = controller.live
    fields = {f.name: 0 for f in dataclasses.fields(Info)}
    fields.update(serial="BENCH", model="MN-1", telemetry_hz=HZ, depth_max_um=2500)
    fields.update(rate_min_dhz=500, rate_max_dhz=1500)
    live.on_info(Info(**fields))  # type: ignore[arg-type]
    live.on_state(StateChange(LinkState.STREAMING, LinkState.DISCONNECTED, "", 0))
    total = HZ * 40 + PER_FRAME * (args.frames + 1)
    cols = treatment_columns(total, rate_hz=HZ)
    names = [f.name for f in dataclasses.fields(TelemetryBatch) if f.name != "received_ns"]

    def feed(lo: int, hi: int) -> None:
        live.on_telemetry(TelemetryBatch.from_columns({n: cols[n][lo:hi] for n in names}))

    at = 0
    every_frames = DISPLAY_HZ * 30 // args.markers if args.markers else 0
    for s in range(40):  # a full 30 s window (and more) before measuring
        feed(at, at + HZ)
        at += HZ
        controller.tick()
        if every_frames and s >= 10 and (s * DISPLAY_HZ) % every_frames < DISPLAY_HZ:
            live.on_marker("zone", "forehead")
    app.processEvents()
    paints = [0]
    window.plot.paint_listeners.append(lambda _ns: paints.__setitem__(0, paints[0] + 1))
    tick_ms: list[float] = []
    paint_ms: list[float] = []
    gc_ms: list[float] = []
    for i in range(args.frames):
        feed(at, at + PER_FRAME)
        at += PER_FRAME
        if every_frames and i % every_frames == 0:
            live.on_marker("pass", "pass 2")
        t0 = time.process_time()
        controller.tick()
        t1 = time.process_time()
        app.processEvents()  # the paint the tick asked for
        t2 = time.process_time()
        if i % (DISPLAY_HZ // 4) == 0:  # the GUI's collector runs every 250 ms
            collect_if_due()
        t3 = time.process_time()
        tick_ms.append((t1 - t0) * 1e3)
        paint_ms.append((t2 - t1) * 1e3)
        gc_ms.append((t3 - t2) * 1e3)
    per_frame = np.add(np.add(tick_ms, paint_ms), gc_ms)
    print(
        f"{args.frames} frames, ms of CPU per frame (median / mean / p99): "
        f"tick {median(tick_ms):.2f} / {np.mean(tick_ms):.2f} / {np.percentile(tick_ms, 99):.2f}, "
        f"paint {median(paint_ms):.2f} / {np.mean(paint_ms):.2f} / "
        f"{np.percentile(paint_ms, 99):.2f}, gc mean {np.mean(gc_ms):.2f}, "
        f"all mean {per_frame.mean():.2f} "
        f"({paints[0]} paints, {sum(m.t_s > live.ring.last_t() - 30 for m in live.markers)} "
        "markers in the window) "
        f"(= {per_frame.mean() * DISPLAY_HZ / 10:.1f} % of a core at {DISPLAY_HZ} fps)"
    )
    window.close()
    controller.close()


if __name__ == "__main__":
    main()
