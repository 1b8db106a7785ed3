"""Soak (issue 15): the live screen recording a 2 kHz pen for --minutes, with faults,
reconnects, zone changes and passes, and the review reopening the growing session.

The pen runs in a separate process (`--pen-process`) behind a pty, playing the "faults"
scenario (stall, cartridge out, over-temperature, low battery, every 20 s), pressing
its mark button (a pass every 7 s, the next zone every 30 s) and pulling its cable for
3 s every --reconnect-s. It counts what it sent, and what it sent while unplugged.

The console process (this one) runs the real PenController and MainWindow (offscreen)
and records one session. Every --review-every-s the supervisor's review opens the
growing session: by default as the product does it, `pen-console review` in its own
process reading the database while this one writes it; with --review-in console, as a
ReviewWindow inside this process, a harsher case for memory that the product never
runs (the live screen has no review window). It reports once a minute: RSS, display
fps, CPU, the link's worst heartbeat gap, samples stored. At the end: samples stored
against samples sent while the link was up, heartbeat trips while it was up, alarms,
RSS growth after the first minute, fps first vs last minute, and the final `db check`.
Exit 1 when a target is missed:

- RSS growth under 10 MB after the first minute;   - 0 samples lost while the link is up;
- 0 heartbeat trips while the link is up;            - last-minute fps within 5 % of the first.

    .venv/bin/python benchmarks/soak.py --minutes 30
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, git_rev, machine

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PAGE = os.sysconf("SC_PAGE_SIZE")
# What the port can hold unread when the cable is pulled (drivers/virtual/endpoints.py:
# 64 KiB, plus the pty's own ~20 KiB): about 1.4 s at 2 kHz.
IN_FLIGHT_S = 1.5
REVIEW_LIMIT_S = 120.0  # a review process still running after this is hung: killed, failed


# ---------------------------------------------------------------- the pen process


def pen_process(path: Path, report: Path, reconnect_s: float) -> None:
    from drivers.messages import Button, EventCode
    from drivers.virtual.endpoints import PtyServer
    from drivers.virtual.pen import PenConfig, VirtualPen

    pen = VirtualPen(PenConfig(telemetry_hz=2000, telemetry_max_hz=2000), "faults")
    server = PtyServer(pen, path)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)

    def trips() -> int:
        return sum(1 for e in pen.sent_events() if e.code == EventCode.HOST_LINK_LOST)

    unplugged: list[tuple[int, int]] = []  # sent-frame index ranges that went nowhere
    pulled_us: list[tuple[int, int]] = []  # each pull's (unplug, replug) on the pen's clock

    def pen_us() -> int:
        return (pen.cfg.t_us0 + round(pen.now_s * 1e6)) & 0xFFFFFFFF

    reconnects = 0
    t0 = time.monotonic()
    next_pass, next_zone, next_pull = 7.0, 30.0, reconnect_s
    while not stop:
        time.sleep(0.05)
        now = time.monotonic() - t0
        if now >= next_pass:
            pen.press(Button.MARK)
            next_pass += 7.0
        if now >= next_zone:
            pen.press(Button.MARK, long=True)
            next_zone += 30.0
        if now >= next_pull:
            frames = len(pen.sent_telemetry())
            server.unplug()
            unplugged_us = pen_us()
            time.sleep(3.0)
            server.replug()
            pulled_us.append((unplugged_us, pen_us()))
            reconnects += 1
            unplugged.append((frames, len(pen.sent_telemetry())))
            next_pull += reconnect_s
    sent = pen.sent_telemetry()
    server.close()
    np.savez(
        report.with_suffix(".npz"),
        t_us=sent["row"]["t_us"].astype(np.uint32),
        intact=sent["intact"],
        unplugged=np.array(unplugged, np.int64).reshape(-1, 2),
        pulled_us=np.array(pulled_us, np.int64).reshape(-1, 2),
        trip_t_us=np.array(
            [e.t_us for e in pen.sent_events() if e.code == EventCode.HOST_LINK_LOST], np.int64
        ),
    )
    report.write_text(
        json.dumps(
            {
                "sent": len(sent),
                "sent_while_unplugged": sum(b - a for a, b in unplugged),
                "trips": trips(),
                "reconnects": reconnects,
                # Bytes the port could not hold because the console was not reading (its
                # 64 KiB full): the console's stall, not the pen's or the cable's.
                "dropped_by_port_bytes": server.dropped_bytes,
            }
        )
    )


# ---------------------------------------------------------------- the console process


@dataclass
class Minute:
    minute: int
    rss_mb: float
    rss_anon_mb: float  # of which private memory (heaps, Python, numpy, Qt's caches)
    heap_used_mb: float  # glibc mallinfo2: bytes handed out, and bytes free in the heap
    heap_free_mb: float  # (RSS held by the allocator, not by live objects)
    fps: float
    cpu_pct: float
    heartbeat_gap_ms: float
    full_gc_ms: float  # the longest full collection this minute (GUI thread, heap frozen)
    samples_stored: int
    alarms: int


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 1e6


def rss_anon_mb() -> float:
    """Private resident memory; the rest of RSS is mapped files (Qt's libraries and fonts,
    paged in as new code paths and glyphs are first used) and shared memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1e3
    return -1.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def heap_mb() -> tuple[float, float]:
    """(in use, free) in the C heap, from glibc's mallinfo2; (-1, -1) elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return -1.0, -1.0
    info = libc.mallinfo2()
    return (info.uordblks + info.hblkhd) / 1e6, info.fordblks / 1e6


def console(args: argparse.Namespace, tmp: Path, children: list[subprocess.Popen[bytes]]) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from console.core.gc_policy import freeze_heap
    from console.gui.controller import PenController
    from console.gui.gc_timer import collect_on_gui_thread
    from console.gui.main_window import MainWindow
    from console.gui.review_window import ReviewWindow
    from console.gui.settings import ConsoleSettings
    from console.gui.sound import AlarmSound
    from console.store import Store

    pty_path, report = tmp / "ttyPEN", tmp / "pen.json"
    pen = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--pen-process",
            str(pty_path),
            "--report",
            str(report),
            "--reconnect-s",
            str(args.reconnect_s),
        ],
        cwd=ROOT,
    )
    children.append(pen)  # killed by main() if this run ends early
    deadline = time.monotonic() + 10
    while not pty_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    app = QApplication.instance() or QApplication([])
    gc_timer = collect_on_gui_thread(app)  # noqa: F841  (kept alive for the run)
    db = tmp / "soak.db"
    store = Store(db)
    controller = PenController(store)
    settings = ConsoleSettings(QSettings(str(tmp / "console.ini"), QSettings.Format.IniFormat))
    window = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    freeze_heap()  # as the app does once its window is up (console/gui/app.py)
    controller.connect_to(str(pty_path))
    frames = 0

    def on_frame(_drained: object) -> None:
        nonlocal frames
        frames += 1

    controller.frame.connect(on_frame)
    started = time.monotonic()
    while controller.link is None or controller.link.stats.frames == 0:
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() - started > 15:
            print("soak: the pen never streamed", file=sys.stderr)
            return 2
    session = controller.start_session("SOAK-1", "Dr Soak")
    minutes: list[Minute] = []
    reviews: list[float] = []
    last = {"t": time.monotonic(), "cpu": time.process_time(), "frames": 0}
    full_gc = {"start": 0.0, "worst": 0.0}

    def time_full_gc(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            full_gc["start"] = time.perf_counter()
        else:
            full_gc["worst"] = max(full_gc["worst"], time.perf_counter() - full_gc["start"])

    gc.callbacks.append(time_full_gc)

    def stored() -> int:
        row = store.conn.execute(
            "SELECT samples FROM session_totals WHERE session_uuid = ?", (session,)
        ).fetchone()
        return int(row[0]) if row else 0

    def sample() -> None:
        now, cpu = time.monotonic(), time.process_time()
        stats = controller.link.stats if controller.link else None
        used, free = heap_mb()
        m = Minute(
            minute=len(minutes) + 1,
            rss_mb=round(rss_mb(), 1),
            rss_anon_mb=round(rss_anon_mb(), 1),
            heap_used_mb=round(used, 1),
            heap_free_mb=round(free, 1),
            fps=round((frames - last["frames"]) / (now - last["t"]), 1),
            cpu_pct=round(100 * (cpu - last["cpu"]) / (now - last["t"]), 1),
            heartbeat_gap_ms=round(stats.max_heartbeat_gap_ms, 1) if stats else -1.0,
            full_gc_ms=round(full_gc["worst"] * 1000, 1),
            samples_stored=stored(),
            alarms=len(controller.alarms.history),
        )
        last.update(t=now, cpu=cpu, frames=frames)
        full_gc["worst"] = 0.0
        minutes.append(m)
        print(json.dumps(asdict(m)), flush=True)
        if len(minutes) >= args.minutes:
            # The pen first: quitting closes the window and the link, and a pen still
            # running would trip its interlock 1.5 s later, on a live cable.
            pen.send_signal(signal.SIGTERM)
            app.quit()

    running: list[tuple[subprocess.Popen[bytes], float, Path]] = []
    failed_reviews: list[str] = []

    def review() -> None:
        if args.review_in == "process":
            # As the product does it: `pen-console review` is its own process, here
            # reading the session while this one records it. It opens the session,
            # shows it for 1.5 s, saves a screenshot and quits.
            n = len(reviews) + len(running) + len(failed_reviews)
            shot = tmp / f"review-{n}.png"
            command = [sys.executable, "-m", "console", "review", "--db", str(db)]
            with shot.with_suffix(".err").open("wb") as err:
                proc = subprocess.Popen(
                    [*command, "--session", session, "--screenshot", str(shot)],
                    cwd=ROOT,
                    env={**os.environ, "XDG_CONFIG_HOME": str(tmp / "review-config")},
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            running.append((proc, time.perf_counter(), shot))
            children.append(proc)
            return
        t0 = time.perf_counter()
        w = ReviewWindow(store)
        w.open_session(session)
        w.show()
        app.processEvents()
        w.close()
        w.deleteLater()
        reviews.append(time.perf_counter() - t0)
        print(json.dumps({"review_open_s": round(reviews[-1], 3)}), flush=True)

    def reap_reviews(wait_s: float = 0.0) -> None:
        """Count the review processes that ended; one still running after REVIEW_LIMIT_S
        (or after `wait_s` more, at the end) is killed and counted as failed."""
        deadline = time.perf_counter() + wait_s
        for entry in list(running):
            proc, t0, shot = entry
            try:
                left = deadline - time.perf_counter()
                code = proc.wait(max(0.0, left)) if wait_s else proc.poll()
            except subprocess.TimeoutExpired:
                code = None
            if code is None and (wait_s or time.perf_counter() - t0 > REVIEW_LIMIT_S):
                proc.kill()
                code = proc.wait()
            if code is None:
                continue
            running.remove(entry)
            if code == 0 and shot.exists():
                reviews.append(time.perf_counter() - t0)
                print(json.dumps({"review_process_s": round(reviews[-1], 3)}), flush=True)
            else:
                err = shot.with_suffix(".err").read_text(errors="replace")[-1500:]
                failed_reviews.append(f"exit {code}: {err}")
                print(json.dumps({"review_failed": failed_reviews[-1]}), flush=True)

    minute_timer = QTimer()
    minute_timer.timeout.connect(sample)
    minute_timer.start(int(args.minute_s * 1000))
    review_timer = QTimer()
    review_timer.timeout.connect(review)
    review_timer.start(int(args.review_every_s * 1000))
    # One review at 5 s. Inside the console (--review-in console), the first window's
    # one-time cost (its classes, fonts, plot items: ~11 MB) then falls in the first
    # minute, the baseline of the RSS target.
    QTimer.singleShot(5000, review)
    reap_timer = QTimer()
    reap_timer.timeout.connect(reap_reviews)
    reap_timer.start(250)
    app.exec()
    minute_timer.stop()
    review_timer.stop()
    reap_timer.stop()
    controller.end_session()
    pen.send_signal(signal.SIGTERM)  # in case the run ended before its last minute
    pen.wait(60)
    reap_reviews(wait_s=60)
    window.close()
    controller.close()
    app.processEvents()
    stored_t = store.load_telemetry(session)["t_us"].astype(np.int64) & 0xFFFFFFFF
    store.close()
    sent = {**json.loads(report.read_text()), **lost_while_up(report, stored_t)}
    store_samples = len(stored_t)
    check = subprocess.run(
        [sys.executable, "-m", "console", "db", "check", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return summarise(args, minutes, Reviews(reviews, failed_reviews), sent, store_samples, check)


def lost_while_up(report: Path, stored_t: np.ndarray) -> dict[str, object]:
    """Samples the pen sent on a live link during the session, and how many are stored.

    Frames sent while the cable was out went nowhere. Frames still in the pty or not yet
    read when it was pulled are lost by the pull too (a real cable drops bytes in flight):
    those after the last stored frame before each pull, up to IN_FLIGHT_S, are counted
    apart. Everything else the pen sent from the session's first stored sample to its
    last must be stored."""
    pen = np.load(report.with_suffix(".npz"))
    t_us = pen["t_us"].astype(np.int64)
    got = np.isin(t_us, stored_t)
    up = pen["intact"] & (t_us >= stored_t.min()) & (t_us <= stored_t.max())
    in_flight = 0
    for a, b in pen["unplugged"]:
        up[a:b] = False
        before = np.flatnonzero(got[:a])
        start = int(before[-1]) + 1 if len(before) else 0
        if a - start <= IN_FLIGHT_S * 2000:
            in_flight += int(up[start:a].sum())
            up[start:a] = False
    lost = up & ~got
    return {
        "sent_up_in_session": int(up.sum()),
        "of_them_stored": int((up & got).sum()),
        "in_flight_at_pulls": in_flight,
        "lost_runs": loss_runs(lost, t_us, pen["unplugged"], pen["trip_t_us"]),
        "trips_while_up": trips_while_up(pen["pulled_us"], pen["trip_t_us"]),
        "trips_at_s": [round((t - t_us[0]) / 1e6, 1) for t in pen["trip_t_us"]],
        "pulls_at_s": [
            round((t_us[min(a, len(t_us) - 1)] - t_us[0]) / 1e6, 1) for a, _ in pen["unplugged"]
        ],
    }


def trips_while_up(pulled_us: np.ndarray, trip_t_us: np.ndarray) -> int:
    """Heartbeat trips outside every cable pull, from unplug to replug on the pen's clock.

    Counted by time rather than by the sample index around each pull: the pen stops
    streaming once it trips, so the last sample before a pull at the end of the run
    came before that pull's trip."""
    return sum(1 for t in trip_t_us if not any(lo <= t <= hi for lo, hi in pulled_us))


