"""The pen link: connection manager, heartbeat and command API, on its own threads.

Two threads per link:

- the reader opens the port, handshakes, reads whatever is waiting, decodes and
  publishes to subscribers, and reconnects with backoff after an unplug;
- the heartbeat sends a host frame at least every 250 ms (the pen stops needling after
  1.5 s of silence) and resends unanswered commands. It holds no lock that other code
  keeps for long, so a busy GUI or a slow subscriber cannot stall it.

Subscribers are plain objects with any of on_telemetry, on_event, on_info, on_state,
on_command and on_gap (frames lost on the wire, in stream order); they are called on the
reader thread and must be quick.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any

from drivers import codec
from drivers.messages import (
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    Ack,
    AckResult,
    Command,
    Event,
    Info,
    MsgType,
    PenMessage,
    SeqGap,
    TelemetryBatch,
)
from drivers.transport import Port, is_virtual, open_serial, open_virtual, virtual_pen_from_url
from drivers.virtual_pen import VirtualPen

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.2  # spec: at least every 500 ms; issue: every 250 ms; margin for jitter
HEARTBEAT_TICK_S = 0.02
HELLO_RETRY_S = 1.0
COMMAND_RETRY_S = 0.25
COMMAND_TRIES = 3
SILENCE_LOST_S = 1.0  # no byte at all while streaming: the pen is gone
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 2.0


class LinkState(enum.StrEnum):
    DISCONNECTED = "disconnected"
    OPENING = "opening"
    HANDSHAKING = "handshaking"
    STREAMING = "streaming"
    LOST = "lost"
    INCOMPATIBLE = "incompatible"


@dataclass(frozen=True, slots=True)
class StateChange:
    state: LinkState
    previous: LinkState
    message: str  # human words: what happened and what to do
    at_ns: int  # time.monotonic_ns()
    gap_s: float | None = None  # on STREAMING after LOST: how long the pen was unheard


@dataclass(frozen=True, slots=True)
class CommandResult:
    result: AckResult | int
    value: int  # the value the pen applied, from the ACK

    @property
    def ok(self) -> bool:
        return self.result == AckResult.OK


class CommandTimeout(TimeoutError):
    """No answer after all tries."""


class LinkClosed(RuntimeError):
    """A command was issued while not STREAMING, or the link went away before an answer."""


@dataclass
class LinkStats:
    frames: int = 0
    events: int = 0
    discarded: dict[str, int] = field(default_factory=dict)  # by reason, plus "total"
    seq_gaps: int = 0
    frames_lost: int = 0
    reconnects: int = 0
    last_heartbeat_gap_ms: float = 0.0
    max_heartbeat_gap_ms: float = 0.0
    listener_errors: int = 0


@dataclass
class _Pending:
    name: str
    command: Command
    requested: int | None
    future: Future[Any]
    seq: int
    tries: int
    sent_at: float
    wants_info: bool = False


Opener = Callable[[], Port]


class Link:
    """Owns one pen connection given by a URL/device path or an opener callable."""

    def __init__(
        self,
        url: str | Opener,
        *,
        name: str | None = None,
        protocol: tuple[int, int] = (PROTOCOL_MAJOR, PROTOCOL_MINOR),
    ) -> None:
        self.virtual_pen: VirtualPen | None = None
        if isinstance(url, str):
            self.url = url
            if is_virtual(url):
                pen = virtual_pen_from_url(url)
                self.virtual_pen = pen
                self._opener: Opener = lambda: open_virtual(pen)
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
        self._listeners: list[object] = []
        self._listeners_lock = threading.Lock()
        self._port: Port | None = None
        self._write_lock = threading.Lock()  # held only for one write() call
        self._tx_seq = 0
        self._last_tx = 0.0
        self._pending: dict[int, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._counters = LinkStats()
        self._lost_since: float | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._threads:
            return
        self._threads = [
            threading.Thread(target=self._reader, name=f"pen-link-reader {self.name}"),
            threading.Thread(target=self._heartbeat, name=f"pen-link-heartbeat {self.name}"),
        ]
        for t in self._threads:
            t.daemon = True
            t.start()

    def close(self) -> None:
        """Stop the threads and close the port; idempotent."""
        self._stop.set()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=3)
        self._close_port()
        self._fail_pending(LinkClosed("the link was closed"))
        if self._state is not LinkState.INCOMPATIBLE:
            self._set_state(LinkState.DISCONNECTED, f"disconnected from {self.name}")

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
        return self._info

    @property
    def stats(self) -> LinkStats:
        d = self._decoder.stats
        discarded = {str(k): v for k, v in d.as_dict()["discarded"].items()}  # type: ignore[attr-defined]
        return replace(
            self._counters,
            frames=d.frames,
            discarded=discarded,
            seq_gaps=d.seq_gaps,
            frames_lost=d.frames_lost,
        )

    def subscribe(self, listener: object) -> Callable[[], None]:
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
        return self._command("set_depth", Command.set_depth(depth_um), depth_um)

    def set_rate(self, rate_dhz: int) -> Future[CommandResult]:
        return self._command("set_rate", Command.set_rate(rate_dhz), rate_dhz)

    def motor(self, start: bool) -> Future[CommandResult]:
        return self._command("motor", Command.motor(start), int(start))

    def set_depth_limit(self, limit_um: int) -> Future[CommandResult]:
        return self._command("set_depth_limit", Command.set_depth_limit(limit_um), limit_um)

    def set_telemetry_rate(self, hz: int) -> Future[CommandResult]:
        return self._command("set_telemetry_rate", Command.set_telemetry_rate(hz), hz)

    def get_info(self) -> Future[Info]:
        return self._command("get_info", Command.get_info(), None, wants_info=True)

    def clear_fault(self) -> Future[CommandResult]:
        return self._command("clear_fault", Command.clear_fault(), None)

    def _command(
        self, name: str, command: Command, requested: int | None, wants_info: bool = False
    ) -> Future[Any]:
        future: Future[Any] = Future()
        if self._state is not LinkState.STREAMING:
            error = LinkClosed(f"cannot {name.replace('_', ' ')}: the pen link is {self._state}")
            future.set_exception(error)
            self._publish("on_command", name, requested, error)
            return future
        pending = _Pending(name, command, requested, future, -1, 0, 0.0, wants_info)
        self._send_pending(pending)
        return future

    def _send_pending(self, pending: _Pending) -> None:
        with self._pending_lock:
            self._pending.pop(pending.seq, None)
            pending.seq = self._take_seq()
            pending.tries += 1
            pending.sent_at = time.monotonic()
            self._pending[pending.seq] = pending
        self._write(codec.encode_command(pending.command, pending.seq))

    def _take_seq(self) -> int:
        seq = self._tx_seq
        self._tx_seq = (self._tx_seq + 1) & 0xFFFF
        return seq

    def _retry_or_fail(self) -> None:
        now = time.monotonic()
        with self._pending_lock:
            overdue = [p for p in self._pending.values() if now - p.sent_at >= COMMAND_RETRY_S]
        for p in overdue:
            if p.tries >= COMMAND_TRIES:
                with self._pending_lock:
                    self._pending.pop(p.seq, None)
                error = CommandTimeout(
                    f"the pen did not answer {p.name.replace('_', ' ')} after {p.tries} tries"
                )
                p.future.set_exception(error)
                self._publish("on_command", p.name, p.requested, error)
            elif self._state is LinkState.STREAMING:
                self._send_pending(p)

    def _fail_pending(self, error: Exception) -> None:
        with self._pending_lock:
            pending, self._pending = list(self._pending.values()), {}
        for p in pending:
            if not p.future.done():
                p.future.set_exception(error)
                self._publish("on_command", p.name, p.requested, error)

    # ------------------------------------------------------------------ writing

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
            if self._state is LinkState.STREAMING and self._last_tx:
                gap_ms = (now - self._last_tx) * 1000
                self._counters.last_heartbeat_gap_ms = gap_ms
                self._counters.max_heartbeat_gap_ms = max(
                    self._counters.max_heartbeat_gap_ms, gap_ms
                )
            self._last_tx = now

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_TICK_S):
            if self._state is not LinkState.STREAMING or self._port is None:
                continue
            if time.monotonic() - self._last_tx >= HEARTBEAT_S - HEARTBEAT_TICK_S:
                self._write(codec.encode_command(Command.ping(), self._take_seq()))
            self._retry_or_fail()

    # ------------------------------------------------------------------ reading

    def _reader(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            if self._open():
                backoff = BACKOFF_MIN_S
                self._session()
                if self._state is LinkState.INCOMPATIBLE:
                    return
            if self._stop.wait(backoff):
                return
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _open(self) -> bool:
        self._set_state(LinkState.OPENING, f"opening {self.name}")
        try:
            self._port = self._opener()
        except Exception as exc:  # pyserial raises SerialException/OSError/ValueError
            reason = str(exc) or type(exc).__name__
            self._enter_lost(
                f"cannot open {self.name}: {reason}. Check the cable and that no other "
                "program has the port open; retrying."
            )
            return False
        return True

    def _session(self) -> None:
        port = self._port
        assert port is not None
        self._set_state(LinkState.HANDSHAKING, f"connected to {self.name}, waiting for the pen")
        self._decoder.reset_sequence()
        hello_at = 0.0
        last_rx = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if self._state is LinkState.HANDSHAKING and now - hello_at >= HELLO_RETRY_S:
                if hello_at:
                    self._set_state(
                        LinkState.HANDSHAKING,
                        f"no answer from the pen on {self.name}; is it switched on? Still asking.",
                    )
                hello_at = now
                self._write(codec.encode_command(Command.hello(*self._protocol), self._take_seq()))
            try:
                data = port.read(max(1, port.in_waiting))
            except Exception as exc:  # the port vanished (unplug): SerialException/OSError
                self._drop(f"lost the pen on {self.name}: {exc or type(exc).__name__}")
                return
            if data:
                last_rx = now
                self._dispatch(self._decoder.feed(data, time.monotonic_ns()))
                if self._state is LinkState.INCOMPATIBLE:
                    self._close_port()
                    return
            elif self._state is LinkState.STREAMING and now - last_rx > SILENCE_LOST_S:
                self._drop(f"the pen on {self.name} went silent; reconnecting")
                return

    def _drop(self, message: str) -> None:
        self._close_port()
        self._fail_pending(LinkClosed(message))
        self._enter_lost(message)

    def _enter_lost(self, message: str) -> None:
        if self._lost_since is None and self._state is LinkState.STREAMING:
            self._lost_since = time.monotonic()
        state = LinkState.LOST if self._lost_since is not None else LinkState.DISCONNECTED
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
                self._on_ack(m)
            elif isinstance(m, Info):
                self._on_info(m)
            elif isinstance(m, SeqGap):
                self._publish("on_gap", m)

    def _on_ack(self, ack: Ack) -> None:
        with self._pending_lock:
            pending = self._pending.pop(ack.ack_seq, None)
        if pending is None:
            return  # a PING's answer, or a late answer to a command already resent
        outcome = CommandResult(ack.result, ack.value)
        if not pending.future.done():
            pending.future.set_result(outcome)
        self._publish("on_command", pending.name, pending.requested, outcome)

    def _on_info(self, info: Info) -> None:
        if info.protocol_major != self._protocol[0]:
            self._info = info
            self._set_state(
                LinkState.INCOMPATIBLE,
                f"the pen on {self.name} speaks protocol {info.protocol_major}."
                f"{info.protocol_minor}; this console speaks {self._protocol[0]}."
                f"{self._protocol[1]}. It will not be operated: update the console or the "
                "pen firmware.",
            )
            self._fail_pending(LinkClosed("protocol mismatch"))
            return
        self._info = info
        with self._pending_lock:
            waiting = [p for p in self._pending.values() if p.wants_info]
            for p in waiting:
                self._pending.pop(p.seq, None)
        for p in waiting:
            p.future.set_result(info)
        self._publish("on_info", info)
        if self._state is not LinkState.STREAMING:
            gap_s = None
            if self._lost_since is not None:
                gap_s = time.monotonic() - self._lost_since
                self._lost_since = None
                self._counters.reconnects += 1
            self._last_tx = 0.0
            self._set_state(
                LinkState.STREAMING,
                f"{info.model} {info.serial} streaming on {self.name}",
                gap_s=gap_s,
            )

    # ------------------------------------------------------------------ publishing

    def _set_state(self, state: LinkState, message: str, gap_s: float | None = None) -> None:
        with self._state_cond:
            previous = self._state
            if self._state is LinkState.INCOMPATIBLE and state is not LinkState.INCOMPATIBLE:
                return  # terminal: the link never operates an incompatible pen
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
    "LinkState",
    "LinkStats",
    "MsgType",
    "StateChange",
]
