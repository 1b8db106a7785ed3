"""Host commands awaiting the pen's answer: the table behind the link's command futures.

The pen answers each command with exactly one ACK (or INFO) carrying the command's seq.
A command without an answer after 250 ms is resent under a new seq, up to three tries in
all; the table only keeps the bookkeeping, the link does the I/O. Never imports Qt.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from drivers.messages import Command

RETRY_AFTER_S = 0.25
TRIES = 3


@dataclass
class PendingCommand:
    name: str
    command: Command
    requested: int | None
    future: Future[Any]
    wants_info: bool = False  # answered by INFO instead of ACK (GET_INFO)
    seq: int = -1
    tries: int = 0
    sent_at_s: float = 0.0


class CommandTable:
    """Thread-safe; every method holds the lock only for a few dictionary operations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_seq: dict[int, PendingCommand] = {}

    def register(self, pending: PendingCommand, seq: int, now_s: float) -> None:
        """Record that `pending` is (re)sent now under `seq`."""
        with self._lock:
            self._by_seq.pop(pending.seq, None)
            pending.seq = seq
            pending.tries += 1
            pending.sent_at_s = now_s
            self._by_seq[seq] = pending

    def answered(self, ack_seq: int) -> PendingCommand | None:
        """The command an ACK answers; None for a PING or a late answer to a resent try."""
        with self._lock:
            pending = self._by_seq.get(ack_seq)
            if pending is None or pending.wants_info:
                return None
            return self._by_seq.pop(ack_seq)

    def info_waiters(self) -> list[PendingCommand]:
        """Every GET_INFO waiting: any INFO answers them all (INFO carries no ack_seq)."""
        with self._lock:
            waiting = [p for p in self._by_seq.values() if p.wants_info]
            for p in waiting:
                del self._by_seq[p.seq]
            return waiting

    def overdue(self, now_s: float) -> tuple[list[PendingCommand], list[PendingCommand]]:
        """(to resend, out of tries); the latter are removed from the table."""
        with self._lock:
            late = [p for p in self._by_seq.values() if now_s - p.sent_at_s >= RETRY_AFTER_S]
            expired = [p for p in late if p.tries >= TRIES]
            for p in expired:
                del self._by_seq[p.seq]
        return [p for p in late if p.tries < TRIES], expired

    def take_all(self) -> list[PendingCommand]:
        with self._lock:
            pending, self._by_seq = list(self._by_seq.values()), {}
        return pending

    def __len__(self) -> int:
        return len(self._by_seq)