def loss_runs(
    lost: np.ndarray, t_us: np.ndarray, unplugged: np.ndarray, trip_t_us: np.ndarray
) -> list[str]:
    """Where the samples lost on a live link were, in words: each run's pen time, length,
    and how far it is from the nearest cable pull and heartbeat trip (pen clock, so the
    same clock as the samples; u32 wrap ignored over a soak's length)."""
    if not lost.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], lost.view(np.int8), [0]))))
    t0 = t_us[0]
    pulls_t = np.array([t_us[min(a, len(t_us) - 1)] for a, _ in unplugged], np.int64)
    runs = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        t = t_us[start]
        near_pull = np.min(np.abs(pulls_t - t)) / 1e6 if len(pulls_t) else float("nan")
        near_trip = np.min(np.abs(trip_t_us - t)) / 1e6 if len(trip_t_us) else float("nan")
        runs.append(
            f"at {(t - t0) / 1e6:.1f} s: {end - start} samples; "
            f"nearest pull {near_pull:.1f} s, nearest trip {near_trip:.1f} s away"
        )
    return runs


@dataclass
class Reviews:
    seconds: list[float]  # open time in this process, or the review process's whole run
    failed: list[str]  # review processes that exited non-zero or saved no screenshot


def summarise(
    args: argparse.Namespace,
    minutes: list[Minute],
    reviews: Reviews,
    sent: dict[str, Any],
    stored: int,
    check: subprocess.CompletedProcess[str],
) -> int:
    up = sent["sent_up_in_session"]
    lost = up - sent["of_them_stored"]
    trips_up = sent["trips_while_up"]
    base = minutes[min(args.baseline_minute, len(minutes)) - 1]
    growth = minutes[-1].rss_mb - base.rss_mb
    fps_change = (minutes[-1].fps - minutes[0].fps) / max(minutes[0].fps, 1e-9) * 100
    verdicts = {
        f"RSS growth after minute {base.minute}: {growth:+.1f} MB (< 10)": growth < 10,
        f"samples lost while the link was up: {lost} of {up} ({stored} stored; "
        f"{sent['in_flight_at_pulls']} in flight when the cable was pulled)": lost == 0,
        f"heartbeat trips while the link was up: {trips_up}": trips_up == 0,
        f"fps first {minutes[0].fps} / last {minutes[-1].fps} ({fps_change:+.1f} %, within 5)": (
            abs(fps_change) <= 5
        ),
        f"final db check exit {check.returncode}": check.returncode == 0,
    }
    print(f"pen: {json.dumps(sent)}")
    how = (
        "in their own processes, each run start to quit"
        if args.review_in == "process"
        else "in this process, open time"
    )
    print(
        f"alarms raised: {minutes[-1].alarms}; reviews opened {how}: {len(reviews.seconds)} "
        f"(max {max(reviews.seconds, default=0):.2f} s); reviews failed: {len(reviews.failed)}"
    )
    print(
        f"max heartbeat gap: {max(m.heartbeat_gap_ms for m in minutes)} ms; "
        f"CPU {sum(m.cpu_pct for m in minutes) / len(minutes):.0f} % mean"
    )
    for text, ok in verdicts.items():
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    if check.returncode:
        print(check.stderr[-2000:], file=sys.stderr)
    for failure in reviews.failed:
        print(f"review failed: {failure}", file=sys.stderr)
    return 0 if all(verdicts.values()) and not reviews.failed else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--minute-s", type=float, default=60.0, help=argparse.SUPPRESS)
    parser.add_argument("--review-every-s", type=float, default=300.0)
    parser.add_argument("--reconnect-s", type=float, default=120.0)
    parser.add_argument(
        "--review-in",
        choices=("process", "console"),
        default="process",
        help="open each review as `pen-console review` in its own process, as the product "
        "does (default), or as a ReviewWindow inside the console process (a harsher case)",
    )
    parser.add_argument(
        "--baseline-minute",
        type=int,
        default=1,
        help="RSS growth is counted from the end of this minute (the issue's target: 1)",
    )
    parser.add_argument("--pen-process", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pen_process:
        pen_process(args.pen_process, args.report, args.reconnect_s)
        return 0
    print(f"machine: {machine()}  commit {git_rev()}  soak {args.minutes} min", flush=True)
    children: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return console(args, Path(tmp), children)
        finally:  # a run that ended early leaves no pen and no review running
            for child in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()


if __name__ == "__main__":
    sys.exit(main())
