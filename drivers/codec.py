"""Framing of the pen link: COBS + CRC-16/CCITT-FALSE, encoders and streaming decoders.

Pure functions and I/O-free decoders. Nothing here touches a port or a thread.

wire = COBS(body || crc16_le(body)) || 0x00, body = type:u8 seq:u16 payload...
"""

from __future__ import annotations

import binascii
import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from cobs import cobs

from drivers.messages import (
    MAX_FRAME_BYTES,
    MIN_FRAME_BYTES,
    TELEMETRY_PAYLOAD_BYTES,
    TELEMETRY_WIRE_DTYPE,
    Ack,
    AckResult,
    Command,
    DiscardReason,
    Event,
    EventCode,
    HostFrame,
    Info,
    MsgType,
    PenMessage,
    SeqGap,
    TelemetryBatch,
)

_BODY_HEAD = struct.Struct("<BH")


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF)."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode_frame(msg_type: int, seq: int, payload: bytes = b"") -> bytes:
    body = _BODY_HEAD.pack(msg_type, seq & 0xFFFF) + payload
    return bytes(cobs.encode(body + struct.pack("<H", crc16(body)))) + b"\x00"


def encode_command(command: Command, seq: int) -> bytes:
    return encode_frame(command.type, seq, command.payload)


def encode_info(info: Info, seq: int) -> bytes:
    payload = Info.FORMAT.pack(
        info.protocol_major,
        info.protocol_minor,
        info.fw_major,
        info.fw_minor,
        info.fw_patch,
        info.serial.encode("ascii")[:16],
        info.model.encode("ascii")[:16],
        info.depth_min_um,
        info.depth_max_um,
        info.depth_step_um,
        info.rate_min_dhz,
        info.rate_max_dhz,
        info.telemetry_hz,
        info.telemetry_max_hz,
        info.needles,
        info.gauge,
    )
    return encode_frame(MsgType.INFO, seq, payload)


def encode_event(seq: int, t_us: int, code: int, arg: int) -> bytes:
    payload = Event.FORMAT.pack(t_us & 0xFFFFFFFF, code, arg & 0xFFFFFFFF)
    return encode_frame(MsgType.EVENT, seq, payload)


def encode_ack(seq: int, ack_seq: int, result: int, value: int) -> bytes:
    return encode_frame(MsgType.ACK, seq, Ack.FORMAT.pack(ack_seq & 0xFFFF, result, value))


def encode_telemetry(rows: np.ndarray, first_seq: int) -> bytes:
    """Encode a structured array of TELEMETRY_WIRE_DTYPE rows as consecutive frames."""
    wire = np.ascontiguousarray(rows, dtype=TELEMETRY_WIRE_DTYPE)
    raw = wire.tobytes()
    size = TELEMETRY_PAYLOAD_BYTES
    out = bytearray()
    for i in range(len(wire)):
        out += encode_frame(MsgType.TELEMETRY, first_seq + i, raw[i * size : (i + 1) * size])
    return bytes(out)


@dataclass
class DecoderStats:
    frames: int = 0  # frames that passed framing and CRC and were delivered
    discards: Counter[DiscardReason] = field(default_factory=Counter)
    seq_gaps: int = 0  # number of gaps seen in the sender's seq
    frames_lost: int = 0  # frames missing in those gaps

    @property
    def discarded_total(self) -> int:
        return sum(self.discards.values())

    def as_dict(self) -> dict[str, object]:
        discarded: dict[str, int] = {r.value: self.discards.get(r, 0) for r in DiscardReason}
        discarded["total"] = self.discarded_total
        return {
            "frames": self.frames,
            "discarded": discarded,
            "seq_gaps": self.seq_gaps,
            "frames_lost": self.frames_lost,
        }


