"""The codec: golden vectors built by hand, and the decoder's documented rules one by one.

Property tests live in test_codec_properties.py and the one-million-frame corruption
test in test_codec_million.py; both import the independent helpers defined here.

Most rule tests run twice: "bulk" feeds everything at once (more than 16 frames per chunk:
the numpy path) and "few" feeds one frame per chunk (the per-frame path)."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from cobs import cobs

from drivers import codec
from drivers.counters import SEQ_LATE_WINDOW
from drivers.messages import (
    TELEMETRY_COLUMNS,
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
    seq &= 0xFFFF
    body = bytes([msg_type, seq & 0xFF, seq >> 8]) + payload
    crc = crc_ccitt_false(body)
    return cobs_by_hand(body + bytes([crc & 0xFF, crc >> 8])) + b"\x00"


def telemetry_rows(n: int, t0_us: int = 0, strokes0: int = 0) -> np.ndarray:
    rows = np.zeros(n, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = (t0_us + np.arange(n, dtype=np.int64) * 500) & 0xFFFFFFFF
    rows["strokes"] = (strokes0 + np.arange(n, dtype=np.int64)) & 0xFFFFFFFF
    rows["depth_set_um"] = 500
    rows["depth_meas_um"] = 480 + np.arange(n) % 40
    rows["status"] = 0x47
    return rows


def feed_all(wire: bytes, chunk: int = 0, decoder: codec.StreamDecoder | None = None) -> list:
    """Decode a stream in chunks of `chunk` bytes (0: all at once)."""
    d = decoder or codec.StreamDecoder()
    if not chunk:
        return d.feed(wire)
    out: list = []
    for i in range(0, len(wire), chunk):
        out += d.feed(wire[i : i + chunk])
    return out


def feed_per_frame(wire: bytes, decoder: codec.StreamDecoder) -> list:
    """One frame per chunk: the decoder's per-frame path."""
    out: list = []
    pieces = wire.split(b"\x00")
    for piece in pieces[:-1]:
        out += decoder.feed(piece + b"\x00")
    return out + decoder.feed(pieces[-1])  # an unfinished frame, if any


def feed_mode(mode: str, wire: bytes, decoder: codec.StreamDecoder) -> list:
    return decoder.feed(wire) if mode == "bulk" else feed_per_frame(wire, decoder)


def merged(messages: list) -> list:
    """Messages with adjacent telemetry batches merged (chunking may split a batch) and
    batches turned into comparable tuples of column lists."""
    out: list = []
    for m in messages:
        if isinstance(m, TelemetryBatch) and out and isinstance(out[-1], TelemetryBatch):
            out[-1] = TelemetryBatch.concat([out[-1], m])
        else:
            out.append(m)
    return [
        tuple((k, v.tolist()) for k, v in m.columns().items())
        if isinstance(m, TelemetryBatch)
        else m
        for m in out
    ]


def samples(messages: list) -> TelemetryBatch:
    return TelemetryBatch.concat([m for m in messages if isinstance(m, TelemetryBatch)])


# ------------------------------------------------------------ golden vectors


def test_crc_check_value_and_binascii_agree() -> None:
    assert crc_ccitt_false(b"123456789") == 0x29B1
    assert codec.crc16(b"123456789") == 0x29B1


