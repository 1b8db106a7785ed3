"""A virtual pen in the same process: a serial-port look-alike with no OS resources.

`InProcessPort(pen)` is what a virtual:// URL opens (through protocol_virtual) and what a
test hands the link for a pen it set up itself: `Link("pen", opener=opener_for(pen))`.
The same pen object stays behind every port opened for it, as a real pen stays the same
pen when its cable is re-plugged. Never imports Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from drivers.virtual.clock import PenClock
from drivers.virtual.pen import VirtualPen

READ_TIMEOUT_S = 0.02


class InProcessPort(PenClock):
    """read/write/in_waiting/close wired straight to a VirtualPen, its clock on a thread."""

    def __init__(self, pen: VirtualPen, timeout: float | None = READ_TIMEOUT_S) -> None:
        super().__init__(pen, "virtual-pen")
        self.timeout = timeout
        self._rx = bytearray()
        self._tx = bytearray()
        self._cond = threading.Condition()
        self.is_open = True
        self.start()

    def _pump_in(self) -> None:
        with self._cond:
            data = bytes(self._tx)
            self._tx.clear()
        if data:
            self.pen.receive(data)

    def _pump_out(self, data: bytes) -> None:
        with self._cond:
            self._rx += data
            self._cond.notify_all()

    @property
    def in_waiting(self) -> int:
        with self._cond:
            return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        with self._cond:
            if not self.is_open:
                raise OSError("virtual pen port is closed")
            if not self._rx:
                self._cond.wait(self.timeout)
            data = bytes(self._rx[:size])
            del self._rx[:size]
            return data

    def write(self, data: bytes, /) -> int:
        with self._cond:
            if not self.is_open:
                raise OSError("virtual pen port is closed")
            self._tx += data
        return len(data)

    def discard_input(self) -> None:
        with self._cond:
            self._rx.clear()

    def close(self) -> None:
        with self._cond:
            self.is_open = False
            self._cond.notify_all()
        self.stop()


def opener_for(pen: VirtualPen) -> Callable[[str], InProcessPort]:
    """A link opener that reaches `pen` in-process, the same pen on every (re)open."""
    return lambda _url: InProcessPort(pen)
