"""One million frames with injected corruption: every count must come out exact.

The expectation comes from `simple_decode`, a deliberately plain per-segment decoder
(bytes.split, cobs.decode, binascii.crc_hqx, struct, the seq rule written out again)
that shares no code with drivers/framing.py or drivers/counters.py. The decoder under
test must agree with it on every discard reason, every delivered sample (all columns),
every event, and the seq gap counts. Corruption is applied to the encoded bytes, so its
outcome is whatever the bytes say: bit flips (which may create or destroy delimiters),
truncation, stray zeros, dropped, duplicated and merged frames, garbage, long runs
without a delimiter, and valid frames of unknown type or with a short payload.
"""

from __future__ import annotations

import binascii
import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from cobs import cobs

from drivers import codec
from drivers.messages import TELEMETRY_WIRE_DTYPE, Ack, Event, Info, SeqGap, TelemetryBatch

LATE_WINDOW = 64
PAYLOAD_MIN = {0x01: 45, 0x02: 23, 0x03: 9, 0x04: 7}
TYPE_OF = {Info: 0x01, Event: 0x03, Ack: 0x04}


@dataclass
class Expected:
    discards: Counter[str] = field(default_factory=Counter)
    payloads: list[bytes] = field(default_factory=list)  # delivered telemetry payloads
    seqs: list[int] = field(default_factory=list)  # and their seqs
    others: list[tuple[int, int]] = field(default_factory=list)  # (type, seq) of the rest
    gaps: int = 0
    lost: int = 0


def simple_decode(stream: bytes) -> Expected:
    """What a receiver must make of a whole stream, one segment at a time."""
    exp = Expected()
    high: int | None = None
    *segments, unfinished = stream.split(b"\x00")
    if len(unfinished) > 302:  # dropped as soon as it is too long, without its delimiter
        exp.discards["too_long"] += 1
    for segment in segments:
        if not segment:
            continue
        if len(segment) > 302:
            exp.discards["too_long"] += 1
            continue
        try:
            frame = cobs.decode(segment)
        except cobs.DecodeError:
            exp.discards["cobs"] += 1
            continue
        if len(frame) < 5:
            exp.discards["too_short"] += 1
            continue
        if len(frame) > 300:
            exp.discards["too_long"] += 1
            continue
        body, crc = frame[:-2], frame[-2] | frame[-1] << 8
        if binascii.crc_hqx(body, 0xFFFF) != crc:
            exp.discards["crc"] += 1
            continue
        msg_type, seq = struct.unpack_from("<BH", body)
        if high is not None:
            d = (seq - high) % 65536
            d = d - 65536 if d >= 32768 else d
            if d >= 1:
                if d > 1:
                    exp.gaps += 1
                    exp.lost += d - 1
                high = seq
            elif d < -LATE_WINDOW:
                high = seq
        else:
            high = seq
        payload = body[3:]
        if msg_type not in PAYLOAD_MIN:
            exp.discards["unknown_type"] += 1
        elif len(payload) < PAYLOAD_MIN[msg_type]:
            exp.discards["malformed"] += 1
        elif msg_type == 0x02:
            exp.payloads.append(payload[:23])
            exp.seqs.append(seq)
        else:
            exp.others.append((msg_type, seq))
    return exp


