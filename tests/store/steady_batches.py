"""Synthetic telemetry for the recorder and spill tests: a steady 1 kHz stream whose seq
and time follow the sample's index, so what was stored can be checked against it."""

from __future__ import annotations

import numpy as np

from drivers.messages import TelemetryBatch


def steady_batch(start: int, n: int) -> TelemetryBatch:
    i = np.arange(start, start + n)
    return TelemetryBatch.from_columns(
        {
            "seq": i & 0xFFFF,
            "t_us": i * 1000,
            "depth_set_um": np.full(n, 500),
            "depth_meas_um": 470 + i % 53,
            "rate_dhz": np.full(n, 1200),
            "strokes": i // 12,
            "motor_ma": 200 + i % 7,
            "force_mn": 400 + i % 90,
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 310),
            "status": np.full(n, 0b1000111),
        }
    )
