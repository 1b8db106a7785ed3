"""The link's subscribers, and calling them safely from the reader thread.

The list is replaced, never mutated, so the reader walks it without a lock. One bad
subscriber must not take the link down: its exception is logged and counted, and the
others are still called. Never imports Qt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.link_types import LinkStats

log = logging.getLogger(__name__)


class Subscribers:
    def __init__(self, stats: LinkStats) -> None:
        self._stats = stats
        self._listeners: list[object] = []
        self._lock = threading.Lock()

    def add(self, listener: object) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def remove() -> None:
            with self._lock:
                self._listeners = [x for x in self._listeners if x is not listener]

        return remove

    def publish(self, method: str, *args: object) -> None:
        """Call `method` on every listener that has it (see LinkListener)."""
        for listener in self._listeners:
            callback = getattr(listener, method, None)
            if callback is None:
                continue
            try:
                callback(*args)
            except Exception:  # one bad subscriber must not take the link down
                self._stats.listener_errors += 1
                log.exception("pen link subscriber %r failed in %s", listener, method)