def test_spec_ping_example() -> None:
    # body = type 82, seq 7 little-endian (07 00)
    body = bytes([0x82, 0x07, 0x00])
    # CRC-16/CCITT-FALSE(82 07 00) = 0x0031, appended little-endian: 31 00
    assert crc_ccitt_false(body) == 0x0031
    decoded = body + bytes([0x31, 0x00])  # 82 07 00 31 00
    # COBS: zeros at index 2 and 4 become code bytes; groups "82 07" (code 03),
    # "31" (code 02) and the empty tail after the last zero (code 01); then the delimiter.
    expected = bytes([0x03, 0x82, 0x07, 0x02, 0x31, 0x01, 0x00])
    assert cobs_by_hand(decoded) + b"\x00" == expected
    assert codec.encode_command(Command.ping(), 7) == expected
    assert frame_by_hand(0x82, 7, b"") == expected
    (frame,) = codec.HostStreamDecoder().feed(expected)
    assert (frame.seq, frame.type, frame.payload) == (7, MsgType.PING, b"")


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
        + frame_by_hand(0x03, 3, struct.pack("<IBI", 778, 0x7F, 1))
        + frame_by_hand(0x04, 4, struct.pack("<HBi", 10, 9, 0))
    )
    info, event, ack, odd_event, odd_ack = d.feed(wire)
    assert isinstance(info, Info) and info.serial == "SN-00042" and info.firmware == "2.3.1"
    assert info.model == "MicroPen X" and info.depth_step_um == 50
    assert info.rate_max_hz == 120.0 and (info.needles, info.gauge) == (12, 32)
    assert isinstance(event, Event) and event.code is EventCode.DEPTH_CLAMPED and event.arg == 2000
    assert isinstance(ack, Ack) and ack.result is AckResult.BAD_ARGUMENT and ack.value == -5
    # codes and results this console does not know stay ints, not errors
    assert odd_event.code == 0x7F and not isinstance(odd_event.code, EventCode)
    assert odd_ack.result == 9 and not isinstance(odd_ack.result, AckResult)
    assert d.stats.frames == 5 and d.stats.discarded_total == 0


@pytest.mark.parametrize("mode", ["bulk", "few"])
def test_longer_payloads_accepted_shorter_malformed_unknown_types_counted(mode) -> None:
    rows = telemetry_rows(12)
    payload = rows.tobytes()
    wire = b"".join(
        [
            codec.encode_telemetry(rows[:6], 0),
            frame_by_hand(0x03, 6, struct.pack("<IBI", 5, 0x01, 3) + b"future bytes"),
            frame_by_hand(0x03, 7, b"\x01\x02"),  # event too short
            frame_by_hand(0x7E, 8, b"hello"),  # unknown type
            frame_by_hand(0x82, 9, b""),  # a host type, not for the console
            frame_by_hand(0x02, 10, payload[23 * 6 : 23 * 7] + b"more"),  # longer telemetry
            frame_by_hand(0x02, 11, payload[23 * 7 : 23 * 7 + 22]),  # one byte short
            frame_by_hand(0x04, 12, struct.pack("<HB", 1, 0)),  # ack too short
            codec.encode_telemetry(rows[8:], 13),
        ]
    )
    d = codec.StreamDecoder()
    out = feed_mode(mode, wire, d)
    events = [m for m in out if isinstance(m, Event)]
    assert len(events) == 1 and events[0].arg == 3 and events[0].code is EventCode.BUTTON_SHORT
    got = samples(out)
    assert got.seq.tolist() == [0, 1, 2, 3, 4, 5, 10, 13, 14, 15, 16]
    assert (
        got.depth_meas_um.tolist()
        == rows["depth_meas_um"][[0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]].tolist()
    )
    assert d.stats.discards == {
        DiscardReason.MALFORMED: 3,
        DiscardReason.UNKNOWN_TYPE: 2,
    }
    # received frames of any type are not lost frames
    assert d.stats.seq_gaps == 0 and d.stats.frames == 12
    assert not any(isinstance(m, SeqGap) for m in out)


@pytest.mark.parametrize("extra", [0, 20])  # 16 frames: per-frame path; 36: bulk path
def test_batches_split_at_other_frames_not_at_malformed_telemetry(extra) -> None:
    rows = telemetry_rows(14 + extra)
    wire = b"".join(
        [
            codec.encode_telemetry(rows[:5], 0),
            frame_by_hand(0x02, 5, b"\x01" * 10),  # malformed telemetry: no split
            codec.encode_telemetry(rows[5:10], 6),
            frame_by_hand(0x70, 11, b""),  # unknown type: a split, though no message
            codec.encode_telemetry(rows[10:], 12),
        ]
    )
    d = codec.StreamDecoder()
    out = d.feed(wire)
    assert [len(m) for m in out] == [10, 4 + extra]
    assert d.stats.discards == {DiscardReason.MALFORMED: 1, DiscardReason.UNKNOWN_TYPE: 1}


