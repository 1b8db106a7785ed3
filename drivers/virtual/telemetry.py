"""The virtual pen's telemetry: the sample grid it streams on, and its rows on the wire.

The pen streams at `telemetry_hz` on a grid that restarts whenever the rate changes or
streaming starts, so the samples due at any clock reading are exact, however the clock is
chunked into calls. The readings come from the handpiece model (physics.py); this module
only lays them out as protocol 1.0 TELEMETRY rows. Never imports Qt.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from drivers.messages import TELEMETRY_WIRE_DTYPE, Status
from drivers.virtual.physics import Samples

FLOAT_FUZZ = 1e-6  # a sample due at exactly now_s is due, whatever the float rounding


class SampleGrid:
    def __init__(self, hz: int) -> None:
        self.hz = hz
        self._origin_s = 0.0
        self._samples = 0

    def restart(self, now_s: float, hz: int | None = None) -> None:
        """Start a new grid at now_s (at a new rate if given): its first sample is 1/hz on."""
        self.hz = hz or self.hz
        self._origin_s = now_s
        self._samples = 0

    def due(self, now_s: float) -> npt.NDArray[np.float64]:
        """The instants of the samples not yet taken up to now_s (empty if none)."""
        due = int((now_s - self._origin_s) * self.hz + FLOAT_FUZZ)
        if due <= self._samples:
            return np.zeros(0)
        first, self._samples = self._samples + 1, due
        return self._origin_s + np.arange(first, due + 1) / self.hz


def wire_rows(
    t_s: npt.NDArray[np.float64],
    t_us0: int,
    depth_set_um: int,
    samples: Samples,
    flags: Status,
) -> npt.NDArray[np.void]:
    """TELEMETRY rows for the instants t_s: the handpiece's readings plus the pen's flags."""
    status = np.full(len(t_s), int(flags), np.uint16)
    status |= np.where(samples.running, int(Status.MOTOR_RUNNING), 0).astype(np.uint16)
    status |= np.where(samples.contact, int(Status.SKIN_CONTACT), 0).astype(np.uint16)
    rows = np.zeros(len(t_s), TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = (t_us0 + np.round(t_s * 1e6).astype(np.int64)) & 0xFFFFFFFF
    rows["depth_set_um"] = depth_set_um
    rows["depth_meas_um"] = samples.depth_meas_um
    rows["rate_dhz"] = samples.rate_dhz
    rows["strokes"] = samples.strokes & 0xFFFFFFFF
    rows["motor_ma"] = samples.motor_ma
    rows["force_mn"] = samples.force_mn
    rows["battery_pct"] = samples.battery_pct
    rows["temp_dc"] = samples.temp_dc
    rows["status"] = status
    return rows
