"""Typed messages of the pen link protocol 1.0 (../shared/pen-protocol.md).

Pen-to-host messages are INFO, TELEMETRY, EVENT and ACK; host-to-pen messages are
the commands 0x81..0x89. Telemetry travels in columnar batches (numpy arrays, one per
field) because it is the hot path; everything else is a small frozen dataclass.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0

MIN_FRAME_BYTES = 5  # type + seq + crc
MAX_FRAME_BYTES = 300  # decoded body + crc


class MsgType(enum.IntEnum):
    INFO = 0x01
    TELEMETRY = 0x02
    EVENT = 0x03
    ACK = 0x04
    HELLO = 0x81
    PING = 0x82
    SET_DEPTH = 0x83
    SET_RATE = 0x84
    MOTOR = 0x85
    SET_DEPTH_LIMIT = 0x86
    SET_TELEMETRY_RATE = 0x87
    GET_INFO = 0x88
    CLEAR_FAULT = 0x89


class Status(enum.IntFlag):
    MOTOR_RUNNING = 1 << 0
    SKIN_CONTACT = 1 << 1
    CARTRIDGE_PRESENT = 1 << 2
    DEPTH_LIMITED = 1 << 3
    FAULT_ACTIVE = 1 << 4
    CHARGING = 1 << 5
    TETHERED = 1 << 6


class EventCode(enum.IntEnum):
    BUTTON_SHORT = 0x01
    BUTTON_LONG = 0x02
    CARTRIDGE_INSERTED = 0x10
    CARTRIDGE_REMOVED = 0x11
    FAULT_RAISED = 0x20
    FAULT_CLEARED = 0x21
    DEPTH_CLAMPED = 0x30
    HOST_LINK_LOST = 0x31
    BATTERY_LOW = 0x40


class Button(enum.IntEnum):
    RUN_STOP = 0
    DEPTH_UP = 1
    DEPTH_DOWN = 2
    MARK = 3


class Fault(enum.IntEnum):
    MOTOR_STALL = 1
    OVER_TEMPERATURE = 2
    DEPTH_SENSOR = 3
    CARTRIDGE_MISSING = 4
    BATTERY_CRITICAL = 5


class AckResult(enum.IntEnum):
    OK = 0
    BAD_ARGUMENT = 1
    NOT_ALLOWED = 2
    UNKNOWN_COMMAND = 3
    FAULT_ACTIVE = 4


class DiscardReason(enum.StrEnum):
    COBS = "cobs"
    CRC = "crc"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    MALFORMED = "malformed"
    UNKNOWN_TYPE = "unknown_type"


# ---------------------------------------------------------------- pen -> host


@dataclass(frozen=True, slots=True)
class Info:
    seq: int
    protocol_major: int
    protocol_minor: int
    fw_major: int
    fw_minor: int
    fw_patch: int
    serial: str
    model: str
    depth_min_um: int
    depth_max_um: int
    depth_step_um: int
    rate_min_dhz: int
    rate_max_dhz: int
    telemetry_hz: int
    telemetry_max_hz: int
    needles: int
    gauge: int

    FORMAT: ClassVar[struct.Struct] = struct.Struct("<BBBBB16s16sHHHHHHHBB")

    @property
    def firmware(self) -> str:
        return f"{self.fw_major}.{self.fw_minor}.{self.fw_patch}"

    @property
    def rate_min_hz(self) -> float:
        return self.rate_min_dhz / 10

    @property
    def rate_max_hz(self) -> float:
        return self.rate_max_dhz / 10


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    t_us_raw: int  # pen clock as sent (u32)
    code: EventCode | int  # an int when the code is not one this console knows
    arg: int
    t_us: int = 0  # unwrapped onto the telemetry clock by the decoder

    FORMAT: ClassVar[struct.Struct] = struct.Struct("<IBI")


@dataclass(frozen=True, slots=True)
class Ack:
    seq: int
    ack_seq: int
    result: AckResult | int
    value: int

    FORMAT: ClassVar[struct.Struct] = struct.Struct("<HBi")


# Telemetry payload as laid out on the wire (23 bytes, packed, little-endian).
TELEMETRY_WIRE_DTYPE = np.dtype(
    [
        ("t_us", "<u4"),
        ("depth_set_um", "<u2"),
        ("depth_meas_um", "<u2"),
        ("rate_dhz", "<u2"),
        ("strokes", "<u4"),
        ("motor_ma", "<u2"),
        ("force_mn", "<u2"),
        ("battery_pct", "u1"),
        ("temp_dc", "<i2"),
        ("status", "<u2"),
    ]
)
TELEMETRY_PAYLOAD_BYTES = TELEMETRY_WIRE_DTYPE.itemsize  # 23

# Columns of a TelemetryBatch and their dtypes. t_us and strokes are unwrapped (int64).
TELEMETRY_COLUMNS: dict[str, np.dtype[np.generic]] = {
    "seq": np.dtype(np.uint16),
    "t_us": np.dtype(np.int64),
    "depth_set_um": np.dtype(np.uint16),
    "depth_meas_um": np.dtype(np.uint16),
    "rate_dhz": np.dtype(np.uint16),
    "strokes": np.dtype(np.int64),
    "motor_ma": np.dtype(np.uint16),
    "force_mn": np.dtype(np.uint16),
    "battery_pct": np.dtype(np.uint8),
    "temp_dc": np.dtype(np.int16),
    "status": np.dtype(np.uint16),
}


@dataclass(frozen=True, eq=False)
class TelemetryBatch:
    """Consecutive telemetry samples, one numpy array per column, all the same length.

    `received_ns` is `time.monotonic_ns()` when the bytes carrying the batch arrived at
    the host; the GUI uses it to measure frame-to-paint latency.
    """

    seq: npt.NDArray[np.uint16]
    t_us: npt.NDArray[np.int64]
    depth_set_um: npt.NDArray[np.uint16]
    depth_meas_um: npt.NDArray[np.uint16]
    rate_dhz: npt.NDArray[np.uint16]
    strokes: npt.NDArray[np.int64]
    motor_ma: npt.NDArray[np.uint16]
    force_mn: npt.NDArray[np.uint16]
    battery_pct: npt.NDArray[np.uint8]
    temp_dc: npt.NDArray[np.int16]
    status: npt.NDArray[np.uint16]
    received_ns: int = field(default=0)

    def __len__(self) -> int:
        return int(self.seq.shape[0])

    def column(self, name: str) -> npt.NDArray[np.generic]:
        return getattr(self, name)  # type: ignore[no-any-return]

    def columns(self) -> dict[str, npt.NDArray[np.generic]]:
        return {name: getattr(self, name) for name in TELEMETRY_COLUMNS}

    def slice(self, start: int, stop: int) -> TelemetryBatch:
        cols = {name: arr[start:stop] for name, arr in self.columns().items()}
        return TelemetryBatch(**cols, received_ns=self.received_ns)  # type: ignore[arg-type]

    @classmethod
    def empty(cls) -> TelemetryBatch:
        return cls(**{n: np.empty(0, dt) for n, dt in TELEMETRY_COLUMNS.items()})  # type: ignore[arg-type]

    @classmethod
    def from_columns(
        cls, columns: dict[str, npt.ArrayLike], received_ns: int = 0
    ) -> TelemetryBatch:
        cols = {n: np.asarray(columns[n], dtype=dt) for n, dt in TELEMETRY_COLUMNS.items()}
        return cls(**cols, received_ns=received_ns)  # type: ignore[arg-type]

    @classmethod
    def concat(cls, batches: list[TelemetryBatch]) -> TelemetryBatch:
        if not batches:
            return cls.empty()
        cols = {n: np.concatenate([b.column(n) for b in batches]) for n in TELEMETRY_COLUMNS}
        return cls(**cols, received_ns=batches[-1].received_ns)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SeqGap:
    """Frames lost between two received frames (the pen's seq skipped), in stream order."""

    frames_lost: int
    seq_before: int
    seq_after: int
    t_us_before: int  # unwrapped pen clock of the last sample before the gap (0 if none)


PenMessage = Info | Event | Ack | TelemetryBatch | SeqGap


# ---------------------------------------------------------------- host -> pen


@dataclass(frozen=True, slots=True)
class Command:
    """A host command: its type and its already-packed payload."""

    type: MsgType
    payload: bytes = b""

    @staticmethod
    def hello(major: int = PROTOCOL_MAJOR, minor: int = PROTOCOL_MINOR) -> Command:
        return Command(MsgType.HELLO, struct.pack("<BB", major, minor))

    @staticmethod
    def ping() -> Command:
        return Command(MsgType.PING)

    @staticmethod
    def set_depth(depth_um: int) -> Command:
        return Command(MsgType.SET_DEPTH, struct.pack("<H", depth_um))

    @staticmethod
    def set_rate(rate_dhz: int) -> Command:
        return Command(MsgType.SET_RATE, struct.pack("<H", rate_dhz))

    @staticmethod
    def motor(start: bool) -> Command:
        return Command(MsgType.MOTOR, struct.pack("<B", 1 if start else 0))

    @staticmethod
    def set_depth_limit(limit_um: int) -> Command:
        return Command(MsgType.SET_DEPTH_LIMIT, struct.pack("<H", limit_um))

    @staticmethod
    def set_telemetry_rate(hz: int) -> Command:
        return Command(MsgType.SET_TELEMETRY_RATE, struct.pack("<H", hz))

    @staticmethod
    def get_info() -> Command:
        return Command(MsgType.GET_INFO)

    @staticmethod
    def clear_fault() -> Command:
        return Command(MsgType.CLEAR_FAULT)


# Minimum payload length of each host command; longer payloads are accepted (spec §2).
COMMAND_PAYLOAD_BYTES: dict[MsgType, int] = {
    MsgType.HELLO: 2,
    MsgType.PING: 0,
    MsgType.SET_DEPTH: 2,
    MsgType.SET_RATE: 2,
    MsgType.MOTOR: 1,
    MsgType.SET_DEPTH_LIMIT: 2,
    MsgType.SET_TELEMETRY_RATE: 2,
    MsgType.GET_INFO: 0,
    MsgType.CLEAR_FAULT: 0,
}


@dataclass(frozen=True, slots=True)
class HostFrame:
    """A host command as the pen decodes it (used by the virtual pen)."""

    seq: int
    type: MsgType | int  # an int for a type the pen does not know
    payload: bytes
