"""The GUI entry point: `pen-console [--simulate | --port P | --virtual-if-absent] ...`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.virtual.scenarios import SCENARIOS

if TYPE_CHECKING:
    from console.gui.main_window import MainWindow
    from drivers.transport import PenPort

THEMES = ("dark", "light")  # console.gui.settings.THEMES, without importing Qt here


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
    g.add_argument(
        "--theme",
        choices=THEMES,
        help="dark (treatment room) or light, for this run only (View menu: remembered)",
    )
    g.add_argument("--perf-log", metavar="FILE", help="write one JSON line per second")
    g.add_argument("--quit-after", type=float, metavar="SECONDS", help="exit cleanly after")
    g.add_argument(
        "--geometry",
        type=geometry,
        metavar="WxH",
        help="window size in pixels for this run, e.g. 1280x800",
    )
    g.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="save the window as PNG after --quit-after seconds (default 10), then quit",
    )
    g.add_argument(
        "--patient",
        metavar="CODE",
        help="start recording a session for this patient at once (kiosk set-ups, benchmarks)",
    )
    g.add_argument(
        "--idle-lock-minutes",
        type=float,
        default=15.0,
        metavar="M",
        help="lock the screen after M minutes without input (default 15)",
    )


def geometry(text: str) -> tuple[int, int]:
    """`WxH` as two positive integers; anything else is one clear sentence (exit 2)."""
    w, sep, h = text.lower().partition("x")
    if sep and w.isdigit() and h.isdigit() and int(w) > 0 and int(h) > 0:
        return int(w), int(h)
    raise argparse.ArgumentTypeError(f"{text!r} is not a size: give width x height, e.g. 1280x800")


def virtual_url(scenario: str, telemetry_hz: int) -> str:
    return f"virtual://{scenario}?telemetry_hz={telemetry_hz}"


def choose_url(args: argparse.Namespace, pens: list[PenPort]) -> str | None:
    """Where to connect at start-up, from the options; None: wait for the operator."""
    if args.simulate:
        return virtual_url(args.scenario, args.telemetry_hz)
    if args.port:
        return str(args.port)
    if args.virtual_if_absent:
        return pens[0].device if pens else virtual_url(args.scenario, args.telemetry_hz)
    return None


def run(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Qt is imported here, not at module level: `pen-console --help` and the subcommands
    # must not pay for it.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.core.paths import resolve_db_path
    from console.core.spill_notice import recover_and_tell
    from console.gui.controller import PenController
    from console.gui.main_window import MainWindow
    from console.gui.settings import ConsoleSettings, stylesheet
    from console.store import Store, StoreError

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Pen Console")
    from console.gui.gc_timer import collect_on_gui_thread

    gc_timer = collect_on_gui_thread(app)  # noqa: F841  (kept alive for the run)
    settings = ConsoleSettings()
    theme = args.theme or settings.theme
    app.setStyleSheet(stylesheet(theme))  # type: ignore[union-attr]

    store = None
    store_problem = ""
    interrupted: list[dict[str, object]] = []
    recovered: list[str] = []
    try:
        db_path = resolve_db_path(args.db)
        new_db = not db_path.exists()
        store = Store(db_path)  # the first start creates the database: say where
        if new_db:
            print(f"pen-console: created a new database at {db_path}", file=sys.stderr)
        if store.migration_backup is not None:  # first start after an upgrade
            print(
                f"pen-console: upgraded the database; the copy from before is "
                f"{store.migration_backup}",
                file=sys.stderr,
            )
        recovered = recover_and_tell(store)  # a full disk's spill files, merged first
        interrupted = store.mark_interrupted()
        for problem in store.not_sealed:
            print(f"pen-console: {problem}", file=sys.stderr)
    except StoreError as exc:
        store_problem = f"Recording is off: {exc}"
    controller = PenController(store)
    window = MainWindow(controller, settings)
    window.apply_theme(theme, remember=False)  # --theme is for this run only
    if args.geometry:
        window.resize(*args.geometry)
    if store_problem:
        window.session_bar.disable(store_problem)
    window.report_interrupted(interrupted)  # type: ignore[arg-type]
    if recovered:  # merged spill files change records: said, not silent (and audited)
        for sentence in recovered:
            print(f"pen-console: {sentence}", file=sys.stderr)
        window.notice.setText(" ".join(recovered))
        window.notice.setToolTip("\n".join(recovered))
    user = None
    if store is not None:
        from console.gui.sign_in import who_is_at_the_console

        signed_in, user = who_is_at_the_console(
            store,
            window,
            automated=bool(args.quit_after or args.screenshot),
            idle_s=args.idle_lock_minutes * 60,
        )
        if not signed_in:
            print("pen-console: nobody signed in; the console needs a user.", file=sys.stderr)
            store.close()
            return 1
        if user is not None:
            from console.gui.user_switch import show_user

            show_user(window, user)
        lock = getattr(window, "screen_lock", None)
        if lock is not None:
            window.attach_screen_lock(lock)
    backups = None
    if store is not None:  # after every ended session, and daily; never blocks anything
        from console.core.backup_scheduler import BackupScheduler
        from console.gui.backup_notice import BackupNotice

        backups = BackupScheduler(store.path, store.key_dir)
        controller.treatment.after_session_end.append(lambda _session: backups.request())
        window.statusBar().addPermanentWidget(BackupNotice(store.path, backups.notices, window))
        backups.start()
    url = choose_url(args, window.rescan())

    perf_file = None
    if args.perf_log:
        from console.gui.perf import PerfLog

        perf_file = Path(args.perf_log).open("w", encoding="utf-8")  # noqa: SIM115
        perf = PerfLog(perf_file, lambda: controller.link.stats if controller.link else None)
        controller.frame.connect(perf.on_frame)
    from console.gui.quit_signals import close_on_signals

    signal_wake = close_on_signals(window)  # noqa: F841  (kept alive for the run)
    window.show()
    shown_s = time.monotonic() - t_start
    if perf_file is not None:
        perf_file.write(
            json.dumps(
                {
                    "startup_s": round(shown_s, 3),
                    "shown_unix": time.time(),
                    # CPU from the process's start: steadier than wall time when shared.
                    "startup_cpu_s": round(time.process_time(), 3),
                }
            )
            + "\n"
        )
    if args.patient:
        start_for_patient(window, args.patient, user.name if user else "")
    from console.core.gc_policy import freeze_heap, thaw_heap

    def settle() -> None:
        """Once the window is up: its plots built (if no tick has yet), the start-up heap
        set aside, and only then the pen connected, so that its heartbeat never competes
        with that work (a 300 ms gap was seen when it did, on a loaded machine)."""
        if perf_file is not None:
            window.plot.paint_listeners.append(perf.on_paint)
        window.plot.refresh()
        freeze_heap()
        if url:
            controller.connect_to(url)

    QTimer.singleShot(0, settle)
    quit_after = args.quit_after or (10.0 if args.screenshot else None)
    if quit_after:

        def finish() -> None:
            if args.screenshot:
                window.grab().save(args.screenshot)
            window.close()

        QTimer.singleShot(int(quit_after * 1000), finish)
    code = app.exec()  # type: ignore[union-attr]
    thaw_heap()
    if perf_file is not None:
        perf_file.close()
    if backups is not None:
        backups.close()
    if store is not None:
        store.close()
    return int(code)


def start_for_patient(window: MainWindow, patient: str, user: str) -> None:
    """`--patient CODE`: a session starts at once, as if typed into the session bar, for
    the signed-in user (else the name last typed with this database, else nobody: the
    session is recorded as unattributed)."""
    bar = window.session_bar
    practitioner = user or bar.practitioner.text().strip()
    bar.patient.setText(patient)
    bar.practitioner.setText(practitioner)
    # H-22 as `record`: a demo database takes free codes (benchmarks, kiosks); with
    # accounts a code not in the register is asked about.
    window.start_session(patient, practitioner, ask_new=not window.controller.demo)
