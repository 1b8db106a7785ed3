"""`--perf-log`: one JSON line per second with fps, CPU, ingest rate, latency, queue depth
and resident memory.

Latency runs from the moment a frame's bytes reached the host (TelemetryBatch.received_ns)
to the paint that first shows it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import TextIO

import numpy as np

from console.core.live import Drained
from drivers.link import LinkStats


class PerfLog:
    def __init__(
        self, out: TextIO, link_stats: Callable[[], LinkStats | None] = lambda: None
    ) -> None:
        self._out = out
        self._link_stats = link_stats
        self._waiting: list[int] = []  # received_ns of samples not yet painted
        self._latencies_ms: list[float] = []
        self._paints = 0
        self._samples = 0
        self._queue_depth = 0
        self._t0 = time.monotonic()
        self._cpu0 = time.process_time()
        self.lines: list[dict[str, float]] = []
        self._first_paint_unix: float | None = None  # the plots' first paint (start-up)
        self._first_paint_said = False

    def on_frame(self, drained: Drained) -> None:
        self._waiting += drained.received_ns
        self._samples += drained.samples
        self._queue_depth = max(self._queue_depth, drained.queue_depth)
        self._maybe_write()

    def on_paint(self, painted_ns: int) -> None:
        if self._first_paint_unix is None:
            self._first_paint_unix = time.time()
        self._paints += 1
        if self._waiting:
            self._latencies_ms += [(painted_ns - r) / 1e6 for r in self._waiting if r]
            self._waiting.clear()

    def _maybe_write(self) -> None:
        now = time.monotonic()
        elapsed = now - self._t0
        if elapsed < 1.0:
            return
        cpu = time.process_time()
        lat = np.asarray(self._latencies_ms) if self._latencies_ms else np.asarray([np.nan])
        line = {
            "t": round(time.time(), 3),
            "fps": round(self._paints / elapsed, 1),
            "cpu_pct": round(100 * (cpu - self._cpu0) / elapsed, 1),
            "ingest_hz": round(self._samples / elapsed, 1),
            "latency_ms_p50": round(float(np.nanpercentile(lat, 50)), 2),
            "latency_ms_p99": round(float(np.nanpercentile(lat, 99)), 2),
            "queue_depth": self._queue_depth,
        }
        if self._first_paint_unix is not None and not self._first_paint_said:
            line["first_paint_unix"] = self._first_paint_unix  # in one line only
            self._first_paint_said = True
        rss = resident_mb()
        if rss is not None:  # memory must stay flat (within 10 MB after the first minute)
            line["rss_mb"] = round(rss, 1)
        stats = self._link_stats()
        if stats is not None:  # the heartbeat must keep its ≤ 300 ms gap while we render
            line["heartbeat_gap_ms_max"] = round(stats.max_heartbeat_gap_ms, 1)
        self.lines.append(line)
        self._out.write(json.dumps(line) + "\n")
        self._out.flush()
        self._t0, self._cpu0 = now, cpu
        self._paints = self._samples = self._queue_depth = 0
        self._latencies_ms.clear()


def resident_mb() -> float | None:
    """The process's resident memory in MB (Linux); None where /proc is not there."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