class _FrameSplitter:
    """Splits a byte stream at 0x00, un-COBSes and CRC-checks frames; yields bodies."""

    def __init__(self, stats: DecoderStats) -> None:
        self._stats = stats
        self._pending = bytearray()
        self._overflowed = False  # dropping bytes of an over-long frame until 0x00

    def bodies(self, chunk: bytes) -> list[bytes]:
        out: list[bytes] = []
        data = bytes(self._pending) + bytes(chunk) if self._pending else bytes(chunk)
        parts = data.split(b"\x00")
        tail = parts.pop()
        for encoded in parts:
            if self._overflowed:
                self._overflowed = False
                continue
            body = self._check(encoded)
            if body is not None:
                out.append(body)
        if self._overflowed:
            tail = b""
        elif len(tail) > MAX_FRAME_BYTES + 3:
            self._stats.discards[DiscardReason.TOO_LONG] += 1
            self._overflowed = True
            tail = b""
        self._pending = bytearray(tail)
        return out

    def _check(self, encoded: bytes) -> bytes | None:
        if not encoded:
            return None  # back-to-back delimiters carry no frame
        try:
            decoded = bytes(cobs.decode(encoded))
        except cobs.DecodeError:
            self._stats.discards[DiscardReason.COBS] += 1
            return None
        if len(decoded) < MIN_FRAME_BYTES:
            self._stats.discards[DiscardReason.TOO_SHORT] += 1
            return None
        if len(decoded) > MAX_FRAME_BYTES:
            self._stats.discards[DiscardReason.TOO_LONG] += 1
            return None
        body, crc = decoded[:-2], decoded[-2] | (decoded[-1] << 8)
        if crc16(body) != crc:
            self._stats.discards[DiscardReason.CRC] += 1
            return None
        return body


class _SeqTracker:
    def __init__(self, stats: DecoderStats) -> None:
        self._stats = stats
        self._last: int | None = None
        self.previous: int | None = None

    def reset(self) -> None:
        self._last = None

    def see(self, seq: int) -> int:
        """Record `seq`; return how many frames were lost just before it."""
        lost = 0
        if self._last is not None:
            lost = (seq - self._last - 1) & 0xFFFF
            if 0 < lost < 0x8000:  # larger jumps are duplicates or reordering, not loss
                self._stats.seq_gaps += 1
                self._stats.frames_lost += lost
            else:
                lost = 0
        previous = self._last
        self._last = seq
        self.previous = previous
        return lost


class _Unwrapper:
    """Unwraps a u32 counter into a monotonic int64 across its wraps."""

    def __init__(self) -> None:
        self._last_raw: int | None = None
        self._last: int = 0

    @property
    def last(self) -> int:
        return self._last

    def unwrap(self, raw: np.ndarray) -> np.ndarray:
        raw64 = raw.astype(np.int64)
        if raw64.size == 0:
            return raw64
        prev = raw64[0] if self._last_raw is None else self._last_raw
        start = int(raw64[0]) if self._last_raw is None else self._last
        deltas = np.diff(raw64, prepend=prev) & 0xFFFFFFFF
        out = start + np.cumsum(deltas)
        self._last_raw = int(raw64[-1])
        self._last = int(out[-1])
        return out

    def place(self, raw: int) -> int:
        """Place a single u32 value (an event's clock) near the last unwrapped value."""
        if self._last_raw is None:
            return raw
        delta = (raw - self._last_raw) & 0xFFFFFFFF
        if delta >= 0x80000000:
            delta -= 0x100000000
        return self._last + delta


