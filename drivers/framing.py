"""Frame layer of the pen link in bulk: 0x00 delimiting, COBS, length and CRC checks.

Turns a byte stream, fed in chunks split anywhere, into tables of checked frames (decoded
body + CRC, back to back in one buffer) and counts every discard by reason. It knows
nothing of message types; drivers/codec.py builds messages from the tables.

Speed comes from doing per chunk what a naive decoder does per frame:

- COBS: the frames of a chunk are concatenated without their delimiters and decoded by
  ONE call of the `cobs` package's C decoder. For frames shorter than 255 encoded bytes
  (no 0xFF code byte can be valid in them), decoding the concatenation equals decoding
  each frame and joining the results with 0x00 exactly when the output is one byte
  shorter than the input and holds 0x00 at every frame boundary: each such 0x00 marks a
  code byte at the next frame's first byte, so every frame's code chain ends exactly at
  its own end. Anything else (a broken chain, an over-long frame) falls back to decoding
  frame by frame, which also yields the reason of each discard.
- CRC-16/CCITT-FALSE is linear over GF(2) without a final xor, so the CRC of an L-byte
  body is crc(L zero bytes) xor one table entry per (position, byte): one gather and one
  xor-reduce for all frames of a length. The tables are built from binascii.crc_hqx.
"""

from __future__ import annotations

import binascii
import functools
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from cobs import cobs

from drivers.messages import MAX_FRAME_BYTES, MIN_FRAME_BYTES, DiscardReason

# The longest COBS encoding of a frame of MAX_FRAME_BYTES: one code byte per started run
# of 254 bytes. A longer run without 0x00 cannot hold a valid frame and is dropped as
# too_long as soon as it is seen, without buffering it.
MAX_ENCODED_BYTES = MAX_FRAME_BYTES + 1 + MAX_FRAME_BYTES // 254  # 302
_CONCAT_MAX = 254  # frames up to this encoded length have no valid 0xFF code byte
_SMALL = 16  # regions with at most this many delimiters are decoded frame by frame
_ZEROS = bytes(1 << 17)


@functools.cache
def _crc_tables(width: int) -> tuple[int, npt.NDArray[np.uint16], npt.NDArray[np.integer]]:
    """crc of `width` zero bytes, the flat (width × 256) table, and row offsets."""
    table = np.array(
        [
            [binascii.crc_hqx(bytes(k) + bytes([b]) + bytes(width - k - 1), 0) for b in range(256)]
            for k in range(width)
        ],
        dtype=np.uint16,
    ).ravel()
    # u16 indices while they fit: cheaper to add than intp
    offsets: npt.NDArray[np.integer] = (np.arange(width) * 256).astype(
        np.uint16 if width <= 256 else np.intp
    )
    return binascii.crc_hqx(bytes(width), 0xFFFF), table, offsets.reshape(-1, 1)


