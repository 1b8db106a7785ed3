"""The pen link: connection manager, heartbeat and command API, on its own threads.

`Link(url)` opens any URL or device path through an opener (by default
drivers.transport.open_port, that is pyserial's serial_for_url, which also knows our
virtual:// scheme); `Link(name, opener=f)` takes any callable that returns a Port.
Two threads per link:

- the reader opens the port, handshakes, reads bursts, decodes, publishes to subscribers,
  resends unanswered commands, and reconnects with backoff after an unplug or a silence;
- the heartbeat (drivers/heartbeat.py) sends a host frame at least every 150 ms.

Silence means no valid frame, not no bytes: a line that carries only noise for
SILENCE_LOST_S is a lost pen, and the outage is reported with its true length.

Subscribers are plain objects with any of the methods of `LinkListener` (on_telemetry,
on_event, on_info, on_state, on_gap, on_command); they are called on the reader thread.
Never imports Qt, and nothing from drivers.virtual.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drivers import codec
from drivers.heartbeat import HostWriter
from drivers.link_commands import CommandApi, CommandTable
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
from drivers.subscribers import Subscribers
from drivers.transport import Opener, Port, open_port

if TYPE_CHECKING:  # for the annotation only: a real link loads no simulator code
    from drivers.virtual.pen import VirtualPen

log = logging.getLogger(__name__)

# While streaming, the reader sleeps this long, then takes all that waits: ~30 frames a read
# at 2 kHz, as reads and decodes cost per call, not per frame (issue 13: <= 3 % of a core).
# A byte waits at most this plus one decode: inside the 25 ms budget. time.sleep, not
# Event.wait: one system call; close() waits at most this long for it.
READ_GATHER_S = 0.016
HELLO_RETRY_S = 1.0
SILENCE_LOST_S = 1.0  # no valid frame while streaming (≥ 50 Hz telemetry): the pen is gone
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 2.0
DEVICE_POLL_S = 0.05  # how often a vanished device path is looked for during backoff
JOIN_TIMEOUT_S = 3.0


class Link(CommandApi):
    """Owns one pen connection, given by a URL or device path and an opener.

    `Link("/dev/ttyACM0")`, `Link("socket://127.0.0.1:5555")`, `Link("virtual://treatment")`,
    or `Link("bench pen", opener=lambda url: my_port)`. Call start(), then subscribe
    listeners (or subscribe first), and close() when done.
    """

    def __init__(
        self,
        url: str,
        *,
        opener: Opener = open_port,
        name: str | None = None,
        protocol: tuple[int, int] = (PROTOCOL_MAJOR, PROTOCOL_MINOR),
    ) -> None:
        self.url = url
        self.name = name or url
        self._opener = opener
        self._protocol = protocol
        self._state = LinkState.DISCONNECTED
        self._state_cond = threading.Condition()
        self._info: Info | None = None
        self._decoder = codec.StreamDecoder()
        self._counters = LinkStats()
        self._subscribers = Subscribers(self._counters)
        self._writer = HostWriter(self.name, self._counters, self._streaming)
        self._last_port: Port | None = None  # kept after close, for `virtual_pen`
        self._commands = CommandTable()
        self._stop = threading.Event()
        self._closed = False
        self._lost_since_s: float | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._threads or self._closed:
            return
        self._threads = [
            threading.Thread(target=self._reader, name=f"pen-link-reader {self.name}"),
            threading.Thread(
                target=self._writer.run_heartbeat,
                args=(self._stop,),
                name=f"pen-link-heartbeat {self.name}",
            ),
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

    def _streaming(self) -> bool:
        return self._state is LinkState.STREAMING

    @property
    def info(self) -> Info | None:
        """The last INFO the pen sent (ranges, serial, cartridge); None before the first."""
        return self._info

    @property
    def virtual_pen(self) -> VirtualPen | None:
        """The simulated pen behind the last port opened (tests and demos drive it); None for
        a real pen or before the first open. Duck-typed: the link imports no simulator."""
        pen: VirtualPen | None = getattr(self._last_port, "pen", None)
        return pen

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
        return self._subscribers.add(listener)

    def wait_for_state(self, state: LinkState, timeout: float) -> bool:
        with self._state_cond:
            return self._state_cond.wait_for(lambda: self._state is state, timeout)

    # ------------------------------------------------------------------ reading

    def _reader(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            opened = self._open()
            if opened is None:
                return  # the URL itself is wrong: retrying cannot help
            if opened:
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

    def _open(self) -> bool | None:
        """True when open; False when it failed and may work later; None if it never will."""
        self._set_state(LinkState.OPENING, f"opening {self.name}")
        try:
            port = self._opener(self.url)
        except ValueError as exc:  # a malformed or unknown URL: pyserial's and ours
            self._set_state(LinkState.DISCONNECTED, f"cannot open {self.name}: {exc}")
            return None
        except Exception as exc:  # SerialException/OSError: absent, busy, unplugged
            reason = str(exc) or type(exc).__name__
            self._enter_lost(
                f"cannot open {self.name}: {reason}. Check that the pen is plugged in and "
                "switched on and that no other program has the port open; retrying.",
                None,
            )
            return False
        self._writer.port = self._last_port = port
        return True

    def _read_burst(self, port: Port) -> bytes:
        """What the port holds after the gather; if nothing, block for a first byte."""
        if self._state is LinkState.STREAMING:
            time.sleep(READ_GATHER_S)
        waiting = port.in_waiting
        if waiting:
            return port.read(waiting)
        data = port.read(1)  # blocks up to the port's read timeout
        waiting = port.in_waiting if data else 0
        return data + port.read(waiting) if waiting else data

    def _session(self) -> bool:
        """Handshake and stream until the port fails; True if it reached STREAMING."""
        port = self._writer.port
        assert port is not None
        self._set_state(LinkState.HANDSHAKING, f"connected to {self.name}, waiting for the pen")
        self._decoder.reset_sequence()  # the outage is a link gap, not lost frames
        streamed = False
        hellos = 0
        hello_at = 0.0
        last_frame_s = time.monotonic()  # the last valid frame: liveness is frames, not bytes
        noise_bytes = 0  # bytes since then that decoded to nothing
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
                self._writer.send(Command.hello(*self._protocol))
            try:
                data = self._read_burst(port)
            except Exception as exc:  # the port vanished (unplug): SerialException/OSError
                reason = str(exc) or type(exc).__name__
                self._drop(
                    f"lost the pen on {self.name} ({reason}). Reconnecting by itself when "
                    "it is plugged back in.",
                    last_frame_s,
                )
                return streamed
            if data:
                frames_before = self._decoder.stats.frames
                self._dispatch(self._decoder.feed(data, time.monotonic_ns()))
                if self._decoder.stats.frames != frames_before:
                    last_frame_s, noise_bytes = time.monotonic(), 0
                else:
                    noise_bytes += len(data)
                if self._state is LinkState.INCOMPATIBLE:
                    self._close_port()
                    self._fail_all(LinkClosed("the pen speaks another protocol version"))
                    return streamed
            if self._state is LinkState.STREAMING and time.monotonic() - last_frame_s > (
                SILENCE_LOST_S
            ):
                heard = f" ({noise_bytes} bytes came, none of them a valid frame)"
                self._drop(
                    f"no valid frame from the pen on {self.name} for {SILENCE_LOST_S:.0f} s"
                    f"{heard if noise_bytes else ''}; reconnecting.",
                    last_frame_s,
                )
                return streamed
            streamed = streamed or self._state is LinkState.STREAMING
            if self._commands:
                self._service_commands()
        return streamed

    def _drop(self, message: str, last_frame_s: float) -> None:
        self._close_port()
        self._fail_all(LinkClosed(message))
        self._enter_lost(message, last_frame_s)

    def _enter_lost(self, message: str, last_frame_s: float | None) -> None:
        if self._stop.is_set():
            return  # closing: the last word is close()'s
        if self._lost_since_s is None and self._state is LinkState.STREAMING:
            self._lost_since_s = last_frame_s
        state = LinkState.LOST if self._lost_since_s is not None else LinkState.DISCONNECTED
        self._set_state(state, message)

    def _close_port(self) -> None:
        port, self._writer.port = self._writer.port, None
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # closing a vanished device can fail; it is gone anyway
                log.debug("close failed on %s: %s", self.name, exc)

    def _dispatch(self, messages: list[PenMessage]) -> None:
        for m in messages:
            match m:
                case TelemetryBatch():
                    self._subscribers.publish("on_telemetry", m)
                case Event():
                    self._counters.events += 1
                    self._subscribers.publish("on_event", m)
                case Ack(ack_seq=ack_seq, result=result, value=value):
                    pending = self._commands.answered(ack_seq)
                    if pending is not None:
                        self._resolve(pending, CommandResult(result, value))
                case Info():
                    self._on_info(m)
                case SeqGap():
                    self._subscribers.publish("on_gap", m)

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
        self._subscribers.publish("on_info", info)
        if self._state is not LinkState.STREAMING:
            gap_s = None
            if self._lost_since_s is not None:
                gap_s = time.monotonic() - self._lost_since_s
                self._lost_since_s = None
                self._counters.reconnects += 1
            self._writer.restart_gap_clock()
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
        change = StateChange(state, previous, message, time.monotonic_ns(), gap_s)
        self._subscribers.publish("on_state", change)


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
