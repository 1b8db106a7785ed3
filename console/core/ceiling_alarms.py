"""The ceiling controller's alarms, carried from the link's thread to the screen's.

CeilingController (console/core/ceilings.py) reports on the link's reader thread: the
measured depth above the ceiling, and the pen not confirming a SET_DEPTH_LIMIT (H-06).
The alarm model lives on the screen thread, so the reports wait in a queue that
`apply` drains on the display tick. An unconfirmed ceiling is the high alarm when the
pen may be enforcing a deeper limit (or none known), the medium one when it confirmed a
stricter value. Qt-free.
"""

from __future__ import annotations

import queue

from console.core.alarms import AlarmModel, Condition


class CeilingAlarmFeed:
    def __init__(self) -> None:
        self._reports: queue.SimpleQueue[tuple[Condition, bool, str]] = queue.SimpleQueue()

    def depth(self, active: bool, detail: str) -> None:
        """The depth-above-ceiling hook (any thread)."""
        self._reports.put((Condition.DEPTH_ABOVE_CEILING, active, detail))

    def unconfirmed(self, active: bool, high: bool, detail: str) -> None:
        """The ceiling-not-confirmed hook (any thread)."""
        raised = Condition.CEILING_UNCONFIRMED if high else Condition.CEILING_NOT_AS_SENT
        for condition in (Condition.CEILING_UNCONFIRMED, Condition.CEILING_NOT_AS_SENT):
            if condition is not raised or not active:
                self._reports.put((condition, False, ""))
        if active:
            self._reports.put((raised, True, detail))

    def apply(self, alarms: AlarmModel) -> None:
        """Everything reported since the last call, onto the alarm model (screen thread)."""
        while True:
            try:
                condition, active, detail = self._reports.get_nowait()
            except queue.Empty:
                return
            alarms.set_condition(condition, active, detail)
