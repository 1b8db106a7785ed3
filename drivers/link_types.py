"""The vocabulary of the pen link: states, state changes, command results, statistics.

Re-exported by drivers.link; kept apart so that models and widgets can import the types
without pulling in threads or pyserial. Never imports Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from drivers.messages import AckResult, Event, Info, SeqGap, TelemetryBatch


class LinkState(enum.StrEnum):
    DISCONNECTED = "disconnected"
    OPENING = "opening"
    HANDSHAKING = "handshaking"
    STREAMING = "streaming"
    LOST = "lost"
    INCOMPATIBLE = "incompatible"  # terminal: the pen speaks another protocol major


@dataclass(frozen=True, slots=True)
class StateChange:
    state: LinkState
    previous: LinkState
    message: str  # human words: what happened and what to do
    at_ns: int  # time.monotonic_ns()
    gap_s: float | None = None  # on STREAMING after LOST: how long the pen was unheard


@dataclass(frozen=True, slots=True)
class CommandResult:
    result: AckResult | int  # an int for a result code this console does not know
    value: int  # the value the pen applied, from the ACK

    @property
    def ok(self) -> bool:
        return self.result == AckResult.OK


class CommandTimeout(TimeoutError):
    """The pen did not answer a command after all tries."""


class LinkClosed(RuntimeError):
    """A command was issued while not STREAMING, or the link went away before an answer."""


@dataclass
class LinkStats:
    frames: int = 0  # frames delivered by the decoder (all types)
    events: int = 0
    discarded: dict[str, int] = field(default_factory=dict)  # by reason, plus "total"
    seq_gaps: int = 0
    frames_lost: int = 0
    reconnects: int = 0
    last_heartbeat_gap_ms: float = 0.0
    max_heartbeat_gap_ms: float = 0.0
    listener_errors: int = 0  # exceptions raised by subscribers (logged, then ignored)


class LinkListener(Protocol):
    """What a subscriber may implement; every method is optional (duck-typed).

    All are called on the link's reader thread and must return quickly: hand the data to
    a queue, a ring buffer or a queued Qt signal. (One exception: a command refused at
    once, because the link is not streaming or the argument does not fit, is reported to
    on_command on the calling thread.) An exception is logged and counted in
    LinkStats.listener_errors; it never stops the link.
    """

    def on_telemetry(self, batch: TelemetryBatch) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_info(self, info: Info) -> None: ...
    def on_state(self, change: StateChange) -> None: ...
    def on_gap(self, gap: SeqGap) -> None: ...
    def on_command(
        self, name: str, requested: int | None, outcome: CommandResult | Info | Exception
    ) -> None: ...
