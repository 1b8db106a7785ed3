"""Decides which alarm conditions hold, from what the live model drained. Qt-free.

Called on the GUI thread at display rate. Each rule below is one row of the alarm table
in issue 4; the depth ceiling rule lives with the zone map (console/ceilings.py).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from console.core.alarms import AlarmModel, Condition
from console.core.live import Drained, Latest
from drivers.link import LinkState
from drivers.messages import EventCode, Fault, Status

STALL_S = 0.3
BATTERY_LOW_PCT = 20
QUALITY_WINDOW_S = 10.0
QUALITY_THRESHOLD = 5  # discards + gaps within the window


class LinkMonitor:
    def __init__(self, alarms: AlarmModel, clock: Callable[[], float] = time.monotonic) -> None:
        self.alarms = alarms
        self._clock = clock
        self._streamed = False
        self._problems: deque[tuple[float, int]] = deque()
        self._last_discards = 0
        self._fault_code: int | None = None
        self._battery_low_pct = BATTERY_LOW_PCT  # the pen's own threshold, once it said

    def update(
        self,
        drained: Drained,
        state: LinkState,
        latest: Latest,
        discards_total: int,
        recording: bool | None = None,
    ) -> None:
        """`recording`: whether a session is being recorded (None: not known, no rule)."""
        now = self._clock()
        a = self.alarms
        for change in drained.states:
            if change.state is LinkState.STREAMING:
                self._streamed = True
            if change.state is LinkState.LOST and self._streamed:
                a.set(Condition.LINK_LOST, True, change.message)
            elif change.state is LinkState.STREAMING:
                a.set(Condition.LINK_LOST, False)
            elif change.state is LinkState.DISCONNECTED:  # the operator disconnected
                a.set(Condition.LINK_LOST, False)
                self._streamed = False
            if change.state is LinkState.INCOMPATIBLE:
                a.set(Condition.PROTOCOL_INCOMPATIBLE, True, change.message)
        for event in drained.events:
            if event.code == EventCode.FAULT_RAISED:
                self._fault_code = event.arg
            elif event.code == EventCode.BATTERY_LOW:
                self._battery_low_pct = max(BATTERY_LOW_PCT, int(event.arg))
                a.set(Condition.BATTERY_LOW, True, f"battery at {event.arg} %")
        for ok, message in drained.storage:
            a.set(Condition.STORAGE_FAILING, not ok, message)

        streaming = state is LinkState.STREAMING
        stalled = streaming and latest.rx_monotonic > 0 and now - latest.rx_monotonic > STALL_S
        a.set(
            Condition.TELEMETRY_STALLED,
            stalled,
            f"no telemetry for {now - latest.rx_monotonic:.1f} s while streaming",
        )

        if streaming and latest.rx_monotonic:
            fault = latest.has(Status.FAULT_ACTIVE)
            a.set(Condition.PEN_FAULT, fault, _fault_words(self._fault_code))
            # The alarm follows the battery the header shows: its words carry the same
            # number, and it clears once the pen is charging or above the threshold.
            charging = latest.has(Status.CHARGING)
            low = latest.battery_pct <= self._battery_low_pct and not charging
            a.set(Condition.BATTERY_LOW, low, f"battery at {latest.battery_pct} %")
            if recording is not None:
                running = latest.has(Status.MOTOR_RUNNING) and not recording
                a.set(
                    Condition.MOTOR_NO_SESSION,
                    running,
                    "the pen is running but no session is being recorded: start a session "
                    "(Ctrl+R) or stop the pen (F5)",
                )
        elif recording is not None:
            a.set(Condition.MOTOR_NO_SESSION, False)

        fresh = len(drained.gaps) + max(0, discards_total - self._last_discards)
        self._last_discards = discards_total
        if fresh:
            self._problems.append((now, fresh))
        while self._problems and now - self._problems[0][0] > QUALITY_WINDOW_S:
            self._problems.popleft()
        recent = sum(n for _, n in self._problems)
        a.set(
            Condition.LINK_QUALITY,
            recent > QUALITY_THRESHOLD,
            f"{recent} frames damaged or lost in the last {QUALITY_WINDOW_S:.0f} s: "
            "check the cable",
        )


def _fault_words(code: int | None) -> str:
    if code is None:
        return "the pen reports a fault; the motor is stopped"
    try:
        name = Fault(code).name.replace("_", " ").lower()
    except ValueError:
        name = f"fault {code}"
    return f"{name}: the motor is stopped. Clear the cause, then Clear fault."
