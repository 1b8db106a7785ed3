"""The GUI entry point: `pen-console [--simulate | --port P | --virtual-if-absent] ...`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from drivers.scenarios import SCENARIOS

THEMES = ("dark", "light")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("console window")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--simulate", action="store_true", help="connect to the virtual pen")
    where.add_argument("--port", help="connect to this device, pty path or pyserial URL")
    where.add_argument(
        "--virtual-if-absent",
        action="store_true",
        help="connect to the first pen found, or to the virtual pen when none is plugged in",
    )
    g.add_argument("--scenario", default="treatment", choices=sorted(SCENARIOS))
    g.add_argument("--telemetry-hz", type=int, default=1000, help="virtual pen telemetry rate")
    g.add_argument("--db", metavar="PATH", help="session database (default: $PEN_CONSOLE_DB)")
    g.add_argument("--theme", choices=THEMES, help="dark (treatment room) or light")
    g.add_argument("--perf-log", metavar="FILE", help="write one JSON line per second")
    g.add_argument("--quit-after", type=float, metavar="SECONDS", help="exit cleanly after")


def virtual_url(scenario: str, telemetry_hz: int) -> str:
    return f"virtual://{scenario}?telemetry_hz={telemetry_hz}"


def run(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from console.controller import PenController
    from console.main_window import MainWindow
    from console.paths import resolve_db_path
    from console.store import Store, StoreError
    from resources import RESOURCES_DIR

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Pen Console")
    settings = QSettings("pen-console", "pen-console")
    theme = args.theme or str(settings.value("theme", "dark"))
    app.setStyleSheet((RESOURCES_DIR / "styles" / f"{theme}.qss").read_text())
    settings.setValue("theme", theme)

    store_problem = ""
    store = None
    try:
        store = Store(resolve_db_path(args.db))
        interrupted = store.mark_interrupted()
    except StoreError as exc:
        store_problem = f"Recording is off: {exc}"
        interrupted = []
    controller = PenController(store)
    window = MainWindow(controller, settings)
    if store_problem:
        window.session_bar.set_recording(None, store_problem)
        window.session_bar.button.setEnabled(False)
    elif interrupted:
        ids = ", ".join(s["uuid"][:8] for s in interrupted)
        window.session_bar.set_recording(
            None,
            f"{len(interrupted)} session(s) were interrupted ({ids}); their data is kept "
            "and marked interrupted for review.",
        )
    pens = window.rescan()
    url = None
    if args.simulate:
        url = virtual_url(args.scenario, args.telemetry_hz)
    elif args.port:
        url = args.port
    elif args.virtual_if_absent:
        url = pens[0].device if pens else virtual_url(args.scenario, args.telemetry_hz)  # type: ignore[attr-defined]
    if url:
        controller.connect_to(url)
    perf_file = None
    if args.perf_log:
        from console.perf import PerfLog

        perf_file = Path(args.perf_log).open("w")  # noqa: SIM115 (lives as long as the app)
        perf = PerfLog(perf_file)
        controller.frame.connect(perf.on_frame)
        window.plot.paint_listeners.append(perf.on_paint)
    window.show()
    shown_s = time.monotonic() - t_start
    logging.getLogger("console.app").info("window shown after %.3f s", shown_s)
    if args.perf_log:
        perf_file.write(f'{{"startup_s": {shown_s:.3f}}}\n')  # type: ignore[union-attr]
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    code = app.exec()
    if perf_file is not None:
        perf_file.close()
    if store is not None:
        store.close()
    return int(code)
