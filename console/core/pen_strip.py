"""What the pen is doing, in one line, for the locked and signed-out screens. Qt-free.

Whoever stops the pen from a locked screen (practitioner review 6) must see it stop
without signing in: recording or not, whose session (the patient code only), the link,
the motor and the depth. Read-only: nothing here operates anything.
"""

from __future__ import annotations

from console.core.live import Latest
from console.core.pen_commands import MOTOR_FRESH_S
from drivers.link import LinkState
from drivers.messages import Status


def motor_words(latest: Latest, now: float) -> str:
    """Running / stopped from a fresh status; an old or missing one is said as such, never
    as "stopped" (H-37)."""
    if latest.has(Status.MOTOR_RUNNING):
        return "Motor RUNNING"
    if latest.rx_monotonic > 0 and now - latest.rx_monotonic <= MOTOR_FRESH_S:
        return "Motor stopped"
    return "Motor unknown (no recent status)"


def strip_words(patient_code: str | None, state: LinkState, latest: Latest, now: float) -> str:
    """`patient_code` None: no session records; "" a session without a code."""
    rec = "Not recording" if patient_code is None else f"REC ● {patient_code or 'no code'}"
    link = f"Pen {state.name.lower().replace('_', ' ')}"
    if state is not LinkState.STREAMING:
        return f"{rec}   ·   {link}   ·   {motor_words(latest, now)}"
    depth = f"Depth {latest.depth_set_um / 1000:.2f} mm"
    return f"{rec}   ·   {link}   ·   {motor_words(latest, now)}   ·   {depth}"
