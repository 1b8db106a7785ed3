"""Property tests of the codec (hypothesis): the vectorised pieces agree with the plain
ones, round trips hold, and how a stream is cut never changes what comes out."""

from __future__ import annotations

import binascii
import struct

import numpy as np
from cobs import cobs
from hypothesis import given, settings
from hypothesis import strategies as st
from test_codec import INFO_PAYLOAD, crc_ccitt_false, frame_by_hand, merged, samples
from test_codec_million import TYPE_OF, simple_decode

from drivers import codec
from drivers.counters import SeqTracker
from drivers.framing import crc16_rows
from drivers.messages import TELEMETRY_WIRE_DTYPE, Ack, Event, Info, TelemetryBatch

# ------------------------------------------------------------ vectorised == plain


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 300), st.integers(0, 12), st.integers(0, 2**32 - 1))
def test_table_crc_agrees_with_crc_hqx(width, n, seed) -> None:
    bodies = np.random.default_rng(seed).integers(0, 256, (n, width), dtype=np.uint8)
    got = crc16_rows(bodies)
    assert got.dtype == np.uint16 and got.shape == (n,)
    assert got.tolist() == [binascii.crc_hqx(row.tobytes(), 0xFFFF) for row in bodies]


def test_table_crc_on_the_check_string_and_strided_rows() -> None:
    assert crc16_rows(np.frombuffer(b"123456789", np.uint8)[None, :]).tolist() == [0x29B1]
    grid = np.random.default_rng(1).integers(0, 256, (50, 29), dtype=np.uint8)
    got = crc16_rows(grid[:, 3:26])  # a strided view, as the decoder passes it
    assert got.tolist() == [crc_ccitt_false(r[3:26].tobytes()) for r in grid]


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 253), st.integers(1, 10), st.integers(0, 2**32 - 1), st.floats(0, 1))
def test_row_cobs_encoder_agrees_with_the_cobs_package(width, n, seed, zeros) -> None:
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 256, (n, width), dtype=np.uint8)
    data[rng.random((n, width)) < zeros] = 0
    got = codec.cobs_encode_rows(data)
    assert [r.tobytes() for r in got] == [cobs.encode(r.tobytes()) for r in data]


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


@settings(max_examples=40, deadline=None)
@given(rows_strategy, st.integers(0, 65535))
def test_bulk_telemetry_encoder_equals_frames_built_by_hand(rows, first_seq) -> None:
    wire_rows = np.array(rows, TELEMETRY_WIRE_DTYPE)
    raw = wire_rows.tobytes()
    by_hand = b"".join(
        frame_by_hand(0x02, first_seq + i, raw[i * 23 : (i + 1) * 23]) for i in range(len(rows))
    )
    assert codec.encode_telemetry(wire_rows, first_seq) == by_hand


# ------------------------------------------------------------ round trips

message_strategy = st.one_of(
    st.tuples(st.just("telemetry"), rows_strategy),
    st.tuples(
        st.just("event"),
        st.integers(0, 2**32 - 1),
        st.sampled_from([0x01, 0x02, 0x10, 0x11, 0x20, 0x21, 0x30, 0x31, 0x40, 0x99]),
        st.integers(0, 2**32 - 1),
    ),
    st.tuples(
        st.just("ack"), st.integers(0, 65535), st.integers(0, 6), st.integers(-(2**31), 2**31 - 1)
    ),
    st.tuples(st.just("info")),
)


def encode_messages(items: list, first_seq: int) -> tuple[bytes, list]:
    """Encoded stream and what must come out (samples as row lists, typed messages)."""
    wire = bytearray()
    expected: list = []
    seq = first_seq
    for item in items:
        if item[0] == "telemetry":
            rows = np.array(item[1], TELEMETRY_WIRE_DTYPE)
            wire += codec.encode_telemetry(rows, seq)
            expected.append(("telemetry", rows, seq))
            seq += len(rows)
        elif item[0] == "event":
            wire += codec.encode_event(seq, item[1], item[2], item[3])
            expected.append(("event", seq & 0xFFFF, item[1], item[2], item[3]))
            seq += 1
        elif item[0] == "ack":
            wire += codec.encode_ack(seq, item[1], item[2], item[3])
            expected.append(("ack", seq & 0xFFFF, item[1], item[2], item[3]))
            seq += 1
        else:
            wire += frame_by_hand(0x01, seq, INFO_PAYLOAD)
            expected.append(("info", seq & 0xFFFF))
            seq += 1
    return bytes(wire), expected


@settings(max_examples=60, deadline=None)
@given(st.lists(message_strategy, min_size=1, max_size=8), st.integers(0, 65535))
def test_round_trip_of_every_pen_message(items, first_seq) -> None:
    wire, expected = encode_messages(items, first_seq)
    d = codec.StreamDecoder()
    out = d.feed(wire)
    typed = [m for m in out if not isinstance(m, TelemetryBatch)]
    want_typed = [e for e in expected if e[0] != "telemetry"]
    assert len(typed) == len(want_typed)
    for m, e in zip(typed, want_typed, strict=True):
        if e[0] == "event":
            assert isinstance(m, Event) and (m.seq, m.t_us_raw, m.code, m.arg) == e[1:]
        elif e[0] == "ack":
            assert isinstance(m, Ack) and (m.seq, m.ack_seq, m.result, m.value) == e[1:]
        else:
            assert isinstance(m, Info) and m.seq == e[1] and m.serial == "SN-00042"
    batch = samples(out)
    rows = np.concatenate(
        [e[1] for e in expected if e[0] == "telemetry"] or [np.zeros(0, TELEMETRY_WIRE_DTYPE)]
    )
    for name in TELEMETRY_WIRE_DTYPE.names:
        column = batch.column(name)
        if name in ("t_us", "strokes"):
            column = column & 0xFFFFFFFF
        assert np.array_equal(column, rows[name]), name
    assert np.all(np.diff(batch.t_us) >= 0) and np.all(np.diff(batch.strokes) >= 0)
    assert d.stats.discarded_total == 0 and d.stats.seq_gaps == 0
    assert d.stats.frames == len(rows) + len(want_typed)


