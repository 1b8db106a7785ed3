"""The codec: golden vectors built by hand, round trips, splits, garbage, and one million
frames with injected corruption whose discard counts must come out exact."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers import codec
from drivers.messages import (
    TELEMETRY_WIRE_DTYPE,
    Ack,
    AckResult,
    Command,
    DiscardReason,
    Event,
    EventCode,
    Info,
    SeqGap,
    TelemetryBatch,
)

# ------------------------------------------------------------ independent helpers


def crc_ccitt_false(data: bytes) -> int:
    """Bit by bit, from the spec's definition (poly 0x1021, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def cobs_by_hand(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block.clear()
        else:
            block.append(b)
            if len(block) == 254:
                out += b"\xff" + block
                block.clear()
    return bytes(out + bytes([len(block) + 1]) + block)


def cobs_decode_by_hand(data: bytes) -> bytes | None:
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            return None  # a code byte pointing past the end of the frame
        out += data[i + 1 : i + code]
        i += code
        if code < 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def frame_by_hand(msg_type: int, seq: int, payload: bytes) -> bytes:
    body = bytes([msg_type, seq & 0xFF, seq >> 8]) + payload
    crc = crc_ccitt_false(body)
    return cobs_by_hand(body + bytes([crc & 0xFF, crc >> 8])) + b"\x00"


# ------------------------------------------------------------ golden vectors


def test_crc_check_value_and_binascii_agree() -> None:
    assert crc_ccitt_false(b"123456789") == 0x29B1
    assert codec.crc16(b"123456789") == 0x29B1


def test_spec_ping_example() -> None:
    # body 82 07 00; CRC-16/CCITT-FALSE = 0x0031 -> "31 00"; COBS over 82 07 00 31 00
    assert crc_ccitt_false(bytes([0x82, 0x07, 0x00])) == 0x0031
    expected = bytes([0x03, 0x82, 0x07, 0x02, 0x31, 0x01, 0x00])
    assert codec.encode_command(Command.ping(), 7) == expected
    assert frame_by_hand(0x82, 7, b"") == expected


INFO_PAYLOAD = (
    bytes([1, 0, 2, 3, 1])
    + b"SN-00042".ljust(16, b"\0")
    + b"MicroPen X".ljust(16, b"\0")
    + struct.pack("<HHHHHHH", 250, 2500, 50, 200, 1200, 500, 2000)
    + bytes([12, 32])
)


@pytest.mark.parametrize(
    ("msg_type", "seq", "payload", "encoded"),
    [
        (
            0x01,
            1,
            INFO_PAYLOAD,
            lambda: codec.encode_info(
                Info(
                    0,
                    1,
                    0,
                    2,
                    3,
                    1,
                    "SN-00042",
                    "MicroPen X",
                    250,
                    2500,
                    50,
                    200,
                    1200,
                    500,
                    2000,
                    12,
                    32,
                ),
                1,
            ),
        ),
        (
            0x02,
            2,
            struct.pack("<IHHHIHHBhH", 123456, 500, 488, 800, 99, 210, 450, 87, 312, 0b1000111),
            lambda: codec.encode_telemetry(
                np.array(
                    [(123456, 500, 488, 800, 99, 210, 450, 87, 312, 0b1000111)],
                    TELEMETRY_WIRE_DTYPE,
                ),
                2,
            ),
        ),
        (
            0x03,
            3,
            struct.pack("<IBI", 777, 0x30, 2000),
            lambda: codec.encode_event(3, 777, 0x30, 2000),
        ),
        (0x04, 4, struct.pack("<HBi", 9, 0, 1250), lambda: codec.encode_ack(4, 9, 0, 1250)),
        (0x81, 5, bytes([1, 0]), lambda: codec.encode_command(Command.hello(), 5)),
        (0x82, 6, b"", lambda: codec.encode_command(Command.ping(), 6)),
        (
            0x83,
            7,
            struct.pack("<H", 1250),
            lambda: codec.encode_command(Command.set_depth(1250), 7),
        ),
        (0x84, 8, struct.pack("<H", 800), lambda: codec.encode_command(Command.set_rate(800), 8)),
        (0x85, 9, bytes([1]), lambda: codec.encode_command(Command.motor(True), 9)),
        (
            0x86,
            10,
            struct.pack("<H", 300),
            lambda: codec.encode_command(Command.set_depth_limit(300), 10),
        ),
        (
            0x87,
            11,
            struct.pack("<H", 2000),
            lambda: codec.encode_command(Command.set_telemetry_rate(2000), 11),
        ),
        (0x88, 12, b"", lambda: codec.encode_command(Command.get_info(), 12)),
        (0x89, 13, b"", lambda: codec.encode_command(Command.clear_fault(), 13)),
    ],
    ids=lambda v: f"{v:#04x}" if isinstance(v, int) and v > 13 else None,
)
def test_one_frame_of_every_type_matches_the_hand_built_bytes(msg_type, seq, payload, encoded):
    assert encoded() == frame_by_hand(msg_type, seq, payload)


