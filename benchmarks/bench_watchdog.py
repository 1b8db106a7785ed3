"""The GUI watchdog (H-02): its cost on the link's reader thread, and how soon a frozen
screen stops the pen.

    .venv/bin/python benchmarks/bench_watchdog.py [--calls 20000] [--freezes 5]

1. Cost: `GuiWatchdog.on_telemetry` on a 2 kHz pen's 10-sample batch (armed, fed, motor
   on), against the anchor `CeilingController.telemetry` on the same batch, which runs
   beside it on the same thread. Medians of per-call times, in microseconds.
2. Latency: the virtual pen at 2 kHz needling, the watchdog fed once and then not again;
   from the moment the screen has been silent for FROZEN_S until the pen reports its
   motor off. Includes the virtual pen's 4 ms read tick.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import machine, median

from console.core import gui_watchdog
from console.core.ceilings import CeilingController
from console.core.gui_watchdog import GuiWatchdog
from console.core.passes import PassTracker
from console.core.zones import available_maps
from drivers.link import Link, LinkState
from drivers.messages import Status, TelemetryBatch
from drivers.virtual.endpoints import wait_until


def _batch(n: int = 10) -> TelemetryBatch:
    seq = np.arange(n)
    return TelemetryBatch.from_columns(
        {
            "seq": seq,
            "t_us": seq * 500,
            "depth_set_um": np.full(n, 500),
            "depth_meas_um": np.full(n, 480),
            "rate_dhz": np.full(n, 800),
            "strokes": seq // 25,
            "motor_ma": np.full(n, 200),
            "force_mn": np.full(n, 300),
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 300),
            "status": np.full(n, int(Status.MOTOR_RUNNING)),
        }
    )


class _NoLink:
    def subscribe(self, listener: object):
        return lambda: None


def _per_call_us(fn, batch: TelemetryBatch, calls: int) -> float:
    times = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn(batch)
        times.append((time.perf_counter_ns() - t0) / 1000)
    return median(times)


def _stop_latency_ms(freezes: int) -> list[float]:
    gui_watchdog.FROZEN_S = 0.5
    out = []
    link = Link("virtual://idle?telemetry_hz=2000")
    dog = GuiWatchdog()
    dog.watch(link)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        pen = link.virtual_pen
        for _ in range(freezes):
            assert link.motor(True).result(2).ok
            assert wait_until(lambda: pen.motor_on, 2)
            dog.feed()
            frozen_at = time.monotonic() + gui_watchdog.FROZEN_S
            assert wait_until(lambda: not pen.motor_on, 5, poll_s=0.0005)
            out.append((time.monotonic() - frozen_at) * 1000)
            dog.take_trips()
    finally:
        dog.watch(None)
        link.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--freezes", type=int, default=5)
    args = p.parse_args()
    batch = _batch()
    dog = GuiWatchdog()
    dog.watch(_NoLink())  # type: ignore[arg-type]
    dog.feed()  # armed and fed: the common case, every batch while the screen runs
    ceilings = CeilingController(PassTracker(available_maps()["face"]), None)
    ceilings.tracker.select("forehead")
    anchor_us = _per_call_us(ceilings.telemetry, batch, args.calls)
    dog_us = _per_call_us(dog.on_telemetry, batch, args.calls)
    latencies = _stop_latency_ms(args.freezes)
    print(f"machine: {machine()}")
    print(
        f"watchdog on_telemetry: median {dog_us:.2f} us per batch; anchor "
        f"CeilingController.telemetry {anchor_us:.2f} us; ratio {dog_us / anchor_us:.2f}"
    )
    print(
        f"frozen screen -> pen motor off after FROZEN_S: median {median(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms over {len(latencies)} freezes"
    )


if __name__ == "__main__":
    main()
