"""The pen link: connection manager, heartbeat and command API, on its own threads.

Two threads per link:

- the reader opens the port, handshakes, reads whatever is waiting, decodes, publishes to
  subscribers, resends unanswered commands, and reconnects with backoff after an unplug;
- the heartbeat sends a host frame at least every 250 ms (the pen stops needling after
  1.5 s of silence). It only ever takes the write lock, which is held for one write()
  call, so neither a busy thread nor a slow subscriber can stall it.

Subscribers are plain objects with any of the methods of `LinkListener` (on_telemetry,
on_event, on_info, on_state, on_gap, on_command); they are called on the reader thread.
Never imports Qt.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from drivers import codec
from drivers.link_commands import CommandTable, PendingCommand
from drivers.link_types import (
    CommandResult,
    CommandTimeout,
    LinkClosed,
    LinkListener,
    LinkState,
    LinkStats,
    StateChange,
)
from drivers.messages import (
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    Ack,
    Command,
    Event,
    Info,
    MsgType,
    PenMessage,
    SeqGap,
    TelemetryBatch,
)
from drivers.transport import Port, is_virtual, open_serial, open_virtual, virtual_pen_from_url
from drivers.virtual.pen import VirtualPen

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.15  # spec: every 500 ms; issue: 250 ms; the rest is headroom for GIL waits
HEARTBEAT_EARLY_S = 0.002  # a wake-up this close to the deadline sends rather than sleeps
HEARTBEAT_IDLE_S = 0.02  # how often a link that is not streaming checks whether it is
READ_COALESCE_S = 0.008  # gather a few bursts per decode: halves the reader's CPU at 2 kHz
COALESCE_BELOW_BYTES = 16384  # a backlog this big is read again at once
HELLO_RETRY_S = 1.0
SILENCE_LOST_S = 1.0  # no byte at all while streaming (≥ 50 Hz telemetry): the pen is gone
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 2.0
DEVICE_POLL_S = 0.05  # how often a vanished device path is looked for during backoff
JOIN_TIMEOUT_S = 3.0

Opener = Callable[[], Port]


class Link:
    """Owns one pen connection, given by a URL/device path or by an opener callable.

    `Link("/dev/ttyACM0")`, `Link("socket://127.0.0.1:5555")`, `Link("virtual://treatment")`
    or `Link(opener)` where `opener()` returns an open serial-like Port. Call start(), then
    subscribe listeners (or subscribe first), and close() when done.
    """

    def __init__(
        self,
        url: str | Opener,
        *,
        name: str | None = None,
        protocol: tuple[int, int] = (PROTOCOL_MAJOR, PROTOCOL_MINOR),
    ) -> None:
        self.virtual_pen: VirtualPen | None = None  # the pen behind a virtual:// URL
        self._opener: Opener
        if isinstance(url, str):
            self.url = url
            if is_virtual(url):
                pen = virtual_pen_from_url(url)
                self.virtual_pen = pen
                self._opener = lambda: open_virtual(pen)
            else:
                self._opener = lambda: open_serial(url)
        else:
            self.url = name or str(getattr(url, "__name__", "pen"))
            self._opener = url
        self.name = name or self.url
        self._protocol = protocol
        self._state = LinkState.DISCONNECTED
        self._state_cond = threading.Condition()
        self._info: Info | None = None
        self._decoder = codec.StreamDecoder()
        self._listeners: list[object] = []  # replaced, never mutated: readers need no lock
        self._listeners_lock = threading.Lock()
        self._port: Port | None = None
        self._write_lock = threading.Lock()  # held only for one write() call
        self._seq = itertools.count()  # next() is atomic under the GIL: no lock needed
        self._last_tx_s = 0.0
        self._commands = CommandTable()
        self._stop = threading.Event()
        self._closed = False
        self._counters = LinkStats()
        self._lost_since_s: float | None = None
        self._threads: list[threading.Thread] = []

    @classmethod
    def to_pen(cls, pen: VirtualPen, name: str = "virtual pen") -> Link:
        """A link to an existing VirtualPen, in-process (tests set the pen up first)."""
        link = cls(lambda: open_virtual(pen), name=name)
        link.virtual_pen = pen
        return link

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._threads or self._closed:
            return
        self._threads = [
            threading.Thread(target=self._reader, name=f"pen-link-reader {self.name}"),
            threading.Thread(target=self._heartbeat, name=f"pen-link-heartbeat {self.name}"),
        ]
        for t in self._threads:
            t.daemon = True
            t.start()

    def close(self) -> None:
        """Stop both threads, close the port, fail what is still pending; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=JOIN_TIMEOUT_S)
        self._close_port()
        self._fail_all(LinkClosed("the link was closed"))
        if self._state is not LinkState.INCOMPATIBLE:
            self._set_state(LinkState.DISCONNECTED, f"disconnected from {self.name}", force=True)

    def __enter__(self) -> Link:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ observation

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def info(self) -> Info | None:
        """The last INFO the pen sent (ranges, serial, cartridge); None before the first."""
        return self._info

    @property
    def stats(self) -> LinkStats:
        d = self._decoder.stats
        raw: Any = d.as_dict()["discarded"]
        return replace(
            self._counters,
            frames=d.frames,
            discarded={str(k): int(v) for k, v in raw.items()},
            seq_gaps=d.seq_gaps,
            frames_lost=d.frames_lost,
        )

    def subscribe(self, listener: LinkListener | object) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._listeners_lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._listeners_lock:
                self._listeners = [x for x in self._listeners if x is not listener]

        return unsubscribe

    def wait_for_state(self, state: LinkState, timeout: float) -> bool:
        with self._state_cond:
            return self._state_cond.wait_for(lambda: self._state is state, timeout)

    # ------------------------------------------------------------------ commands

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
            self._publish("on_command", name, requested, error)
            return future
        self._send(PendingCommand(name, build(requested), requested, future, wants_info))
        return future

    def _send(self, pending: PendingCommand) -> None:
        seq = self._next_seq()
        self._commands.register(pending, seq, time.monotonic())
        self._write(codec.encode_command(pending.command, seq))

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
        self._publish("on_command", p.name, p.requested, outcome)

    def _fail_all(self, error: Exception) -> None:
        for p in self._commands.take_all():
            self._resolve(p, error)

    # ------------------------------------------------------------------ writing

    def _next_seq(self) -> int:
        return next(self._seq) & 0xFFFF

    def _write(self, frame: bytes) -> None:
        port = self._port
        if port is None:
            return
        with self._write_lock:
            now = time.monotonic()
            try:
                port.write(frame)
            except (OSError, ValueError) as exc:
                log.debug("write failed on %s: %s", self.name, exc)
                return  # the reader notices the dead port and reconnects
            if self._state is LinkState.STREAMING and self._last_tx_s:
                gap_ms = (now - self._last_tx_s) * 1000
                self._counters.last_heartbeat_gap_ms = gap_ms
                if gap_ms > self._counters.max_heartbeat_gap_ms:
                    self._counters.max_heartbeat_gap_ms = gap_ms
            self._last_tx_s = now

    def _heartbeat(self) -> None:
        """Sleep until the next frame is due (any frame counts), then PING if nothing went."""
        ping = Command.ping()
        wait_s = HEARTBEAT_IDLE_S
        while not self._stop.wait(wait_s):
            if self._state is not LinkState.STREAMING or self._port is None:
                wait_s = HEARTBEAT_IDLE_S
                continue
            due_in_s = HEARTBEAT_S - (time.monotonic() - self._last_tx_s)
            if due_in_s <= HEARTBEAT_EARLY_S:
                self._write(codec.encode_command(ping, self._next_seq()))
                due_in_s = HEARTBEAT_S
            wait_s = max(due_in_s, HEARTBEAT_EARLY_S)  # a failed write must not spin

    # ------------------------------------------------------------------ reading

    def _reader(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            if self._open():
                if self._session():
                    backoff = BACKOFF_MIN_S
                if self._state is LinkState.INCOMPATIBLE:
                    return
            if not self._wait_before_retry(backoff):
                return
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _wait_before_retry(self, backoff_s: float) -> bool:
        """Wait out the backoff, but retry at once when a vanished device path reappears."""
        path = None if "://" in self.url or not self.url else self.url
        was_there = path is not None and os.path.exists(path)
        deadline = time.monotonic() + backoff_s
        while (left := deadline - time.monotonic()) > 0:
            if self._stop.wait(min(DEVICE_POLL_S, left)):
                return False
            if path is not None and not was_there and os.path.exists(path):
                return True
        return not self._stop.is_set()

    def _open(self) -> bool:
        self._set_state(LinkState.OPENING, f"opening {self.name}")
        try:
            self._port = self._opener()
        except Exception as exc:  # pyserial raises SerialException/OSError/ValueError
            reason = str(exc) or type(exc).__name__
            self._enter_lost(
                f"cannot open {self.name}: {reason}. Check that the pen is plugged in and "
                "switched on and that no other program has the port open; retrying.",
                None,
            )
            return False
        return True

    def _session(self) -> bool:
        """Handshake and stream until the port fails; True if it reached STREAMING."""
        port = self._port
        assert port is not None
        self._set_state(LinkState.HANDSHAKING, f"connected to {self.name}, waiting for the pen")
        self._decoder.reset_sequence()  # the outage is a link gap, not lost frames
        streamed = False
        hellos = 0
        hello_at = 0.0
        last_rx = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if self._state is LinkState.HANDSHAKING and (
                not hellos or now - hello_at >= HELLO_RETRY_S
            ):
                if hellos == 1:
                    self._set_state(
                        LinkState.HANDSHAKING,
                        f"no answer from the pen on {self.name}: is it switched on and is "
                        "this the pen's port? Still asking.",
                    )
                hellos += 1
                hello_at = now
                self._write(codec.encode_command(Command.hello(*self._protocol), self._next_seq()))
            try:
                data = port.read(max(1, port.in_waiting))
                if len(data) == 1 and port.in_waiting:  # woke on the first byte of a burst
                    data += port.read(port.in_waiting)
            except Exception as exc:  # the port vanished (unplug): SerialException/OSError
                reason = str(exc) or type(exc).__name__
                self._drop(
                    f"lost the pen on {self.name} ({reason}). Reconnecting by itself when "
                    "it is plugged back in.",
                    last_rx,
                )
                return streamed
            if data:
                last_rx = time.monotonic()
                self._dispatch(self._decoder.feed(data, time.monotonic_ns()))
                if self._state is LinkState.INCOMPATIBLE:
                    self._close_port()
                    self._fail_all(LinkClosed("the pen speaks another protocol version"))
                    return streamed
                if len(data) < COALESCE_BELOW_BYTES and self._state is LinkState.STREAMING:
                    self._stop.wait(READ_COALESCE_S)
            elif self._state is LinkState.STREAMING and now - last_rx > SILENCE_LOST_S:
                self._drop(
                    f"the pen on {self.name} went silent for {SILENCE_LOST_S:.0f} s; reconnecting.",
                    last_rx,
                )
                return streamed
            streamed = streamed or self._state is LinkState.STREAMING
            self._service_commands()
        return streamed

    def _drop(self, message: str, last_rx_s: float) -> None:
        self._close_port()
        self._fail_all(LinkClosed(message))
        self._enter_lost(message, last_rx_s)

    def _enter_lost(self, message: str, last_rx_s: float | None) -> None:
        if self._stop.is_set():
            return  # closing: the last word is close()'s
        if self._lost_since_s is None and self._state is LinkState.STREAMING:
            self._lost_since_s = last_rx_s
        state = LinkState.LOST if self._lost_since_s is not None else LinkState.DISCONNECTED
        self._set_state(state, message)

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # closing a vanished device can fail; it is gone anyway
                log.debug("close failed on %s: %s", self.name, exc)

    def _dispatch(self, messages: list[PenMessage]) -> None:
        for m in messages:
            if isinstance(m, TelemetryBatch):
                self._publish("on_telemetry", m)
            elif isinstance(m, Event):
                self._counters.events += 1
                self._publish("on_event", m)
            elif isinstance(m, Ack):
                pending = self._commands.answered(m.ack_seq)
                if pending is not None:
                    self._resolve(pending, CommandResult(m.result, m.value))
            elif isinstance(m, Info):
                self._on_info(m)
            elif isinstance(m, SeqGap):
                self._publish("on_gap", m)

    def _on_info(self, info: Info) -> None:
        self._info = info
        if info.protocol_major != self._protocol[0]:
            self._set_state(
                LinkState.INCOMPATIBLE,
                f"the pen on {self.name} speaks protocol {info.protocol_major}."
                f"{info.protocol_minor}; this console speaks {self._protocol[0]}."
                f"{self._protocol[1]}. It will not be operated: update the console or the "
                "pen's firmware so that both speak the same major version.",
            )
            return
        for p in self._commands.info_waiters():
            self._resolve(p, info)
        self._publish("on_info", info)
        if self._state is not LinkState.STREAMING:
            gap_s = None
            if self._lost_since_s is not None:
                gap_s = time.monotonic() - self._lost_since_s
                self._lost_since_s = None
                self._counters.reconnects += 1
            self._last_tx_s = 0.0
            self._set_state(
                LinkState.STREAMING,
                f"{info.model} {info.serial} streaming on {self.name}",
                gap_s=gap_s,
            )

    # ------------------------------------------------------------------ publishing

    def _set_state(
        self, state: LinkState, message: str, gap_s: float | None = None, force: bool = False
    ) -> None:
        with self._state_cond:
            previous = self._state
            if previous is LinkState.INCOMPATIBLE and state is not LinkState.INCOMPATIBLE:
                return  # terminal: the link never operates an incompatible pen
            if self._stop.is_set() and not force:
                return
            self._state = state
            self._state_cond.notify_all()
        self._publish("on_state", StateChange(state, previous, message, time.monotonic_ns(), gap_s))

    def _publish(self, method: str, *args: object) -> None:
        for listener in self._listeners:
            callback = getattr(listener, method, None)
            if callback is None:
                continue
            try:
                callback(*args)
            except Exception:  # one bad subscriber must not take the link down
                self._counters.listener_errors += 1
                log.exception("pen link subscriber %r failed in %s", listener, method)


__all__ = [
    "CommandResult",
    "CommandTimeout",
    "Link",
    "LinkClosed",
    "LinkListener",
    "LinkState",
    "LinkStats",
    "MsgType",
    "Opener",
    "StateChange",
]
