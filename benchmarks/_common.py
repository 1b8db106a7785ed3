"""Shared helpers for the benchmark scripts: medians, machine description, synthetic data."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def git_rev() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def treatment_columns(n: int, rate_hz: int = 2000, seed: int = 7) -> dict[str, np.ndarray]:
    """n samples shaped like the virtual pen's treatment scenario (vectorised, fast)."""
    rng = np.random.default_rng(seed)
    t_us = (np.arange(n) * (1_000_000 // rate_hz)).astype(np.int64) + 123
    running = (np.arange(n) // (rate_hz * 50)) % 6 != 5
    contact = running & ((np.arange(n) // int(rate_hz * 2.5)) % 3 != 2)
    depth_set = np.where((np.arange(n) // (rate_hz * 20)) % 3 == 1, 550, 500).astype(np.uint16)
    rate_dhz = np.where(running, 800 + rng.normal(0, 2, n), 0).round().astype(np.uint16)
    strokes = np.cumsum(np.where(running, 80 / rate_hz, 0)).astype(np.int64)
    return {
        "seq": (np.arange(n) & 0xFFFF).astype(np.uint16),
        "t_us": t_us,
        "depth_set_um": depth_set,
        "depth_meas_um": np.where(running, depth_set - 12 * contact + rng.normal(0, 8, n), 0)
        .round()
        .astype(np.uint16),
        "rate_dhz": rate_dhz,
        "strokes": strokes,
        "motor_ma": np.where(running, 90 + 1.4 * rate_dhz / 10 + 70 * contact, 3).astype(np.uint16),
        "force_mn": np.where(contact, 450 + rng.normal(0, 60, n), 0).clip(0).astype(np.uint16),
        "battery_pct": np.full(n, 80, np.uint8),
        "temp_dc": np.full(n, 310, np.int16),
        "status": (64 | 4 | running * 1 | contact * 2).astype(np.uint16),
        "zone": np.zeros(n, np.uint8),
        "pass_no": np.zeros(n, np.uint8),
    }


def store_session(db: Path, n: int, rate_hz: int = 2000, zone_ids: list[str] | None = None) -> str:
    """A complete session of n samples in ~1 s chunks, written through the store; with
    `zone_ids`, the samples move to the next zone every minute."""
    import json

    from console.store import Store

    store = Store(db)
    session = store.create_session("BENCH", "bench", pen={"serial": "BENCH"})
    cols = treatment_columns(n, rate_hz)
    if zone_ids:
        store.update_session(session, zone_ids=json.dumps(zone_ids))
        minute = np.arange(n) // (rate_hz * 60)
        cols["zone"] = (minute % len(zone_ids) + 1).astype(np.uint8)
    chunks = [
        (i, {k: v[s : s + rate_hz] for k, v in cols.items()})
        for i, s in enumerate(range(0, n, rate_hz))
    ]
    for start in range(0, len(chunks), 200):
        store.write_batch(session, chunks[start : start + 200], [])
    store.finish_session(session)
    store.close()
    return session


def open_drawn(app: Any, plot: Any, db: Path, session: str) -> tuple[Any, Any, float]:
    """Open `session` in the review `plot` and draw it: (review, its store, seconds)."""
    from console.core.review import SessionReview
    from console.store import Store

    store = Store(db)
    t0 = time.perf_counter()
    review = SessionReview(store, session)
    plot.show_review(review)
    plot.view.repaint()
    app.processEvents()
    return review, store, time.perf_counter() - t0


def drawn_range(app: Any, plot: Any, lo_s: float, hi_s: float) -> float:
    """Seconds to show lo_s..hi_s in the review `plot`, drawn."""
    t0 = time.perf_counter()
    plot.depth_plot.setXRange(lo_s, hi_s, padding=0)
    plot.view.repaint()
    app.processEvents()
    return time.perf_counter() - t0
