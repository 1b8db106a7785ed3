"""The pen link: connection manager, heartbeat and command API, on its own threads.

STUB: the public API below is the contract the console codes against; the
implementation is being written (issue 2). Keep these names and signatures.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from drivers.messages import AckResult, Event, Info, TelemetryBatch


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
    message: str  # human words: why, and what to do (names port and reason on errors)
    at_ns: int  # time.monotonic_ns()


@dataclass(frozen=True, slots=True)
class CommandResult:
    result: AckResult | int
    value: int  # the value the pen applied, from the ACK

    @property
    def ok(self) -> bool:
        return self.result == AckResult.OK


class CommandTimeout(TimeoutError):
    """No ACK after all tries."""


class LinkClosed(RuntimeError):
    """A command was issued while not STREAMING, or the link closed before an answer."""


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


class LinkListener:
    """What a subscriber may implement; every method is optional (duck-typed).

    Callbacks run on the link's reader thread: keep them short and never touch widgets
    from them (the GUI hands them to Qt signals or a queue).
    """

    def on_telemetry(self, batch: TelemetryBatch) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_info(self, info: Info) -> None: ...
    def on_state(self, change: StateChange) -> None: ...


class Link:
    """Owns one pen connection given by a pyserial URL/path or an opener callable."""

    def __init__(self, url: str | Callable[[], object], *, name: str | None = None) -> None:
        raise NotImplementedError

    # lifecycle
    def start(self) -> None: ...
    def close(self) -> None: ...  # stops threads; idempotent

    # observation
    @property
    def state(self) -> LinkState: ...
    @property
    def info(self) -> Info | None: ...
    @property
    def stats(self) -> LinkStats: ...
    def subscribe(self, listener: object) -> Callable[[], None]: ...  # returns unsubscribe
    def wait_for_state(self, state: LinkState, timeout: float) -> bool: ...

    # commands: each returns a Future[CommandResult]
    def set_depth(self, depth_um: int) -> Future[CommandResult]: ...
    def set_rate(self, rate_dhz: int) -> Future[CommandResult]: ...
    def motor(self, start: bool) -> Future[CommandResult]: ...
    def set_depth_limit(self, limit_um: int) -> Future[CommandResult]: ...
    def set_telemetry_rate(self, hz: int) -> Future[CommandResult]: ...
    def get_info(self) -> Future[Info]: ...
    def clear_fault(self) -> Future[CommandResult]: ...