def test_a_stream_of_longer_telemetry_frames_all_the_same_length() -> None:
    """A later minor version's longer telemetry: every frame longer, none lost."""
    rows = telemetry_rows(50)
    raw = rows.tobytes()
    wire = b"".join(
        frame_by_hand(0x02, i, raw[i * 23 : (i + 1) * 23] + b"\x07\x00\x09") for i in range(50)
    )
    d = codec.StreamDecoder()
    got = samples(d.feed(wire))
    assert got.t_us.tolist() == rows["t_us"].tolist()
    assert got.status.tolist() == rows["status"].tolist()
    assert d.stats.frames == 50 and d.stats.discarded_total == 0


def test_too_short_and_too_long_frames() -> None:
    d = codec.StreamDecoder()
    d.feed(cobs_by_hand(b"\x02\x01") + b"\x00")
    d.feed(frame_by_hand(0x03, 0, b"x" * 296))  # decodes to 301 bytes
    d.feed(b"\x05" * 5000 + b"\x00")  # no delimiter for 5 kB: one too_long
    assert d.stats.discards == {DiscardReason.TOO_SHORT: 1, DiscardReason.TOO_LONG: 2}
    assert d.feed(frame_by_hand(0x04, 1, struct.pack("<HBi", 1, 0, 0)))  # still in sync


def test_the_longest_valid_frame_is_accepted() -> None:
    payload = bytes(range(1, 255)) + b"\x01" * 41  # 295 + 5 = 300 bytes decoded, 0xFF code
    wire = frame_by_hand(0x03, 0, struct.pack("<IBI", 1, 1, 2) + payload[9:])
    assert len(wire) == 303  # 302 encoded + delimiter: the longest a frame can be
    for chunk in (0, 1, 7):
        d = codec.StreamDecoder()
        assert [type(m) for m in feed_all(wire, chunk, d)] == [Event]


def test_an_endless_run_without_delimiter_is_one_discard_and_is_not_buffered() -> None:
    d = codec.StreamDecoder()
    for _ in range(256):  # 1 MiB without a 0x00, in 4 KiB chunks
        assert d.feed(b"\x11" * 4096) == []
        assert len(d._splitter._pending) <= 302  # bounded: no unbounded buffering
    assert d.stats.discards == {DiscardReason.TOO_LONG: 1}
    out = d.feed(b"\x11\x00" + codec.encode_event(0, 1, 1, 0))
    assert [type(m) for m in out] == [Event]  # the run's end is dropped, then in sync
    assert d.stats.discards == {DiscardReason.TOO_LONG: 1}


def test_back_to_back_delimiters_are_not_frames() -> None:
    d = codec.StreamDecoder()
    wire = b"\x00" * 10 + codec.encode_telemetry(telemetry_rows(10), 0).replace(
        b"\x00", b"\x00\x00\x00"
    )
    assert len(samples(d.feed(wire))) == 10
    assert d.stats.discarded_total == 0


@pytest.mark.parametrize("mode", ["bulk", "few"])
def test_wraps_of_t_us_strokes_and_seq_across_feeds(mode) -> None:
    rows = telemetry_rows(40, t0_us=2**32 - 500 * 20, strokes0=2**32 - 7)
    wire = codec.encode_telemetry(rows, 65536 - 13)
    d = codec.StreamDecoder()
    # two feeds, cut mid-frame and across all three wraps
    cut = len(wire) // 3 + 5
    out = feed_mode(mode, wire[:cut], d) + feed_mode(mode, wire[cut:], d)
    got = samples(out)
    assert got.t_us.tolist() == (2**32 - 500 * 20 + np.arange(40) * 500).tolist()
    assert got.strokes.tolist() == (2**32 - 7 + np.arange(40)).tolist()
    assert got.seq.tolist() == ((65536 - 13 + np.arange(40)) & 0xFFFF).tolist()
    assert d.stats.seq_gaps == 0 and d.stats.frames == 40


