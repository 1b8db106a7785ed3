"""H-02: a frozen screen must not leave the pen needling unwatched.

The heartbeat keeps the pen alive on its own thread whatever the GUI does (it must: a
stalled heartbeat trips the pen's interlock). So a hung GUI event loop would leave the
pen needling behind a frozen screen: alarms unseen and unheard, controls dead. This
watchdog notices that. The GUI's display timer feeds it on every tick; the check runs on
the link's reader thread, in the telemetry callback, so it needs no thread of its own and
never touches the heartbeat. When telemetry says the motor runs and the GUI has not
ticked for more than FROZEN_S, it sends STOP through the link's command API (one write
under the write lock, never waiting for the answer), resends every RESEND_S while the
freeze lasts, records why in the session (`watchdog_stop`), and leaves a Trip that the
screen turns into a high alarm once it runs again.

Chosen over a separate watchdog thread because the motor can only be judged running
from telemetry, which arrives on the reader thread anyway; with no telemetry there is
nothing to judge, and the link's own silence detection and the pen's 1.5 s interlock take
over. It is armed only once a GUI feeds it, so `pen-console record` (no GUI) is never
stopped by it. Qt-free; holds no Qt object.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.link import Link
from drivers.messages import Status, TelemetryBatch

FROZEN_S = 2.0
RESEND_S = 1.0

RecordHook = Callable[[dict[str, Any], int | None], None]  # (data, t_us)


@dataclass(frozen=True, slots=True)
class Trip:
    frozen_s: float  # how long the screen had not run when the motor was stopped

    def words(self) -> str:
        return (
            f"the screen froze for {self.frozen_s:.1f} s while the pen was needling, so the "
            "console stopped the motor. Check that the screen responds, then start again."
        )


class GuiWatchdog:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._fed_s: float | None = None  # None: no GUI feeds it, so it is not armed
        self._stop_sent_s: float | None = None
        self._link: Link | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.trips: queue.SimpleQueue[Trip] = queue.SimpleQueue()
        self.record: RecordHook = lambda data, t_us: None

    # ------------------------------------------------------------ the GUI's side

    def feed(self) -> None:
        """The GUI ran (its display tick). Arms the watchdog on the first call."""
        self._fed_s = self._clock()

    def disarm(self) -> None:
        self._fed_s = None

    def take_trips(self) -> list[Trip]:
        out = []
        while not self.trips.empty():
            out.append(self.trips.get_nowait())
        return out

    # ------------------------------------------------------------ the link's side

    def watch(self, link: Link | None) -> None:
        """Listen to `link` (None: to none)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._link = link
        if link is not None:
            self._unsubscribe = link.subscribe(self)

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        """Reader thread: a time comparison, and at most one STOP write a second."""
        fed_s, link = self._fed_s, self._link
        if fed_s is None or link is None or not len(batch):
            return
        now = self._clock()
        frozen_s = now - fed_s
        if frozen_s <= FROZEN_S:
            self._stop_sent_s = None
            return
        if not int(batch.status[-1]) & Status.MOTOR_RUNNING:
            return
        first = self._stop_sent_s is None
        if not first and now - self._stop_sent_s < RESEND_S:  # type: ignore[operator]
            return
        self._stop_sent_s = now
        link.motor(False)  # never waited on: the answer comes back on this thread later
        if first:
            trip = Trip(round(frozen_s, 1))
            self.record({"frozen_s": trip.frozen_s, "reason": trip.words()}, int(batch.t_us[-1]))
            self.trips.put(trip)
