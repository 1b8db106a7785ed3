"""The handpiece behind the virtual pen's telemetry: motor, skin contact, heat, battery.

Plausible rather than exact: the motor spins up and down over ~0.15 s, skin contact comes
and goes in 1–4 s segments while the practitioner works, measured depth carries sensor
noise (and reads 0 with the motor stopped), force and motor current follow contact.

Each random quantity draws from its own generator, so a run's samples do not depend on
how the pen's clock happened to be chunked into calls. Never imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MOTOR_TAU_S = 0.15
WARM_TAU_S = 300.0  # the handpiece warms over minutes
HOT_TAU_S = 4.0  # a failing motor overheats within seconds
ROOM_C = 24.0
RUNNING_C = 32.0
OVERHEATING_C = 47.0
BATTERY_DRAIN_PCT_PER_S = 1 / 90  # while the motor runs
CONTACT_ON_S = (1.0, 4.0)
CONTACT_OFF_S = (0.3, 1.0)


@dataclass(frozen=True, slots=True)
class Drive:
    """What the pen's firmware asks of the handpiece during a stretch of samples."""

    motor_on: bool
    rate_set_dhz: int
    depth_set_um: int
    working: bool  # the practitioner is working on the skin
    overheating: bool = False


@dataclass(frozen=True, slots=True)
class Samples:
    contact: npt.NDArray[np.bool_]
    running: npt.NDArray[np.bool_]
    rate_dhz: npt.NDArray[np.int64]
    strokes: npt.NDArray[np.int64]  # not wrapped
    depth_meas_um: npt.NDArray[np.int64]
    motor_ma: npt.NDArray[np.int64]
    force_mn: npt.NDArray[np.int64]
    temp_dc: npt.NDArray[np.int64]
    battery_pct: npt.NDArray[np.int64]


class Handpiece:
    def __init__(self, seed: int, strokes0: int = 0, battery_pct: float = 87.0) -> None:
        seeds = np.random.SeedSequence(seed).spawn(4)
        self._contact_rng, self._force_rng, self._depth_rng, self._rate_rng = (
            np.random.default_rng(s) for s in seeds
        )
        self.rate_hz = 0.0
        self.strokes = float(strokes0)
        self.temp_c = ROOM_C
        self.battery_pct = battery_pct
        self.contact = False
        self._contact_until_s = 0.0

    def run(self, t_s: npt.NDArray[np.float64], dt_s: float, drive: Drive) -> Samples:
        """Advance through the sample instants `t_s` (spaced dt_s) and return the readings."""
        n = len(t_s)
        contact = np.zeros(n, bool)
        rate = np.empty(n)
        strokes = np.empty(n)
        target_hz = drive.rate_set_dhz / 10 if drive.motor_on else 0.0
        alpha = 1 - np.exp(-dt_s / MOTOR_TAU_S)
        if not drive.working:
            self.contact = False
        for i in range(n):  # sequential by nature: ramps and contact segments carry over
            if drive.working and t_s[i] >= self._contact_until_s:
                self.contact = not self.contact
                span = CONTACT_ON_S if self.contact else CONTACT_OFF_S
                self._contact_until_s = t_s[i] + self._contact_rng.uniform(*span)
            contact[i] = self.contact
            self.rate_hz += (target_hz - self.rate_hz) * alpha
            self.strokes += self.rate_hz * dt_s
            rate[i] = self.rate_hz
            strokes[i] = self.strokes
        running = rate > 0.5
        elapsed_s = np.arange(1, n + 1, dtype=np.float64) * np.float64(dt_s)
        temp_c = self._warm(elapsed_s, drive)
        drain = BATTERY_DRAIN_PCT_PER_S if drive.motor_on else 0.0
        battery = np.maximum(0.0, self.battery_pct - elapsed_s * drain)
        self.battery_pct = float(battery[-1])
        force = np.where(contact, 450 + self._force_rng.normal(0, 60, n), 0)
        pressed_in_um = np.where(contact, 12, 0)  # skin pushes back a little
        meas = drive.depth_set_um - pressed_in_um + self._depth_rng.normal(0, 8, n)
        rate_dhz = rate * 10 + self._rate_rng.normal(0, 2, n)
        return Samples(
            contact=contact,
            running=running,
            rate_dhz=np.where(running, rate_dhz, 0).clip(0, 65535).round().astype(np.int64),
            strokes=strokes.astype(np.int64),
            depth_meas_um=np.where(running, meas, 0).clip(0, 65535).round().astype(np.int64),
            motor_ma=np.where(running, 90 + 1.4 * rate + contact * 70, 3).round().astype(np.int64),
            force_mn=force.clip(0, 65535).round().astype(np.int64),
            temp_dc=np.round(temp_c * 10).astype(np.int64),
            battery_pct=battery.astype(np.int64),
        )

    def _warm(self, elapsed_s: npt.NDArray[np.float64], drive: Drive) -> npt.NDArray[np.float64]:
        """Temperature at each sample: first-order approach to the target."""
        if drive.overheating:
            target_c, tau_s = OVERHEATING_C, HOT_TAU_S
        else:
            target_c, tau_s = (RUNNING_C if drive.motor_on else ROOM_C), WARM_TAU_S
        temp_c = target_c + (self.temp_c - target_c) * np.exp(-elapsed_s / tau_s)
        self.temp_c = float(temp_c[-1])
        return temp_c