def test_unwrapping_continues_over_many_wraps_in_small_steps() -> None:
    # 3 wraps of t_us in steps of 2^31 - 1: each step is still forward
    step = 2**31 - 1
    rows = telemetry_rows(7)
    rows["t_us"] = (np.arange(7, dtype=np.int64) * step) & 0xFFFFFFFF
    got = samples(feed_all(codec.encode_telemetry(rows, 0), 30))
    assert got.t_us.tolist() == (np.arange(7) * step).tolist()


@pytest.mark.parametrize("mode", ["bulk", "few"])
def test_seq_rule_gap_duplicate_late_and_restart(mode) -> None:
    seqs = [*range(80, 100), 100, 101, 105, 105, 103, 106, 107, 20, 21, 24, 25]
    #                                 gap of 3 ^  dup ^  late ^          ^ restart  ^ gap of 2
    rows = telemetry_rows(len(seqs))
    wire = b"".join(codec.encode_telemetry(rows[i : i + 1], s) for i, s in enumerate(seqs))
    d = codec.StreamDecoder()
    out = feed_mode(mode, wire, d)
    gaps = [m for m in out if isinstance(m, SeqGap)]
    assert [(g.frames_lost, g.seq_before, g.seq_after) for g in gaps] == [
        (3, 101, 105),
        (2, 21, 24),
    ]
    assert gaps[0].t_us_before == 21 * 500  # the sample of seq 101
    assert d.stats.seq_gaps == 2 and d.stats.frames_lost == 5
    assert samples(out).seq.tolist() == seqs  # everything received is delivered, in order
    kinds = [type(m).__name__ for m in out]
    assert kinds == ["TelemetryBatch", "SeqGap", "TelemetryBatch", "SeqGap", "TelemetryBatch"] or (
        mode == "few" and kinds.count("SeqGap") == 2
    )


def test_late_window_edge() -> None:
    d = codec.StreamDecoder()
    rows = telemetry_rows(1)
    late = 1000 - SEQ_LATE_WINDOW
    gone = late - 1
    for seq in (1000, late, 1001, gone, gone + 1):
        d.feed(codec.encode_telemetry(rows, seq))
    # `late` is a late frame (1001 follows without a gap); `gone` is a restart
    assert d.stats.seq_gaps == 0


def test_forward_jump_counts_as_loss_and_reset_sequence_forgets() -> None:
    d = codec.StreamDecoder()
    rows = telemetry_rows(1)
    d.feed(codec.encode_telemetry(rows, 10))
    d.feed(codec.encode_telemetry(rows, 10 + 32767))
    assert (d.stats.seq_gaps, d.stats.frames_lost) == (1, 32766)
    d.reset_sequence()
    d.feed(codec.encode_telemetry(rows, 5))
    assert (d.stats.seq_gaps, d.stats.frames_lost) == (1, 32766)


