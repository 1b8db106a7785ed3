"""What counts as the practitioner working with the pen, for the idle lock (H-12).

A treatment run from the pen's own buttons produces no mouse or key event, yet someone is
plainly at the cart. So the idle lock also counts, on each display tick: telemetry that
says the motor runs, and any press of a pen button. A motor running with no telemetry
arriving (a stall, a lost link) does not count: nothing shows that anyone is there.
Qt-free; the screen lock (console/gui/sign_in.py) calls it with what the tick drained.
"""

from __future__ import annotations

from console.core.live import Drained, Latest
from drivers.messages import EventCode, Status

BUTTON_EVENTS = frozenset({EventCode.BUTTON_SHORT, EventCode.BUTTON_LONG})


def pen_in_use(drained: Drained, latest: Latest) -> bool:
    """True when this tick brought telemetry with the motor on, or a pen button press."""
    if drained.samples and latest.has(Status.MOTOR_RUNNING):
        return True
    return any(event.code in BUTTON_EVENTS for event in drained.events)