def test_pen_messages_decode_to_typed_objects() -> None:
    d = codec.StreamDecoder()
    wire = (
        frame_by_hand(0x01, 0, INFO_PAYLOAD)
        + frame_by_hand(0x03, 1, struct.pack("<IBI", 777, 0x30, 2000))
        + frame_by_hand(0x04, 2, struct.pack("<HBi", 9, 1, -5))
    )
    info, event, ack = d.feed(wire)
    assert isinstance(info, Info) and info.serial == "SN-00042" and info.firmware == "2.3.1"
    assert info.rate_max_hz == 120.0 and (info.needles, info.gauge) == (12, 32)
    assert isinstance(event, Event) and event.code is EventCode.DEPTH_CLAMPED and event.arg == 2000
    assert isinstance(ack, Ack) and ack.result is AckResult.BAD_ARGUMENT and ack.value == -5


def test_longer_payloads_are_accepted_shorter_are_malformed_unknown_types_counted() -> None:
    d = codec.StreamDecoder()
    longer = frame_by_hand(0x03, 0, struct.pack("<IBI", 5, 0x01, 3) + b"future bytes")
    shorter = frame_by_hand(0x03, 1, b"\x01\x02")
    unknown = frame_by_hand(0x7E, 2, b"hello")
    out = d.feed(longer + shorter + unknown)
    assert len(out) == 1 and out[0].arg == 3
    assert d.stats.discards[DiscardReason.MALFORMED] == 1
    assert d.stats.discards[DiscardReason.UNKNOWN_TYPE] == 1


def test_too_short_and_too_long_frames() -> None:
    d = codec.StreamDecoder()
    d.feed(cobs_by_hand(b"\x02\x01") + b"\x00")
    d.feed(frame_by_hand(0x03, 0, b"x" * 400))
    d.feed(b"\x05" * 5000 + b"\x00")  # no delimiter for 5 kB: dropped, not buffered
    assert d.stats.discards[DiscardReason.TOO_SHORT] == 1
    assert d.stats.discards[DiscardReason.TOO_LONG] == 2
    assert d.feed(frame_by_hand(0x04, 1, struct.pack("<HBi", 1, 0, 0)))  # still in sync


# ------------------------------------------------------------ properties

rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 2**32 - 1),
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 2**32 - 1),
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 255),
        st.integers(-32768, 32767),
        st.integers(0, 65535),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows_strategy, st.integers(0, 65535))
def test_round_trip(rows, first_seq) -> None:
    wire_rows = np.array(rows, TELEMETRY_WIRE_DTYPE)
    out = codec.StreamDecoder().feed(codec.encode_telemetry(wire_rows, first_seq))
    batches = [m for m in out if isinstance(m, TelemetryBatch)]
    batch = TelemetryBatch.concat(batches)
    for name in (
        "depth_set_um",
        "depth_meas_um",
        "rate_dhz",
        "motor_ma",
        "force_mn",
        "battery_pct",
        "temp_dc",
        "status",
    ):
        assert np.array_equal(batch.column(name), wire_rows[name])
    assert np.array_equal(batch.seq, (first_seq + np.arange(len(rows))) & 0xFFFF)
    assert np.array_equal(batch.t_us & 0xFFFFFFFF, wire_rows["t_us"])


@settings(max_examples=25, deadline=None)
@given(rows_strategy)
def test_split_at_every_byte_boundary_decodes_the_same(rows) -> None:
    wire = codec.encode_telemetry(np.array(rows, TELEMETRY_WIRE_DTYPE), 100) + codec.encode_event(
        100 + len(rows), 5, 1, 3
    )
    whole = codec.StreamDecoder().feed(wire)
    for cut in range(len(wire) + 1):
        d = codec.StreamDecoder()
        parts = d.feed(wire[:cut]) + d.feed(wire[cut:])
        samples = [m for m in parts if isinstance(m, TelemetryBatch)]
        assert sum(len(b) for b in samples) == len(rows)
        assert [type(m) for m in parts if not isinstance(m, TelemetryBatch)] == [Event]
        assert d.stats.frames == len(rows) + 1 and d.stats.discarded_total == 0
    assert sum(len(m) for m in whole if isinstance(m, TelemetryBatch)) == len(rows)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600), st.integers(1, 64))
def test_garbage_never_raises_and_the_decoder_resyncs(garbage, chunk) -> None:
    d = codec.StreamDecoder()
    wire = garbage + b"\x00" + codec.encode_ack(9, 1, 0, 42)
    out = []
    for i in range(0, len(wire), chunk):
        out += d.feed(wire[i : i + chunk])
    acks = [m for m in out if isinstance(m, Ack) and m.value == 42]
    assert len(acks) == 1


