"""Framing of the pen link: COBS + CRC-16/CCITT-FALSE, encoders and streaming decoders.

Pure functions and I/O-free decoders. Nothing here touches a port or a thread.

wire = COBS(body || crc16_le(body)) || 0x00, body = type:u8 seq:u16 payload...
"""

from __future__ import annotations

import binascii
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
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


# Bulk path for the hot case: a telemetry frame with a 23-byte payload is 28 bytes decoded
# (type, seq, payload, crc) and always 29 bytes COBS-encoded (one overhead byte, no 0xFF
# code). Many such frames are un-COBSed and CRC-checked at once with numpy. CRC-16 without
# a final xor is linear, so the CRC of a 26-byte body is the CRC of 26 zero bytes from
# 0xFFFF, xor the contribution of each byte at its position: one table lookup per byte.
_TELEMETRY_ENCODED = 29
_TELEMETRY_BODY = 26
_COLS = np.arange(_TELEMETRY_ENCODED)
_CRC_ZERO_BODY = binascii.crc_hqx(bytes(_TELEMETRY_BODY), 0xFFFF)
_CRC_BY_POSITION = np.array(
    [
        [
            binascii.crc_hqx(bytes(k) + bytes([b]) + bytes(_TELEMETRY_BODY - k - 1), 0)
            for b in range(256)
        ]
        for k in range(_TELEMETRY_BODY)
    ],
    dtype=np.uint16,
)


_BULK_MIN = 16  # fewer frames than this are cheaper one by one
_POSITIONS = np.arange(_TELEMETRY_BODY)


