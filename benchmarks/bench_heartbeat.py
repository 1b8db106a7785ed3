"""Heartbeat gaps of the link under load (target: worst gap <= 300 ms; the pen trips at 1.5 s).

Run:  .venv/bin/python benchmarks/bench_heartbeat.py [--runs 5] [--seconds 5]

The virtual pen runs in its own process (`pen-console simulate --pty`, 2 kHz telemetry);
the link runs here, and every frame it writes is timestamped. Loads: none; one and two
threads spinning in pure Python; a subscriber that burns 50 ms of CPU on every batch;
a thread that holds a lock of its own for 1 s at a time. For each load, the median over
runs of the p50, p99 and worst gap between host frames, and of the link's own
max_heartbeat_gap_ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from drivers.link import Link, LinkState
from drivers.transport import Port, open_port


class StampedPort:
    """Wraps a port and records when each write happened."""

    def __init__(self, inner: Port, stamps: list[float]) -> None:
        self._inner = inner
        self._stamps = stamps

    @property
    def in_waiting(self) -> int:
        return self._inner.in_waiting

    def read(self, size: int = 1) -> bytes:
        return self._inner.read(size)

    def write(self, data: bytes, /) -> int | None:
        self._stamps.append(time.monotonic())
        return self._inner.write(data)

    def close(self) -> None:
        self._inner.close()


def spin(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        x += 1


def hog_lock(stop: threading.Event) -> None:
    lock = threading.Lock()
    while not stop.is_set():
        with lock:  # busy code that holds its own lock for long: the link never waits on it
            end = time.monotonic() + 1.0
            while time.monotonic() < end and not stop.is_set():
                pass


class SlowSubscriber:
    def on_telemetry(self, batch: object) -> None:
        end = time.thread_time() + 0.05
        while time.thread_time() < end:
            pass


LOADS: dict[str, tuple[list[Callable[[threading.Event], None]], bool]] = {
    "idle": ([], False),
    "1 spinning thread": ([spin], False),
    "2 spinning threads": ([spin, spin], False),
    "slow subscriber (50 ms/batch)": ([], True),
    "thread holding its own lock 1 s": ([hog_lock], False),
}


def one_run(pty: str, seconds: float, workers: list, slow: bool) -> tuple[np.ndarray, float]:
    stamps: list[float] = []
    link = Link(pty, opener=lambda url: StampedPort(open_port(url), stamps))
    if slow:
        link.subscribe(SlowSubscriber())
    link.start()
    stop = threading.Event()
    threads = [threading.Thread(target=w, args=(stop,)) for w in workers]
    try:
        if not link.wait_for_state(LinkState.STREAMING, 5):
            raise SystemExit(f"no pen on {pty}: {link.state}")
        start = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(seconds)
        end = time.monotonic()
    finally:
        stop.set()
        for t in threads:
            t.join()
        max_ms = link.stats.max_heartbeat_gap_ms
        link.close()
    window = np.array([s for s in stamps if start <= s <= end])
    return np.diff(window) * 1000, max_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pty = str(Path(tmp) / "ttyHB")
        server = subprocess.Popen(
            [sys.executable, "-m", "console", "simulate", "--pty", pty, "--telemetry-hz", "2000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            print(server.stdout.readline().strip())
            print(f"{'load':34} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'link max':>9}")
            for name, (workers, slow) in LOADS.items():
                p50, p99, worst, link_max = [], [], [], []
                for _ in range(args.runs):
                    gaps, max_ms = one_run(pty, args.seconds, workers, slow)
                    p50.append(float(np.percentile(gaps, 50)))
                    p99.append(float(np.percentile(gaps, 99)))
                    worst.append(float(gaps.max()))
                    link_max.append(max_ms)
                med = statistics.median
                print(
                    f"{name:34} {med(p50):7.1f} {med(p99):7.1f} {med(worst):7.1f} "
                    f"{med(link_max):9.1f}   (worst of all runs {max(worst):.1f})"
                )
        finally:
            server.terminate()
            server.wait(10)
    print(
        f"medians over {args.runs} runs of {args.seconds:g} s; {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
