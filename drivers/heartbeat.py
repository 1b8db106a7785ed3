"""The host's side of the wire: one lock around each write, the seq counter, the heartbeat.

The pen stops needling after 1.5 s without a host frame (spec: the host sends one at least
every 500 ms). The heartbeat thread sends a PING whenever nothing else went out for
HEARTBEAT_S. It only ever takes the write lock, held for one write() call, so neither a
busy reader nor a slow subscriber can stall it. Never imports Qt.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable

from drivers import codec
from drivers.link_types import LinkStats
from drivers.messages import Command
from drivers.transport import Port

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.15  # spec: every 500 ms; issue: 250 ms; the rest is headroom for GIL waits
HEARTBEAT_EARLY_S = 0.002  # a wake-up this close to the deadline sends rather than sleeps
HEARTBEAT_IDLE_S = 0.02  # how often a link that is not streaming checks whether it is


class HostWriter:
    """Writes host frames to the current port and keeps the heartbeat (its own thread)."""

    def __init__(self, name: str, stats: LinkStats, streaming: Callable[[], bool]) -> None:
        self.name = name
        self._streaming = streaming  # only frames sent while streaming measure the gap
        self.port: Port | None = None  # set by the reader on open, None when closed
        self._stats = stats
        self._lock = threading.Lock()  # held only for one write() call
        self._seq = itertools.count()  # next() is atomic under the GIL: no lock needed
        self._last_tx_s = 0.0

    def next_seq(self) -> int:
        return next(self._seq) & 0xFFFF

    def send(self, command: Command) -> int:
        """Encode and write `command` under a new seq; returns the seq."""
        seq = self.next_seq()
        self.write(codec.encode_command(command, seq))
        return seq

    def restart_gap_clock(self) -> None:
        """A new stream begins: the first frame after it measures no gap."""
        self._last_tx_s = 0.0

    def write(self, frame: bytes) -> None:
        port = self.port
        if port is None:
            return
        with self._lock:
            now = time.monotonic()
            try:
                port.write(frame)
            except (OSError, ValueError) as exc:
                log.debug("write failed on %s: %s", self.name, exc)
                return  # the reader notices the dead port and reconnects
            if self._last_tx_s and self._streaming():
                gap_ms = (now - self._last_tx_s) * 1000
                self._stats.last_heartbeat_gap_ms = gap_ms
                if gap_ms > self._stats.max_heartbeat_gap_ms:
                    self._stats.max_heartbeat_gap_ms = gap_ms
            self._last_tx_s = now

    def run_heartbeat(self, stop: threading.Event) -> None:
        """Sleep until the next frame is due (any frame counts), then PING if nothing went."""
        ping = Command.ping()
        wait_s = HEARTBEAT_IDLE_S
        while not stop.wait(wait_s):
            if not self._streaming() or self.port is None:
                wait_s = HEARTBEAT_IDLE_S
                continue
            due_in_s = HEARTBEAT_S - (time.monotonic() - self._last_tx_s)
            if due_in_s <= HEARTBEAT_EARLY_S:
                self.send(ping)
                due_in_s = HEARTBEAT_S
            wait_s = max(due_in_s, HEARTBEAT_EARLY_S)  # a failed write must not spin
