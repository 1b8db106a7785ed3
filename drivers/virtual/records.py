"""What the virtual pen is built from and what it remembers: its config and its logs.

Tests compare what the console stored with these logs: every telemetry row and event the
pen sent (and whether the frame left intact), every host command with the ACK it gave.
Never imports Qt.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from drivers.messages import PROTOCOL_MINOR, TELEMETRY_WIRE_DTYPE, AckResult, MsgType

# One row per telemetry frame sent: its seq, whether it left intact, and the wire fields.
SENT_DTYPE = np.dtype([("seq", "<u2"), ("intact", "?"), ("row", TELEMETRY_WIRE_DTYPE)])


@dataclass
class PenConfig:
    serial: str = "VP-000001"
    model: str = "MicroPen Virtual"
    firmware: tuple[int, int, int] = (2, 3, 1)
    protocol_major: int = 1
    protocol_minor: int = PROTOCOL_MINOR
    depth_min_um: int = 250
    depth_max_um: int = 2500
    depth_step_um: int = 50
    rate_min_dhz: int = 200
    rate_max_dhz: int = 1200
    telemetry_hz: int = 500
    telemetry_max_hz: int = 2000
    needles: int = 12
    gauge: int = 32
    depth_um: int = 500
    rate_dhz: int = 800
    battery_pct: float = 87.0
    t_us0: int = 0  # pen clock at power-on, to reach the u32 wrap quickly
    strokes0: int = 0
    seq0: int = 0
    seed: int = 1
    noise: float = 0.0  # fraction of frames damaged (half) or dropped (half) on the way out
    keep_logs: bool = True  # False for long-running servers: the logs grow ~50 kB/s


@dataclass(frozen=True, slots=True)
class SentEvent:
    seq: int
    t_us: int  # raw u32 pen clock
    code: int
    arg: int
    intact: bool


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    seq: int
    type: MsgType | int
    payload: bytes
    result: AckResult | None  # None: answered with INFO, or not answered at all
    value: int  # the ACK's value
    at_s: float

    @property
    def argument(self) -> int | None:
        """The command's integer argument as the pen read it (None if it has none)."""
        if len(self.payload) >= 2 and self.type != MsgType.MOTOR:
            return int(struct.unpack_from("<H", self.payload)[0])
        return self.payload[0] if self.payload else None


@dataclass
class PenLogs:
    telemetry: list[npt.NDArray[np.void]] = field(default_factory=list)
    events: list[SentEvent] = field(default_factory=list)
    commands: list[ReceivedCommand] = field(default_factory=list)