def crc16_rows(bodies: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
    """CRC-16/CCITT-FALSE of each row of a 2-D uint8 array (equal to binascii.crc_hqx)."""
    n, width = bodies.shape
    if width == 0:
        return np.full(n, 0xFFFF, np.uint16)
    zero_crc, table, offsets = _crc_tables(width)
    # Transposed, so the xor-reduce runs down whole columns of n frames at a time.
    contrib = table.take(bodies.T + offsets)
    crc = np.bitwise_xor.reduce(contrib, axis=0)
    crc ^= np.uint16(zero_crc)
    return crc  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class FrameTable:
    """Checked frames, in stream order: frame i is raw[off[i] : off[i] + length[i]]
    (type, seq, payload, crc). `stride` > 0 means frame i starts at i * stride and every
    frame is stride - 1 bytes long, so columns can be viewed without copying."""

    raw: bytes | bytearray
    off: npt.NDArray[np.intp]
    length: npt.NDArray[np.intp]
    stride: int = 0

    def __len__(self) -> int:
        return len(self.off)

    def frames(self) -> list[bytes]:
        """Each frame as bytes (for the few callers that go frame by frame)."""
        raw = bytes(self.raw)
        return [
            raw[o : o + k] for o, k in zip(self.off.tolist(), self.length.tolist(), strict=True)
        ]


class FrameSplitter:
    """Splits a byte stream at 0x00 and checks frames; counts discards into `discards`."""

    def __init__(self, discards: Counter[DiscardReason]) -> None:
        self._discards = discards
        self._pending = b""
        self._overflowed = False  # dropping the rest of an over-long run until 0x00

    def feed(self, chunk: bytes | bytearray | memoryview) -> FrameTable | list[bytes] | None:
        """Checked frames completed by this chunk, in stream order: a FrameTable when there
        are many, else a list of decoded frames (type, seq, payload, crc); None if none."""
        if not isinstance(chunk, bytes):
            chunk = bytes(chunk)
        if b"\x00" not in chunk:  # also the cheap path of tiny chunks
            if not self._overflowed:
                self._pending += chunk
                if len(self._pending) > MAX_ENCODED_BYTES:
                    self._too_long_run()
            return None
        data = self._pending + chunk if self._pending else chunk
        start = 0
        if self._overflowed:  # the rest of an over-long run, up to its delimiter
            start = data.index(b"\x00") + 1
            self._overflowed = False
        last = data.rindex(b"\x00")
        self._pending = data[last + 1 :]
        if len(self._pending) > MAX_ENCODED_BYTES:
            self._too_long_run()
        if last < start:
            return None
        region = data[start : last + 1] if start or last + 1 < len(data) else data
        n = region.count(b"\x00")
        if n <= _SMALL:
            return [f for f in map(self._check_one, region.split(b"\x00")[:-1]) if f]
        return self._frames(region, n)

    def _too_long_run(self) -> None:
        self._discards[DiscardReason.TOO_LONG] += 1
        self._overflowed = True
        self._pending = b""

    def _count(self, reason: DiscardReason, n: int) -> None:
        if n:
            self._discards[reason] += n

    def _check_one(self, part: bytes) -> bytes:
        """One segment, checked in the documented order; b"" if it is no frame."""
        if not part:
            return b""  # back-to-back delimiters carry no frame
        reason = DiscardReason.TOO_LONG
        if len(part) <= MAX_ENCODED_BYTES:
            try:
                frame: bytes = cobs.decode(part)
            except cobs.DecodeError:
                reason = DiscardReason.COBS
            else:
                size = len(frame)
                if size < MIN_FRAME_BYTES:
                    reason = DiscardReason.TOO_SHORT
                elif size <= MAX_FRAME_BYTES:
                    if _crc_ok(frame):
                        return frame
                    reason = DiscardReason.CRC
        self._discards[reason] += 1
        return b""

    # ------------------------------------------------------------ many frames at once

    def _frames(self, region: bytes, n: int) -> FrameTable:
        """Frames of a region that starts at a frame start and ends with its n-th 0x00."""
        enc = region.index(b"\x00")  # uniform layout: every frame this long
        uniform = 0 < enc <= _CONCAT_MAX and len(region) == (enc + 1) * n
        if uniform and region[enc :: enc + 1] == _ZEROS[:n]:
            table = self._uniform(region, n, enc)
            if table is not None:
                return table
        return self._general(region)

    def _uniform(self, region: bytes, n: int, enc: int) -> FrameTable | None:
        """n frames of `enc` encoded bytes each (the steady telemetry stream)."""
        try:
            dec = cobs.decode(region.replace(b"\x00", b""))
        except cobs.DecodeError:
            return None
        size = enc - 1
        if len(dec) != enc * n - 1 or dec[size::enc] != _ZEROS[: n - 1]:
            return None
        if size < MIN_FRAME_BYTES:
            self._count(DiscardReason.TOO_SHORT, n)
            return _EMPTY
        raw = bytearray(dec)
        raw.append(0)  # whole rows of `enc` bytes: frame, then the 0x00 between frames
        rows = np.frombuffer(raw, np.uint8).reshape(n, enc)
        sent = np.ndarray((n,), "<u2", buffer=raw, offset=size - 2, strides=(enc,))
        ok = crc16_rows(rows[:, : size - 2]) == sent
        good = int(np.count_nonzero(ok))
        off = np.arange(0, enc * n, enc)
        if good == n:
            return FrameTable(raw, off, np.full(n, size), enc)
        self._count(DiscardReason.CRC, n - good)
        return FrameTable(raw, off[ok], np.full(good, size))

    def _general(self, region: bytes) -> FrameTable:
        arr = np.frombuffer(region, np.uint8)
        ends = np.flatnonzero(arr == 0)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        lens = ends - starts
        if int(lens.max()) <= _CONCAT_MAX:
            enc = lens[lens > 0]
            if not enc.size:
                return _EMPTY  # nothing but delimiters
            dec = _decode_concatenated(region, enc)
            if dec is not None:
                off = np.cumsum(enc) - enc  # a frame's bytes shift left by its code byte
                return self._checked(dec, off, enc - 1)
        frames = [
            f
            for f in map(self._check_one, region.split(b"\x00")[:-1])  # decodes each alone
            if f
        ]
        lengths = np.fromiter(map(len, frames), np.intp, len(frames))
        return FrameTable(b"".join(frames), np.cumsum(lengths) - lengths, lengths)

    def _checked(
        self, raw: bytes, off: npt.NDArray[np.intp], length: npt.NDArray[np.intp]
    ) -> FrameTable:
        """Length and CRC checks of COBS-valid frames."""
        short = length < MIN_FRAME_BYTES
        self._count(DiscardReason.TOO_SHORT, int(np.count_nonzero(short)))
        off, length = off[~short], length[~short]  # none is too long: all came from <= 254
        ok = np.ones(len(off), bool)
        size = int(np.bincount(length).argmax()) if len(off) else 0
        same = np.flatnonzero(length == size)  # the most common length in bulk
        arr = np.frombuffer(raw, np.uint8)
        rows = windows(arr, size)[off[same]]
        sent = rows[:, -2].astype(np.uint16) | rows[:, -1].astype(np.uint16) << 8
        ok[same] = crc16_rows(rows[:, :-2]) == sent
        others = np.flatnonzero(length != size)
        for i, o, k in zip(
            others.tolist(), off[others].tolist(), length[others].tolist(), strict=True
        ):
            ok[i] = _crc_ok(raw[o : o + k])
        good = int(np.count_nonzero(ok))
        if good < len(ok):
            self._count(DiscardReason.CRC, len(ok) - good)
            off, length = off[ok], length[ok]
        return FrameTable(raw, off, length)


def windows(arr: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.uint8]:
    """Every `width`-byte window of arr, as a view: indexing it with frame offsets copies
    whole rows (much cheaper than gathering byte by byte)."""
    count = max(len(arr) - width + 1, 0)
    return np.ndarray((count, width), np.uint8, arr, 0, (1, 1))


def _crc_ok(frame: bytes) -> bool:
    """Whether the last two bytes of a decoded frame are the CRC (LE) of the rest."""
    return binascii.crc_hqx(frame[:-2], 0xFFFF) == frame[-2] | frame[-1] << 8


_EMPTY = FrameTable(b"", np.zeros(0, np.intp), np.zeros(0, np.intp))


def _decode_concatenated(region: bytes, enc: npt.NDArray[np.intp]) -> bytes | None:
    """Decode all frames of the region with one C call, or None if any is not valid COBS
    on its own (see the module docstring for why the boundary test is exact)."""
    try:
        dec: bytes = cobs.decode(region.replace(b"\x00", b""))
    except cobs.DecodeError:
        return None
    total = int(enc.sum())
    if len(dec) != total - 1:
        return None
    boundaries = np.cumsum(enc[:-1]) - 1
    if boundaries.size and np.any(np.frombuffer(dec, np.uint8)[boundaries]):
        return None
    return dec