@pytest.mark.parametrize("mode", ["bulk", "few"])
def test_stream_order_batches_split_by_events_and_event_clock(mode) -> None:
    rows = telemetry_rows(20, t0_us=2**32 - 500 * 10)
    wire = (
        codec.encode_event(0, 12345, EventCode.BUTTON_SHORT, 0)  # before any sample: raw clock
        + codec.encode_telemetry(rows[:10], 1)
        + codec.encode_event(11, 250, EventCode.BUTTON_LONG, 3)  # just after the wrap
        + codec.encode_telemetry(rows[10:], 12)
        + codec.encode_event(22, 2**32 - 100, EventCode.FAULT_RAISED, 1)  # before the wrap
    )
    out = feed_mode(mode, wire, codec.StreamDecoder())
    shape = [type(m).__name__ for m in merged(out)]
    assert shape == ["Event", "tuple", "Event", "tuple", "Event"]
    first, second, third = (m for m in out if isinstance(m, Event))
    assert first.t_us == 12345
    assert second.t_us == 2**32 + 250 and second.t_us_raw == 250
    assert third.t_us == 2**32 - 100  # behind the last sample, not a wrap ahead
    got = samples(out)
    assert np.all(np.diff(got.t_us) == 500) and got.t_us[-1] == 2**32 + 500 * 9


@pytest.mark.parametrize("mode", ["bulk", "few"])
def test_batch_columns_have_the_documented_dtypes_and_are_writable(mode) -> None:
    out = feed_mode(mode, codec.encode_telemetry(telemetry_rows(30), 0), codec.StreamDecoder())
    for batch in (m for m in out if isinstance(m, TelemetryBatch)):
        for name, dtype in TELEMETRY_COLUMNS.items():
            column = batch.column(name)
            assert column.dtype == dtype, name
            assert column.flags.writeable, name
        assert len({len(c) for c in batch.columns().values()}) == 1


def test_received_ns_is_carried() -> None:
    out = codec.StreamDecoder().feed(codec.encode_telemetry(telemetry_rows(30), 0), 123)
    assert [m.received_ns for m in out] == [123]


def test_host_decoder_every_command_and_unknown_types() -> None:
    commands = [
        Command.hello(),
        Command.ping(),
        Command.set_depth(1250),
        Command.set_rate(800),
        Command.motor(True),
        Command.set_depth_limit(300),
        Command.set_telemetry_rate(2000),
        Command.get_info(),
        Command.clear_fault(),
    ]
    wire = b"".join(codec.encode_command(c, i) for i, c in enumerate(commands))
    wire += (
        frame_by_hand(0x9A, 9, b"?")
        + b"\x03\x01\x00"  # the code byte promises two more bytes: bad COBS
        + cobs_by_hand(b"\x82\x0a\x00")
        + b"\x00"  # 3 bytes decoded: too short
    )
    for chunk in (0, 1, 5):
        d = codec.HostStreamDecoder()
        out = []
        for i in range(0, len(wire), chunk or len(wire)):
            out += d.feed(wire[i : i + (chunk or len(wire))])
        assert out[:9] == [HostFrame(i, c.type, c.payload) for i, c in enumerate(commands)]
        assert out[9] == HostFrame(9, 0x9A, b"?") and not isinstance(out[9].type, MsgType)
        assert len(out) == 10 and d.stats.frames == 10
        assert d.stats.discards == {DiscardReason.COBS: 1, DiscardReason.TOO_SHORT: 1}


def test_stats_as_dict() -> None:
    d = codec.StreamDecoder()
    d.feed(b"\x05\x00" + codec.encode_telemetry(telemetry_rows(2), 0))
    assert d.stats.as_dict() == {
        "frames": 2,
        "discarded": {
            "cobs": 1,
            "crc": 0,
            "too_short": 0,
            "too_long": 0,
            "malformed": 0,
            "unknown_type": 0,
            "total": 1,
        },
        "seq_gaps": 0,
        "frames_lost": 0,
    }


def test_encoders_agree_with_the_cobs_package_for_long_frames() -> None:
    payload = bytes(range(256)) * 1  # zeros and a run long enough for a 0xFF code
    wire = codec.encode_frame(0x7E, 3, payload[:290])
    body = bytes([0x7E, 3, 0]) + payload[:290]
    crc = crc_ccitt_false(body)
    assert wire == cobs.encode(body + bytes([crc & 0xFF, crc >> 8])) + b"\x00"
    assert wire == frame_by_hand(0x7E, 3, payload[:290])