def _crc_ok(dec: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    body = dec[:, :_TELEMETRY_BODY]
    crc = _CRC_ZERO_BODY ^ np.bitwise_xor.reduce(_CRC_BY_POSITION[_POSITIONS, body], axis=1)
    low, high = dec[:, _TELEMETRY_BODY], dec[:, _TELEMETRY_BODY + 1]
    return crc == (low.astype(np.uint16) | high.astype(np.uint16) << 8)  # type: ignore[no-any-return]


def _uniform_telemetry(parts: list[bytes]) -> npt.NDArray[np.uint8] | None:
    """The common case: every frame is an intact telemetry frame. Un-COBS them with the
    cobs package's C code in one pass, check all CRCs at once; None if any frame is not."""
    if min(map(len, parts)) != _TELEMETRY_ENCODED or max(map(len, parts)) != _TELEMETRY_ENCODED:
        return None
    try:
        joined = b"".join(map(cobs.decode, parts))
    except cobs.DecodeError:
        return None
    dec = np.frombuffer(joined, np.uint8).reshape(len(parts), _TELEMETRY_BODY + 2)
    if not (np.all(dec[:, 0] == MsgType.TELEMETRY) and np.all(_crc_ok(dec))):
        return None
    return dec


def _bulk_telemetry(
    arr: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
    """Indices of the frames that are valid telemetry, and their decoded bodies (m × 28)."""
    idx = np.flatnonzero(ends - starts == _TELEMETRY_ENCODED)
    if not idx.size:
        return idx, np.empty((0, _TELEMETRY_BODY + 2), np.uint8)
    enc = arr[starts[idx, None] + _COLS]
    m = len(idx)
    pos = np.zeros(m, np.intp)
    is_code = np.zeros((m, _TELEMETRY_ENCODED), bool)
    active = np.arange(m)
    while active.size:  # walk each frame's chain of COBS code bytes, all frames at once
        p = pos[active]
        is_code[active, p] = True
        pos[active] = p + enc[active, p]
        active = active[pos[active] < _TELEMETRY_ENCODED]
    dec = enc[:, 1:].copy()
    dec[is_code[:, 1:]] = 0
    ok = (pos == _TELEMETRY_ENCODED) & (dec[:, 0] == MsgType.TELEMETRY)
    body = dec[:, :_TELEMETRY_BODY]
    crc = _CRC_ZERO_BODY ^ np.bitwise_xor.reduce(_CRC_BY_POSITION[_POSITIONS, body], axis=1)
    sent = (
        dec[:, _TELEMETRY_BODY].astype(np.uint16)
        | dec[:, _TELEMETRY_BODY + 1].astype(np.uint16) << 8
    )
    ok &= crc == sent
    return idx[ok], dec[ok]


class _FrameSplitter:
    """Splits a byte stream at 0x00, un-COBSes and CRC-checks frames; yields bodies."""

    def __init__(self, stats: DecoderStats) -> None:
        self._stats = stats
        self._pending = bytearray()
        self._overflowed = False  # dropping bytes of an over-long frame until 0x00

    def bodies(self, chunk: bytes) -> list[bytes | npt.NDArray[np.uint8]]:
        """Checked frame bodies in stream order. Runs of well-formed telemetry frames come
        back as one 2-D array of decoded bodies (rows of 28 bytes), checked in bulk."""
        data = bytes(self._pending) + bytes(chunk) if self._pending else bytes(chunk)
        out: list[bytes | npt.NDArray[np.uint8]] = []
        if b"\x00" in data:
            parts = data.split(b"\x00")
            tail = parts.pop()
            if self._overflowed:  # the rest of an over-long frame
                self._overflowed = False
                parts = parts[1:]
            rows = _uniform_telemetry(parts) if len(parts) >= _BULK_MIN else None
            if rows is not None:
                out.append(rows)
            elif len(parts) >= _BULK_MIN:
                out = self._mixed(parts)
            else:
                for encoded in parts:
                    body = self._check(encoded)
                    if body is not None:
                        out.append(body)
        else:
            tail = data
        if self._overflowed:
            tail = b""
        elif len(tail) > MAX_FRAME_BYTES + 3:
            self._stats.discards[DiscardReason.TOO_LONG] += 1
            self._overflowed = True
            tail = b""
        self._pending = bytearray(tail)
        return out

    def _mixed(self, parts: list[bytes]) -> list[bytes | npt.NDArray[np.uint8]]:
        """Many frames of several kinds: telemetry checked in bulk, the rest one by one."""
        joined = b"\x00".join(parts) + b"\x00"
        arr = np.frombuffer(joined, np.uint8)
        ends = np.flatnonzero(arr == 0)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        fast_idx, fast_rows = _bulk_telemetry(arr, starts, ends)
        slow = np.ones(len(parts), bool)
        slow[fast_idx] = False
        out: list[bytes | npt.NDArray[np.uint8]] = []
        taken = 0
        for i in np.flatnonzero(slow).tolist():
            k = int(np.searchsorted(fast_idx, i))
            if k > taken:
                out.append(fast_rows[taken:k])
                taken = k
            body = self._check(parts[i])
            if body is not None:
                out.append(body)
        if taken < len(fast_idx):
            out.append(fast_rows[taken:])
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

    @property
    def last(self) -> int | None:
        return self._last

    @last.setter
    def last(self, seq: int) -> None:
        self._last = seq

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
        deltas = np.empty_like(raw64)  # np.diff(prepend=) costs more than the sums here
        deltas[0] = raw64[0] - prev
        np.subtract(raw64[1:], raw64[:-1], out=deltas[1:])
        deltas &= 0xFFFFFFFF
        out = np.cumsum(deltas)
        out += start
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
        parts: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]] = []

        def flush() -> None:
            if parts:
                out.append(self._batch(parts, received_ns))
                parts.clear()

        for item in self._splitter.bodies(chunk):
            if not isinstance(item, bytes):
                self._take_rows(item, parts, out, flush)
                continue
            msg_type, seq = _BODY_HEAD.unpack_from(item)
            payload = item[3:]
            if msg_type == MsgType.TELEMETRY:
                if len(payload) < TELEMETRY_PAYLOAD_BYTES:
                    self.stats.discards[DiscardReason.MALFORMED] += 1
                    continue
                row = np.frombuffer(payload[:TELEMETRY_PAYLOAD_BYTES], np.uint8)[None, :]
                self._take_rows(row, parts, out, flush, np.array([seq], np.int64))
                continue
            flush()  # an event's clock is placed after the samples before it
            message = self._decode_other(msg_type, seq, payload)
            if message is None:
                continue
            lost = self._accept(seq)
            if lost:
                out.append(self._gap(lost, seq))
            out.append(message)
        flush()
        return out

    def _take_rows(
        self,
        rows: npt.NDArray[np.uint8],
        parts: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]],
        out: list[PenMessage],
        flush: Callable[[], None],
        seqs: npt.NDArray[np.int64] | None = None,
    ) -> None:
        """Accept telemetry rows (payloads, or whole decoded bodies with their seq)."""
        if seqs is None:  # decoded bodies: type, seq, payload, crc
            seqs = rows[:, 1].astype(np.int64) | rows[:, 2].astype(np.int64) << 8
            rows = rows[:, 3 : 3 + TELEMETRY_PAYLOAD_BYTES]
        self.stats.frames += len(seqs)
        last = self._seq.last
        lost = np.empty_like(seqs)  # frames missing before each row, mod 2^16
        lost[0] = seqs[0] - (seqs[0] - 1 if last is None else last) - 1
        np.subtract(seqs[1:], seqs[:-1], out=lost[1:])
        lost[1:] -= 1
        lost &= 0xFFFF
        gaps = np.flatnonzero((lost > 0) & (lost < 0x8000))
        self._seq.last = int(seqs[-1])
        start = 0
        for g in gaps.tolist():
            if g > start:
                parts.append((rows[start:g], seqs[start:g]))
            flush()
            n_lost = int(lost[g])
            self.stats.seq_gaps += 1
            self.stats.frames_lost += n_lost
            out.append(self._gap(n_lost, int(seqs[g])))
            start = g
        parts.append((rows[start:], seqs[start:]))

    def _accept(self, seq: int) -> int:
        self.stats.frames += 1
        return self._seq.see(seq)

    def _gap(self, lost: int, seq: int) -> SeqGap:
        before = (seq - lost - 1) & 0xFFFF
        return SeqGap(lost, before, seq, self._t_us.last)

    def _batch(
        self,
        parts: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]],
        received_ns: int,
    ) -> TelemetryBatch:
        raw = np.concatenate([p for p, _ in parts]) if len(parts) > 1 else parts[0][0]
        # One copy of the rows (the decoded bytes may be read-only); columns are views.
        wire = np.array(raw, order="C").view(TELEMETRY_WIRE_DTYPE).reshape(-1)
        seqs = np.concatenate([q for _, q in parts]) if len(parts) > 1 else parts[0][1]
        return TelemetryBatch(
            seq=seqs.astype(np.uint16),
            t_us=self._t_us.unwrap(wire["t_us"]),
            depth_set_um=wire["depth_set_um"],
            depth_meas_um=wire["depth_meas_um"],
            rate_dhz=wire["rate_dhz"],
            strokes=self._strokes.unwrap(wire["strokes"]),
            motor_ma=wire["motor_ma"],
            force_mn=wire["force_mn"],
            battery_pct=wire["battery_pct"],
            temp_dc=wire["temp_dc"],
            status=wire["status"],
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
            if not isinstance(body, bytes):
                continue  # telemetry rows: never sent by a host
            msg_type, seq = _BODY_HEAD.unpack_from(body)
            self.stats.frames += 1
            # Unknown host types reach the pen, which answers ACK UNKNOWN_COMMAND.
            known = msg_type in MsgType._value2member_map_ and msg_type >= 0x80
            out.append(HostFrame(seq, MsgType(msg_type) if known else msg_type, body[3:]))
        return out
