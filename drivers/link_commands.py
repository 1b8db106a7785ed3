"""The link's command API (`CommandApi`) and the table of commands awaiting an answer.

The pen answers each command with exactly one ACK (or INFO) carrying the command's seq.
A command without an answer after 250 ms is resent under a new seq, up to three tries in
all. `CommandTable` keeps the bookkeeping; `CommandApi`, mixed into the Link, turns calls
into frames and answers into futures. Never imports Qt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from drivers.codec import encode_command
from drivers.heartbeat import HostWriter
from drivers.link_types import CommandResult, CommandTimeout, LinkClosed, LinkState
from drivers.messages import Command, Info
from drivers.subscribers import Subscribers

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


class CommandApi:
    """The Link's commands; each returns a future that resolves on the reader thread."""

    _state: LinkState
    _commands: CommandTable
    _writer: HostWriter
    _subscribers: Subscribers

    def set_depth(self, depth_um: int) -> Future[CommandResult]:
        return self._command("set_depth", Command.set_depth, depth_um)

    def set_rate(self, rate_dhz: int) -> Future[CommandResult]:
        return self._command("set_rate", Command.set_rate, rate_dhz)

    def motor(self, start: bool) -> Future[CommandResult]:
        return self._command("motor", lambda on: Command.motor(bool(on)), int(start))

    def set_depth_limit(self, limit_um: int) -> Future[CommandResult]:
        """0 removes the limit."""
        return self._command("set_depth_limit", Command.set_depth_limit, limit_um)

    def set_telemetry_rate(self, hz: int) -> Future[CommandResult]:
        return self._command("set_telemetry_rate", Command.set_telemetry_rate, hz)

    def get_info(self) -> Future[Info]:
        return self._command("get_info", lambda _: Command.get_info(), None, wants_info=True)

    def clear_fault(self) -> Future[CommandResult]:
        return self._command("clear_fault", lambda _: Command.clear_fault(), None)

    def _command(
        self,
        name: str,
        build: Callable[[Any], Command],
        requested: int | None,
        wants_info: bool = False,
    ) -> Future[Any]:
        """Send a command; the future resolves on the reader thread (or fails at once)."""
        future: Future[Any] = Future()
        error: Exception | None = None
        if requested is not None and not 0 <= requested <= 0xFFFF:
            error = ValueError(f"{name.replace('_', ' ')}: {requested} is out of 0..65535")
        elif self._state is not LinkState.STREAMING:
            error = LinkClosed(f"cannot {name.replace('_', ' ')}: the pen link is {self._state}")
        if error is not None:
            future.set_exception(error)
            self._subscribers.publish("on_command", name, requested, error)
            return future
        self._send(PendingCommand(name, build(requested), requested, future, wants_info))
        return future

    def _send(self, pending: PendingCommand) -> None:
        seq = self._writer.next_seq()
        self._commands.register(pending, seq, time.monotonic())
        self._writer.write(encode_command(pending.command, seq))

    def _service_commands(self) -> None:
        """Resend overdue commands with a new seq; fail those out of tries (reader thread)."""
        resend, expired = self._commands.overdue(time.monotonic())
        for p in resend:
            if self._state is LinkState.STREAMING:
                self._send(p)
        for p in expired:
            action = p.name.replace("_", " ")
            self._resolve(
                p, CommandTimeout(f"the pen did not answer {action} after {p.tries} tries")
            )

    def _resolve(self, p: PendingCommand, outcome: CommandResult | Info | Exception) -> None:
        if not p.future.done():
            if isinstance(outcome, Exception):
                p.future.set_exception(outcome)
            else:
                p.future.set_result(outcome)
        self._subscribers.publish("on_command", p.name, p.requested, outcome)

    def _fail_all(self, error: Exception) -> None:
        for p in self._commands.take_all():
            self._resolve(p, error)