def test_chunks_of_one_byte_and_of_64_kib() -> None:
    rows = np.zeros(3000, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = np.arange(3000) * 500
    wire = codec.encode_telemetry(rows, 0)
    for size in (1, 65536):
        d = codec.StreamDecoder()
        n = 0
        for i in range(0, len(wire), size):
            n += sum(len(m) for m in d.feed(wire[i : i + size]) if isinstance(m, TelemetryBatch))
        assert n == 3000 and d.stats.discarded_total == 0


def test_wraps_unwrap_and_seq_wrap_is_not_a_gap() -> None:
    rows = np.zeros(6, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = [2**32 - 1000, 2**32 - 500, 0, 500, 1000, 1500]
    rows["strokes"] = [2**32 - 2, 2**32 - 1, 0, 1, 2, 3]
    d = codec.StreamDecoder()
    batch = TelemetryBatch.concat(
        [m for m in d.feed(codec.encode_telemetry(rows, 65533)) if isinstance(m, TelemetryBatch)]
    )
    assert np.all(np.diff(batch.t_us) == 500) and batch.t_us[-1] == 2**32 + 1500
    assert np.all(np.diff(batch.strokes) == 1)
    assert d.stats.seq_gaps == 0


def test_seq_gap_is_published_in_stream_order() -> None:
    rows = np.zeros(4, TELEMETRY_WIRE_DTYPE)
    wire = codec.encode_telemetry(rows[:2], 10) + codec.encode_telemetry(rows[2:], 15)
    out = codec.StreamDecoder().feed(wire)
    assert [type(m) for m in out] == [TelemetryBatch, SeqGap, TelemetryBatch]
    assert out[1].frames_lost == 3 and (out[1].seq_before, out[1].seq_after) == (11, 15)


# ------------------------------------------------------------ one million frames


def _oracle(piece: bytes) -> str | None:
    """What a receiver must make of one delimited piece: None = delivered, else the reason."""
    if not piece:
        return "empty"
    decoded = cobs_decode_by_hand(piece)
    if decoded is None:
        return DiscardReason.COBS.value
    if len(decoded) < 5:
        return DiscardReason.TOO_SHORT.value
    if len(decoded) > 300:
        return DiscardReason.TOO_LONG.value
    if crc_ccitt_false(decoded[:-2]) != decoded[-2] | decoded[-1] << 8:
        return DiscardReason.CRC.value
    if decoded[0] == 0x02 and len(decoded) - 5 < 23:
        return DiscardReason.MALFORMED.value
    return None


def test_one_million_frames_with_injected_corruption_counts_exactly() -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    rows = np.zeros(n, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = np.arange(n) * 500
    rows["depth_meas_um"] = rng.integers(0, 3000, n)
    rows["strokes"] = np.arange(n) // 20
    rows["status"] = 0x47
    wire = codec.encode_telemetry(rows, 0)
    frames = wire.split(b"\x00")[:-1]
    assert len(frames) == n
    bad = set(rng.choice(n, 10_000, replace=False).tolist())
    expected: dict[str, int] = {}
    lost_flags = np.zeros(n, bool)
    out = bytearray()
    for i, f in enumerate(frames):
        if i not in bad:
            out += f + b"\x00"
            continue
        kind = i % 3
        if kind == 0:  # a bit flip that does not create a delimiter
            pos = 1 + (i * 7) % (len(f) - 1)
            flipped = f[pos] ^ (1 << (i % 8))
            damaged = f[:pos] + bytes([flipped or 0x80]) + f[pos + 1 :]
            pieces = [damaged]
        elif kind == 1:  # truncation
            pieces = [f[: len(f) - 1 - i % 4]]
        else:  # a stray zero in the middle
            cut = 2 + i % (len(f) - 3)
            pieces = [f[:cut], f[cut:]]
        for p in pieces:
            reason = _oracle(p)
            if reason is None:
                raise AssertionError("corruption made a valid frame: pick another pattern")
            expected[reason] = expected.get(reason, 0) + 1
            out += p + b"\x00"
        lost_flags[i] = True
    expected.pop("empty", None)
    d = codec.StreamDecoder()
    delivered = 0
    data = bytes(out)
    for start in range(0, len(data), 4096):
        delivered += sum(
            len(m) for m in d.feed(data[start : start + 4096]) if isinstance(m, TelemetryBatch)
        )
    assert delivered == n - len(bad)
    assert {k.value: v for k, v in d.stats.discards.items() if v} == expected
    runs = int(np.sum(lost_flags[1:] & ~lost_flags[:-1]) + lost_flags[0])
    assert d.stats.seq_gaps == runs
    assert d.stats.frames_lost == len(bad)
