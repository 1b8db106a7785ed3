"""The single-use gate against the pen's own run button (H-13): how long from a press that
starts the motor while the cartridge is refused until the pen's motor is off again.

    .venv/bin/python benchmarks/bench_gate_stop.py [--presses 30]

The treatment ticks at the live screen's 60 Hz, as the display timer drives it; the pen is
the in-process virtual pen at 500 Hz telemetry. The anchor, in the same run, is the
console's own Stop sent the moment the motor is seen running: the floor the gate's stop
cannot beat (telemetry delay, the command, the pen's 4 ms read tick).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import machine, median

from console.core.access import Access
from console.core.lots import Product, ProductKind, SingleUseRefused, record_product
from console.core.treatment import Treatment
from console.store import Store
from drivers.link import Link, LinkState
from drivers.messages import Button, Status
from drivers.virtual.endpoints import wait_until

TICK_S = 1 / 60


def _ticked_stopped(treatment: Treatment) -> bool:
    treatment.tick()
    return not treatment.live.latest.has(Status.MOTOR_RUNNING)


def _stop_ms(treatment: Treatment, gate: bool) -> float:
    """Press run on the pen; with `gate` the treatment's tick stops it, else the anchor:
    a console Stop the moment the status says running."""
    pen = treatment.link.virtual_pen  # type: ignore[union-attr]
    t0 = time.monotonic()
    pen.press(Button.RUN_STOP)
    while pen.motor_on:
        treatment.tick()
        if not gate and treatment.live.latest.has(Status.MOTOR_RUNNING):
            treatment.stop_motor()
        time.sleep(TICK_S)
    elapsed = (time.monotonic() - t0) * 1000
    wait_until(
        lambda: (treatment.tick(), not treatment.live.latest.has(Status.MOTOR_RUNNING))[1], 2
    )
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--presses", type=int, default=30)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    store = Store(tmp / "gate.db")
    other = store.create_session("P-OTHER", "Dr Lee")
    used = Product(ProductKind.CARTRIDGE, "C-1", "S-1")
    record_product(Access(store, None), other, "P-OTHER", used, date.today())
    store.finish_session(other)
    treatment = Treatment(store)
    link = Link("virtual://idle?telemetry_hz=500")
    treatment.attach(link)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        treatment.start_session("P-GATE", "Dr Lee")
        anchor = [_stop_ms(treatment, gate=False) for _ in range(args.presses)]
        with contextlib.suppress(SingleUseRefused):  # the gate closes: the tick stops starts
            treatment.record_lot(used)
        gated = [_stop_ms(treatment, gate=True) for _ in range(args.presses)]
        treatment.end_session()
    finally:
        treatment.close()
        store.close()
    print(f"machine: {machine()}")
    print(
        f"anchor (console Stop on first sight of running): median {median(anchor):.1f} ms, "
        f"max {max(anchor):.1f} ms"
    )
    print(
        f"gate stop (pen run button, cartridge refused): median {median(gated):.1f} ms, "
        f"max {max(gated):.1f} ms over {len(gated)} presses; "
        f"ratio to anchor {median(gated) / median(anchor):.2f}"
    )


if __name__ == "__main__":
    main()