def corrupted_stream(n: int, seed: int) -> bytes:
    """n telemetry frames, an event every 997 frames, and ~1.2 % of frames damaged."""
    rng = np.random.default_rng(seed)
    rows = np.zeros(n, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = (np.arange(n, dtype=np.int64) * 500 + 2**32 - 10**8) & 0xFFFFFFFF
    rows["strokes"] = (np.arange(n, dtype=np.int64) // 20 + 2**32 - 5000) & 0xFFFFFFFF
    rows["depth_meas_um"] = rng.integers(0, 3000, n)
    rows["force_mn"] = rng.integers(0, 1000, n)
    rows["temp_dc"] = rng.integers(-300, 600, n)
    rows["status"] = 0x47
    frames = codec.encode_telemetry(rows, 0).split(b"\x00")[:-1]
    assert len(frames) == n and all(len(f) == 29 for f in frames)
    damaged = rng.random(n) < 0.012
    kinds = rng.integers(0, 13, n)
    positions = rng.integers(0, 1 << 30, n)
    out: list[bytes] = []
    extra_seq = 0x7000  # seqs of inserted frames: far from the stream's, counted as restarts
    for i, f in enumerate(frames):
        if i % 997 == 500:
            out.append(codec.encode_event(i, i * 500, 1, i)[:-1])
        if not damaged[i]:
            out.append(f)
            continue
        kind, pos = int(kinds[i]), int(positions[i])
        if kind == 0:  # one bit flipped anywhere (a 0x00 may appear)
            b = pos % len(f)
            out.append(f[:b] + bytes([f[b] ^ (1 << (pos >> 8) % 8)]) + f[b + 1 :])
        elif kind == 1:  # truncated
            out.append(f[: pos % len(f)])
        elif kind == 2:  # a stray zero inside
            b = 1 + pos % (len(f) - 1)
            out.append(f[:b] + b"\x00" + f[b:])
        elif kind == 3:  # dropped: a seq gap
            continue
        elif kind == 4:  # sent twice: a duplicate
            out += [f, f]
        elif kind == 5:  # merged with the next frame: its delimiter lost
            out.append(f + b"\x05")
        elif kind == 6:  # garbage after the frame, zeros included
            out += [f, rng.integers(0, 256, 1 + pos % 40, dtype=np.uint8).tobytes()]
        elif kind == 7:  # a long run without delimiter swallowing the frame
            out.append(b"\x07" * (300 + pos % 600) + f)
        elif kind == 8:  # a valid frame of a type the console does not know
            out += [f, codec.encode_frame(0x70, extra_seq, b"new")[:-1]]
        elif kind == 9:  # a valid telemetry frame with a short payload
            out += [f, codec.encode_frame(0x02, extra_seq, bytes(range(1, 20)))[:-1]]
        elif kind == 10:  # two bits flipped in one byte, never a new delimiter
            b = 1 + pos % (len(f) - 1)
            flipped = f[b] ^ 0x11
            out.append(f[:b] + bytes([flipped or 0x11]) + f[b + 1 :])
        elif kind == 11:  # a scrap of valid COBS, 0..4 bytes decoded
            out += [f, cobs.encode(cobs.decode(f)[: pos % 5])]
        else:  # an INFO with a short payload and an ACK: malformed, then delivered
            out += [
                f,
                codec.encode_frame(0x01, extra_seq, b"\x01\x00")[:-1],
                codec.encode_ack(extra_seq, 1, 0, 7)[:-1],
            ]
    return b"\x00".join(out) + b"\x00"


def test_one_million_frames_with_injected_corruption_counts_exactly() -> None:
    n = 1_000_000
    stream = corrupted_stream(n, seed=20261125)
    exp = simple_decode(stream)
    for chunking in ("4 KiB", "random 1 B .. 64 KiB"):
        d = codec.StreamDecoder()
        out: list = []
        if chunking == "4 KiB":
            for start in range(0, len(stream), 4096):
                out += d.feed(stream[start : start + 4096])
        else:
            sizes = np.random.default_rng(5).integers(1, 65537, len(stream) // 1000)
            sizes[::3] = np.random.default_rng(6).integers(1, 40, len(sizes[::3]))
            start = 0
            for size in sizes.tolist():
                out += d.feed(stream[start : start + size])
                start += size
                if start >= len(stream):
                    break
            out += d.feed(stream[start:])
        got = Counter({k.value: v for k, v in d.stats.discards.items() if v})
        assert got == exp.discards, chunking
        batch = TelemetryBatch.concat([m for m in out if isinstance(m, TelemetryBatch)])
        want = np.frombuffer(b"".join(exp.payloads), TELEMETRY_WIRE_DTYPE)
        assert len(batch) == len(want), chunking
        assert batch.seq.tolist() == exp.seqs
        for name in TELEMETRY_WIRE_DTYPE.names:
            column = batch.column(name)
            if name in ("t_us", "strokes"):
                column = column & 0xFFFFFFFF
            assert np.array_equal(column, want[name]), (chunking, name)
        # unwrapped: the first value as sent, then forward steps mod 2^32
        steps = np.diff(want["t_us"].astype(np.int64)) % 2**32
        assert np.array_equal(np.diff(batch.t_us), steps) and batch.t_us[0] == want["t_us"][0]
        others = [(TYPE_OF[type(m)], m.seq) for m in out if type(m) in TYPE_OF]
        assert others == exp.others, chunking
        assert sum(isinstance(m, SeqGap) for m in out) == exp.gaps
        assert (d.stats.seq_gaps, d.stats.frames_lost) == (exp.gaps, exp.lost), chunking
        assert sum(m.frames_lost for m in out if isinstance(m, SeqGap)) == exp.lost
        assert d.stats.frames == len(exp.seqs) + len(exp.others)
    # the corruption really exercised every reason and the seq rule
    for reason in ("cobs", "crc", "too_short", "too_long", "malformed", "unknown_type"):
        assert exp.discards[reason] >= 100, (reason, exp.discards)
    assert exp.gaps >= 500 and len(exp.seqs) > 0.98 * n