class StreamDecoder:
    """Pen-to-host decoder: feed it any chunks, get typed messages in stream order.

    Consecutive telemetry frames are coalesced into one TelemetryBatch. Discards are
    counted by reason in `stats`; so are gaps in the pen's seq.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._splitter = _FrameSplitter(self.stats)
        self._seq = _SeqTracker(self.stats)
        self._t_us = _Unwrapper()
        self._strokes = _Unwrapper()

    def reset_sequence(self) -> None:
        """Forget the last seq (after a reconnect), so the link gap is not counted as loss."""
        self._seq.reset()

    def feed(self, chunk: bytes, received_ns: int = 0) -> list[PenMessage]:
        out: list[PenMessage] = []
        rows: list[bytes] = []
        seqs: list[int] = []
        for body in self._splitter.bodies(chunk):
            msg_type, seq = _BODY_HEAD.unpack_from(body)
            payload = body[3:]
            if msg_type == MsgType.TELEMETRY:
                if len(payload) < TELEMETRY_PAYLOAD_BYTES:
                    self.stats.discards[DiscardReason.MALFORMED] += 1
                    continue
                lost = self._accept(seq)
                if lost:
                    if rows:
                        out.append(self._batch(rows, seqs, received_ns))
                        rows, seqs = [], []
                    out.append(self._gap(lost, seq))
                rows.append(payload[:TELEMETRY_PAYLOAD_BYTES])
                seqs.append(seq)
                continue
            if rows:  # flush first: an event's clock is placed after the samples before it
                out.append(self._batch(rows, seqs, received_ns))
                rows, seqs = [], []
            message = self._decode_other(msg_type, seq, payload)
            if message is None:
                continue
            lost = self._accept(seq)
            if lost:
                out.append(self._gap(lost, seq))
            out.append(message)
        if rows:
            out.append(self._batch(rows, seqs, received_ns))
        return out

    def _accept(self, seq: int) -> int:
        self.stats.frames += 1
        return self._seq.see(seq)

    def _gap(self, lost: int, seq: int) -> SeqGap:
        before = (seq - lost - 1) & 0xFFFF
        return SeqGap(lost, before, seq, self._t_us.last)

    def _batch(self, rows: list[bytes], seqs: list[int], received_ns: int) -> TelemetryBatch:
        wire = np.frombuffer(b"".join(rows), dtype=TELEMETRY_WIRE_DTYPE)
        return TelemetryBatch(
            seq=np.asarray(seqs, dtype=np.uint16),
            t_us=self._t_us.unwrap(wire["t_us"]),
            depth_set_um=wire["depth_set_um"].copy(),
            depth_meas_um=wire["depth_meas_um"].copy(),
            rate_dhz=wire["rate_dhz"].copy(),
            strokes=self._strokes.unwrap(wire["strokes"]),
            motor_ma=wire["motor_ma"].copy(),
            force_mn=wire["force_mn"].copy(),
            battery_pct=wire["battery_pct"].copy(),
            temp_dc=wire["temp_dc"].copy(),
            status=wire["status"].copy(),
            received_ns=received_ns,
        )

    def _decode_other(self, msg_type: int, seq: int, payload: bytes) -> PenMessage | None:
        try:
            if msg_type == MsgType.EVENT:
                t_raw, code, arg = Event.FORMAT.unpack_from(payload)
                known = code in EventCode._value2member_map_
                return Event(
                    seq=seq,
                    t_us_raw=t_raw,
                    code=EventCode(code) if known else code,
                    arg=arg,
                    t_us=self._t_us.place(t_raw),
                )
            if msg_type == MsgType.ACK:
                ack_seq, result, value = Ack.FORMAT.unpack_from(payload)
                known = result in AckResult._value2member_map_
                return Ack(seq, ack_seq, AckResult(result) if known else result, value)
            if msg_type == MsgType.INFO:
                f = Info.FORMAT.unpack_from(payload)
                return Info(  # type: ignore[call-arg]
                    seq,
                    *f[:5],
                    _ascii(f[5]),
                    _ascii(f[6]),
                    *f[7:],
                )
        except struct.error:
            self.stats.discards[DiscardReason.MALFORMED] += 1
            return None
        self.stats.discards[DiscardReason.UNKNOWN_TYPE] += 1
        return None


def _ascii(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("ascii", errors="replace")


class HostStreamDecoder:
    """Host-to-pen decoder, used by the virtual pen: yields HostFrames."""

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._splitter = _FrameSplitter(self.stats)

    def feed(self, chunk: bytes) -> list[HostFrame]:
        out: list[HostFrame] = []
        for body in self._splitter.bodies(chunk):
            msg_type, seq = _BODY_HEAD.unpack_from(body)
            self.stats.frames += 1
            # Unknown host types reach the pen, which answers ACK UNKNOWN_COMMAND.
            known = msg_type in MsgType._value2member_map_ and msg_type >= 0x80
            out.append(HostFrame(seq, MsgType(msg_type) if known else msg_type, body[3:]))
        return out
