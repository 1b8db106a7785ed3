"""Fixtures for the offline-clinic tests: databases with a few ended sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from console.store import Store, packing
from console.store.rows import EventKind, EventRow


def columns(n: int, seed: int) -> packing.Columns:
    rng = np.random.default_rng(seed)
    return {
        "seq": (np.arange(n) & 0xFFFF).astype(np.uint16),
        "t_us": (1_000 + np.cumsum(rng.integers(400, 600, n))).astype(np.int64),
        "depth_set_um": rng.choice([500, 750], n).astype(np.uint16),
        "depth_meas_um": rng.integers(0, 800, n).astype(np.uint16),
        "rate_dhz": rng.integers(0, 1200, n).astype(np.uint16),
        "strokes": np.cumsum(rng.integers(0, 3, n)).astype(np.int64),
        "motor_ma": rng.integers(0, 900, n).astype(np.uint16),
        "force_mn": rng.integers(0, 3000, n).astype(np.uint16),
        "battery_pct": rng.integers(50, 101, n).astype(np.uint8),
        "temp_dc": rng.integers(200, 400, n).astype(np.int16),
        "status": rng.integers(0, 4, n).astype(np.uint16),
        "zone": rng.integers(0, 5, n).astype(np.uint8),
        "pass_no": rng.integers(0, 3, n).astype(np.uint8),
    }


def ended_session(store: Store, patient: str, seed: int = 1, practitioner: str = "Dr Test") -> str:
    """A complete session with two telemetry chunks, events and a pass, sealed."""
    session = store.create_session(patient, practitioner, plan_name="full face", notes="ok")
    store.write_batch(
        session,
        [(0, columns(500, seed)), (1, columns(300, seed + 1))],
        [
            EventRow(1_500, "pen", EventKind.FAULT_RAISED, 32, 1, {}),
            EventRow(9_000, "console", EventKind.ZONE_CHANGE, None, None, {"zone": "cheek_l"}),
        ],
        [
            (
                {
                    "zone": "cheek_l",
                    "pass_no": 1,
                    "started_t_us": 1_000,
                    "ended_t_us": 90_000,
                    "strokes": 120,
                    "contact_ms": 80,
                    "depth_mean_um": 612.5,
                    "depth_max_um": 750,
                },
                False,
            )
        ],
    )
    store.finish_session(session)
    return session


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cart" / "pen-console.db")
    yield s
    s.close()