# ------------------------------------------------------------ cutting never matters

damage_strategy = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(["flip", "zero", "drop", "dup", "cut"])),
    max_size=4,
)


def damaged(wire: bytes, damage: list) -> bytes:
    data = bytearray(wire)
    for where, kind in damage:
        if not data:
            break
        i = where % len(data)
        if kind == "flip":
            data[i] ^= 1 << (where % 8)
        elif kind == "zero":
            data.insert(i, 0)
        elif kind == "drop":
            del data[i : i + 1 + where % 40]
        elif kind == "dup":
            data[i:i] = data[max(0, i - 30) : i]
        else:
            data[i:i] = bytes([where % 255 + 1]) * (where % 700)
    return bytes(data)


def decode_in(wire: bytes, sizes: list[int]) -> tuple[list, dict]:
    d = codec.StreamDecoder()
    out: list = []
    start = 0
    for size in sizes:
        out += d.feed(wire[start : start + size])
        start += size
    out += d.feed(wire[start:])
    return merged(out), d.stats.as_dict()


@settings(max_examples=25, deadline=None)
@given(st.lists(message_strategy, min_size=1, max_size=5), damage_strategy)
def test_a_split_at_every_byte_boundary_decodes_identically(items, damage) -> None:
    wire = damaged(encode_messages(items, 65530)[0], damage)[:1500]
    whole = decode_in(wire, [])
    for cut in range(len(wire) + 1):
        assert decode_in(wire, [cut]) == whole, cut


@settings(max_examples=60, deadline=None)
@given(
    st.lists(message_strategy, min_size=1, max_size=8),
    damage_strategy,
    st.lists(st.one_of(st.integers(1, 8), st.integers(1, 65536)), min_size=1, max_size=60),
)
def test_any_chunking_decodes_identically_and_matches_the_simple_decoder(
    items, damage, sizes
) -> None:
    wire = damaged(encode_messages(items, 0)[0], damage)
    whole = decode_in(wire, [])
    assert decode_in(wire, sizes) == whole
    assert decode_in(wire, [1] * len(wire)) == whole
    # and both agree with the independent per-segment decoder
    exp = simple_decode(wire)
    messages, stats = whole
    got = {k: v for k, v in stats["discarded"].items() if v and k != "total"}
    assert got == dict(exp.discards)
    assert (stats["seq_gaps"], stats["frames_lost"]) == (exp.gaps, exp.lost)
    assert [(TYPE_OF[type(m)], m.seq) for m in messages if type(m) in TYPE_OF] == exp.others
    seqs = [s for m in messages if isinstance(m, tuple) for s in dict(m)["seq"]]
    assert seqs == exp.seqs


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.integers(1, 4096))
def test_garbage_never_raises_and_the_decoder_resyncs(garbage, chunk) -> None:
    wire = garbage + b"\x00" + codec.encode_ack(9, 1, 0, 42)
    d = codec.StreamDecoder()
    out: list = []
    for i in range(0, len(wire), chunk):
        out += d.feed(wire[i : i + chunk])
    assert isinstance(out[-1], Ack) and (out[-1].seq, out[-1].value) == (9, 42)
    h = codec.HostStreamDecoder()
    got = [f for i in range(0, len(wire), chunk) for f in h.feed(wire[i : i + chunk])]
    assert got[-1].seq == 9 and got[-1].payload == struct.pack("<HBi", 1, 0, 42)


def test_chunks_of_one_byte_and_of_64_kib() -> None:
    rows = np.zeros(5000, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = np.arange(5000) * 500
    rows["force_mn"] = np.arange(5000) % 1000
    wire = codec.encode_telemetry(rows, 0) + codec.encode_event(5000, 1, 1, 0)
    results = [decode_in(wire, [size] * (len(wire) // size + 1)) for size in (1, 65536)]
    assert results[0] == results[1]
    messages, stats = results[0]
    assert len(messages) == 2 and dict(messages[0])["force_mn"] == rows["force_mn"].tolist()
    assert stats["frames"] == 5001 and stats["discarded"]["total"] == 0


# ------------------------------------------------------------ seq rule: bulk == per frame

seq_steps = st.lists(
    st.one_of(
        st.just(1),
        st.integers(-80, 80),
        st.integers(-40000, 40000),
    ),
    min_size=1,
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 65535), seq_steps, st.lists(st.integers(1, 50), max_size=10))
def test_seq_scan_in_bulk_equals_the_rule_frame_by_frame(first, steps, cuts) -> None:
    seqs = (first + np.cumsum(steps)) & 0xFFFF
    one = SeqTracker()
    want = [one.see(int(s)) for s in seqs]
    bulk = SeqTracker()
    got = [(0, 0)] * len(seqs)
    start = 0
    for size in [*cuts, len(seqs)]:
        part = seqs[start : start + size].astype(np.uint16)
        gaps = bulk.scan(part)
        for i, lost, high in zip(gaps.index, gaps.lost, gaps.high_before, strict=True):
            got[start + int(i)] = (int(lost), int(high))
        start += size
        if start >= len(seqs):
            break
    assert got == [w if w[0] else (0, 0) for w in want]
