"""Pen link codec: encoders and the streaming decoders (protocol 1.0, ../shared/pen-protocol.md).

Pure functions and I/O-free decoders; nothing here touches a port or a thread. The
encoders live in drivers/encoding.py and are re-exported here.

    wire = COBS(body || crc16_le(body)) || 0x00,   body = type:u8 seq:u16 payload...

Exact semantics of StreamDecoder.feed (and of HostStreamDecoder.feed for the framing):

- Chunks may be of any size and split anywhere: the messages and statistics depend only
  on the bytes, never on how they were cut.
- Every 0x00 ends a segment; decoding resynchronises there. Back-to-back delimiters (an
  empty segment) are not frames and are not counted.
- A segment is discarded, and counted under exactly one reason, checked in this order:
  ``too_long`` if it is longer than 302 encoded bytes (no valid frame of <= 300 bytes
  is that long; such a run is dropped as soon as it exceeds 302 bytes, without waiting
  for its delimiter or buffering it, and counts once); ``cobs`` if it is not valid COBS;
  ``too_short`` if it decodes to fewer than 5 bytes; ``too_long`` if it decodes to more
  than 300; ``crc`` if the CRC-16/CCITT-FALSE of the body does not match.
- A frame that passes those checks has been received: its seq is tracked (see below),
  whatever its type. Then ``unknown_type`` counts a type this side does not decode (for
  the pen-side decoder: anything but INFO, TELEMETRY, EVENT, ACK), and ``malformed``
  counts a payload shorter than the spec's. A longer payload is accepted and its extra
  bytes are ignored. Everything else is delivered and counted in ``stats.frames``.
- Seq gaps: each received seq is compared with the highest seq seen so far, H, as a
  signed distance d in [-32768, 32767] mod 2^16. d >= 1 is a new frame and d - 1 frames
  were lost (one gap, published as a SeqGap just before the frame's message, counted in
  ``stats.seq_gaps`` / ``stats.frames_lost``); -64 <= d <= 0 is a duplicate or late
  frame, delivered, counting nothing and leaving H alone; d < -64 means the pen's
  counter went back (a reboot): nothing is counted and tracking restarts there.
  ``reset_sequence()`` forgets H (after a reconnect the outage is not loss).
- Output is in stream order. Consecutive telemetry frames become one TelemetryBatch;
  a batch is split wherever another message or a SeqGap intervenes, so a feed returns
  e.g. [batch, SeqGap, batch, Event, batch].
- A batch also ends where a feed ends (batches never wait for more bytes). Any received
  frame that is not telemetry splits a batch, even one that yields no message (unknown
  type, malformed); segments discarded for cobs, length or crc and malformed telemetry
  do not, though the seq gap they usually leave does.
- ``t_us`` and ``strokes`` are unwrapped from u32 into int64: the first sample is taken
  as is, each later one adds the forward distance mod 2^32 to the previous one, across
  feeds. An Event's ``t_us`` is its raw clock placed within ±2^31 µs of the last sample
  before it in the stream (the raw value if no sample came yet).

The hot path (runs of 30-byte telemetry frames) works per chunk with numpy, never per
frame in Python: see drivers/framing.py for COBS and CRC and drivers/counters.py for the
seq and unwrap rules.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from drivers.counters import SeqTracker, Unwrapper, unwrap_columns
from drivers.encoding import (
    cobs_encode_rows,
    crc16,
    encode_ack,
    encode_command,
    encode_event,
    encode_frame,
    encode_info,
    encode_telemetry,
)
from drivers.framing import FrameSplitter, FrameTable, windows
from drivers.messages import (
    TELEMETRY_PAYLOAD_BYTES,
    TELEMETRY_WIRE_DTYPE,
    Ack,
    AckResult,
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

__all__ = [
    "DecoderStats",
    "HostStreamDecoder",
    "StreamDecoder",
    "cobs_encode_rows",
    "crc16",
    "encode_ack",
    "encode_command",
    "encode_event",
    "encode_frame",
    "encode_info",
    "encode_telemetry",
]

_BODY_HEAD = struct.Struct("<BH")
_HEAD_BYTES = 3
_CRC_BYTES = 2
_TELEMETRY_FRAME_BYTES = _HEAD_BYTES + TELEMETRY_PAYLOAD_BYTES + _CRC_BYTES  # 28 decoded

# A decoded telemetry frame seen in place: the payload fields after type and seq. The item
# size is the frame plus its 0x00 (29), so a run of frames is viewed without a copy.
_WIRE_FIELDS: list[tuple[str, np.dtype[np.generic], int]] = [
    (name, *TELEMETRY_WIRE_DTYPE.fields[name][:2])  # type: ignore[index, misc]
    for name in TELEMETRY_WIRE_DTYPE.names or ()
]
_TELEMETRY_FRAME_DTYPE: np.dtype[np.void] = np.dtype(
    {  # type: ignore[call-overload]
        "names": ["type", "seq", *(name for name, _, _ in _WIRE_FIELDS)],
        "formats": ["u1", "<u2", *(dt for _, dt, _ in _WIRE_FIELDS)],
        "offsets": [0, 1, *(_HEAD_BYTES + at for _, _, at in _WIRE_FIELDS)],
        "itemsize": _TELEMETRY_FRAME_BYTES + 1,
    }
)
_TELEMETRY_BODY_BYTES = _HEAD_BYTES + TELEMETRY_PAYLOAD_BYTES
_TELEMETRY_TYPES = bytes([MsgType.TELEMETRY]) * (1 << 16)
_T_US_AT: int = _TELEMETRY_FRAME_DTYPE.fields["t_us"][1]  # type: ignore[index]
_STROKES_AFTER_T_US: int = _TELEMETRY_FRAME_DTYPE.fields["strokes"][1] - _T_US_AT  # type: ignore[index]


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


class StreamDecoder:
    """Pen-to-host decoder: feed it any chunks, get typed messages in stream order.

    Consecutive telemetry frames are coalesced into one TelemetryBatch. Discards are
    counted by reason in `stats`; so are gaps in the pen's seq. Semantics: module doc.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._splitter = FrameSplitter(self.stats.discards)
        self._seq = SeqTracker()
        self._t_us = Unwrapper()
        self._strokes = Unwrapper()
        self._clocks = [self._t_us, self._strokes]

    def reset_sequence(self) -> None:
        """Forget the last seq (after a reconnect), so the link gap is not counted as loss."""
        self._seq.reset()

    def feed(self, chunk: bytes, received_ns: int = 0) -> list[PenMessage]:
        """Messages completed by this chunk, in stream order (see the module doc)."""
        got = self._splitter.feed(chunk)
        if not got:
            return []
        if isinstance(got, list):
            return self._feed_few(got, received_ns)
        return self._feed_table(got, received_ns)

    def _feed_few(self, frames: list[bytes], received_ns: int) -> list[PenMessage]:
        """A handful of frames (small reads): per frame, the same rules as the bulk path."""
        out: list[PenMessage] = []
        payloads: list[bytes] = []
        seqs: list[int] = []

        def flush() -> None:
            if payloads:
                out.append(self._batch_of_payloads(payloads, seqs, received_ns))
                payloads.clear()
                seqs.clear()

        for frame in frames:
            msg_type, seq = _BODY_HEAD.unpack_from(frame)
            lost, high = self._seq.see(seq)
            if lost:
                flush()
                self.stats.seq_gaps += 1
                self.stats.frames_lost += lost
                out.append(SeqGap(lost, high, seq, self._t_us.last))
            if msg_type == MsgType.TELEMETRY:
                if len(frame) < _TELEMETRY_FRAME_BYTES:
                    self.stats.discards[DiscardReason.MALFORMED] += 1
                else:
                    payloads.append(frame[_HEAD_BYTES : _HEAD_BYTES + TELEMETRY_PAYLOAD_BYTES])
                    seqs.append(seq)
                continue
            flush()
            payload = frame[_HEAD_BYTES:-_CRC_BYTES]
            message = self._decode_other(
                msg_type, seq, payload, self._t_us.last_raw, self._t_us.last
            )
            if message is not None:
                self.stats.frames += 1
                out.append(message)
        flush()
        return out

    def _batch_of_payloads(
        self, payloads: list[bytes], seqs: list[int], received_ns: int
    ) -> TelemetryBatch:
        # a bytearray: writable columns without a (slow) structured copy
        wire = np.frombuffer(bytearray(b"".join(payloads)), TELEMETRY_WIRE_DTYPE)
        self.stats.frames += len(wire)
        return TelemetryBatch(
            seq=np.array(seqs, np.uint16),
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

    def _feed_table(self, table: FrameTable, received_ns: int) -> list[PenMessage]:
        n = len(table)
        raw = table.raw
        stride = _TELEMETRY_FRAME_DTYPE.itemsize
        rows_buf: bytearray | npt.NDArray[np.uint8]
        if (
            table.stride == stride
            and isinstance(raw, bytearray)
            and raw[::stride] == _TELEMETRY_TYPES[:n]
        ):  # the steady stream: n intact telemetry frames, viewed in place (ours, writable)
            rows_buf, n_tel, tel_ok = raw, n, None
            rec = np.ndarray((n,), _TELEMETRY_FRAME_DTYPE, buffer=raw, strides=(stride,))
            seqs = rec["seq"]
        else:
            arr = np.frombuffer(raw, np.uint8)
            off, length = table.off, table.length
            seqs = np.ndarray((len(arr) - 2,), "<u2", raw, 1, (1,))[off]  # u16 at every byte
            is_tel = arr[off] == MsgType.TELEMETRY
            tel_ok = is_tel & (length >= _TELEMETRY_FRAME_BYTES)
            n_tel = int(np.count_nonzero(tel_ok))
            malformed = int(np.count_nonzero(is_tel)) - n_tel
            if malformed:
                self.stats.discards[DiscardReason.MALFORMED] += malformed
            rows_buf = np.zeros((n_tel, stride), np.uint8)
            rows_buf[:, :_TELEMETRY_BODY_BYTES] = windows(arr, _TELEMETRY_BODY_BYTES)[off[tel_ok]]
            rec = rows_buf.view(_TELEMETRY_FRAME_DTYPE).reshape(-1)
        gaps = self._seq.scan(seqs)
        if len(gaps):
            self.stats.seq_gaps += len(gaps)
            self.stats.frames_lost += int(gaps.lost.sum())
        ref_raw, ref = self._t_us.last_raw, self._t_us.last  # the clock before this chunk
        # t_us and strokes of every row as one (n, 2) u32 view, unwrapped together into two
        # contiguous int64 rows.
        clocks = (
            np.ndarray((n_tel, 2), "<u4", rows_buf, _T_US_AT, (stride, _STROKES_AFTER_T_US))
            if n_tel
            else np.zeros((0, 2), np.uint32)
        )
        unwrapped = unwrap_columns(clocks, self._clocks)
        t_us, strokes = unwrapped
        self.stats.frames += n_tel

        def batch(start: int, stop: int) -> TelemetryBatch:
            part = rec[start:stop]
            return TelemetryBatch(
                seq=part["seq"],
                t_us=t_us[start:stop],
                depth_set_um=part["depth_set_um"],
                depth_meas_um=part["depth_meas_um"],
                rate_dhz=part["rate_dhz"],
                strokes=strokes[start:stop],
                motor_ma=part["motor_ma"],
                force_mn=part["force_mn"],
                battery_pct=part["battery_pct"],
                temp_dc=part["temp_dc"],
                status=part["status"],
                received_ns=received_ns,
            )

        if tel_ok is None and not len(gaps):
            return [batch(0, n)]
        if tel_ok is None:
            tel_ok = is_tel = np.ones(n, bool)
        gap_at = {
            int(i): (int(lost), int(high))
            for i, lost, high in zip(gaps.index, gaps.lost, gaps.high_before, strict=True)
        }
        # Other frames split batches, malformed telemetry does not (as on the per-frame path)
        breaks = sorted(gap_at.keys() | set(np.flatnonzero(~is_tel).tolist()))
        rows_before = (np.cumsum(tel_ok) - tel_ok)[breaks].tolist()
        out: list[PenMessage] = []
        done = 0  # telemetry rows already published
        for i, rows in zip(breaks, rows_before, strict=True):
            if rows > done:
                out.append(batch(done, rows))
                done = rows
            if rows:
                ref_raw, ref = int(clocks[rows - 1, 0]), int(t_us[rows - 1])
            if i in gap_at:
                lost, high = gap_at[i]
                out.append(SeqGap(lost, high, int(seqs[i]), ref))
            o, size = int(table.off[i]), int(table.length[i])
            if raw[o] == MsgType.TELEMETRY:
                continue  # a telemetry frame after a gap (its batch follows), or malformed
            payload = bytes(raw[o + _HEAD_BYTES : o + size - _CRC_BYTES])
            message = self._decode_other(raw[o], int(seqs[i]), payload, ref_raw, ref)
            if message is not None:
                self.stats.frames += 1
                out.append(message)
        if done < n_tel:
            out.append(batch(done, n_tel))
        return out

    def _decode_other(
        self, msg_type: int, seq: int, payload: bytes, ref_raw: int | None, ref: int
    ) -> PenMessage | None:
        try:
            match msg_type:
                case MsgType.EVENT:
                    t_raw, code, arg = Event.FORMAT.unpack_from(payload)
                    known = code in EventCode._value2member_map_
                    return Event(
                        seq=seq,
                        t_us_raw=t_raw,
                        code=EventCode(code) if known else code,
                        arg=arg,
                        t_us=Unwrapper.place_near(t_raw, ref_raw, ref),
                    )
                case MsgType.ACK:
                    ack_seq, result, value = Ack.FORMAT.unpack_from(payload)
                    known = result in AckResult._value2member_map_
                    return Ack(seq, ack_seq, AckResult(result) if known else result, value)
                case MsgType.INFO:
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
    """Host-to-pen decoder, used by the virtual pen: yields HostFrames.

    Framing and discards as StreamDecoder. Every checked frame is delivered, unknown
    types included (as an int): the pen answers those with ACK UNKNOWN_COMMAND.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._splitter = FrameSplitter(self.stats.discards)

    def feed(self, chunk: bytes) -> list[HostFrame]:
        got = self._splitter.feed(chunk)
        if not got:
            return []
        out: list[HostFrame] = []
        for frame in got if isinstance(got, list) else got.frames():
            msg_type, seq = _BODY_HEAD.unpack_from(frame)
            known = msg_type in MsgType._value2member_map_ and msg_type >= 0x80
            payload = frame[_HEAD_BYTES:-_CRC_BYTES]
            out.append(HostFrame(seq, MsgType(msg_type) if known else msg_type, payload))
        self.stats.frames += len(out)
        return out
