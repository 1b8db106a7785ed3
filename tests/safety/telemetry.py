"""One telemetry batch at a fixed measured depth and status, for the safety tests."""

from __future__ import annotations

import numpy as np

from drivers.messages import TelemetryBatch


def batch(depth_meas_um: int, status: int, n: int = 50, t0_us: int = 0) -> TelemetryBatch:
    seq = np.arange(n)
    return TelemetryBatch.from_columns(
        {
            "seq": seq,
            "t_us": t0_us + seq * 1000,
            "depth_set_um": np.full(n, 500),
            "depth_meas_um": np.full(n, depth_meas_um),
            "rate_dhz": np.full(n, 800),
            "strokes": seq // 10,
            "motor_ma": np.full(n, 200),
            "force_mn": np.full(n, 300),
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 300),
            "status": np.full(n, int(status)),
        }
    )
