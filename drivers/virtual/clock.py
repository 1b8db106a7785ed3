"""The thread that runs a virtual pen's clock and moves its bytes: the base of every endpoint.

Every few milliseconds it hands the pen what the host wrote, advances the pen to the
wall clock, and delivers what the pen sent; subclasses say where the bytes go (a buffer,
a pty, a socket). The thread holds the pen and plain byte buffers, never a Qt object.
Never imports Qt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from drivers.virtual.pen import VirtualPen

TICK_S = 0.004


class PenClock:
    """Runs pen.advance() on a thread; subclasses move the bytes in and out."""

    def __init__(self, pen: VirtualPen, name: str) -> None:
        self.pen = pen
        self._stop = threading.Event()
        self._t0 = time.monotonic() - pen.now_s  # a pen reached again runs on from its clock
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def _run(self) -> None:
        while not self._stop.is_set():
            self._pump_in()
            out = self.pen.advance(self.now_s())
            if out:
                self._pump_out(out)
            self._stop.wait(TICK_S)

    def _pump_in(self) -> None:
        raise NotImplementedError

    def _pump_out(self, data: bytes) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.01) -> bool:
    """Poll `condition` until it holds or the timeout passes (for scripts and tests)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll_s)
    return True
