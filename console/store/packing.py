"""Lossless packing of a telemetry chunk into one blob: delta coding, byte shuffle, zlib.

Slowly varying columns (clock, strokes, setpoint, status ...) are stored as differences
from the previous sample, in their own width with wrap-around, so they become runs of
small numbers. Every column's bytes are then split into byte planes (all low bytes, then
all high bytes), which puts the near-constant high bytes together, and the whole is
zlib-compressed. Unpacking inverts each step exactly; tests check bit-exactness.

Layout: b"PCK1", n (u32), then per column a first value (i64), then the zlib body.
"""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from drivers.messages import TELEMETRY_COLUMNS

MAGIC = b"PCK1"
ANNOTATION_COLUMNS: dict[str, np.dtype[np.generic]] = {
    "zone": np.dtype(np.uint8),
    "pass_no": np.dtype(np.uint8),
}
COLUMNS: dict[str, np.dtype[np.generic]] = {**TELEMETRY_COLUMNS, **ANNOTATION_COLUMNS}
# Noisy measurements gain nothing from deltas; everything else is delta-coded.
RAW_COLUMNS = frozenset({"depth_meas_um", "rate_dhz", "motor_ma", "force_mn"})
_HEAD = struct.Struct("<4sI")
_FIRST = struct.Struct(f"<{len(COLUMNS)}q")
ZLIB_LEVEL = 6

Columns = dict[str, npt.NDArray[np.generic]]


class PackError(ValueError):
    """A blob that is not a packed chunk, or is damaged."""


def _storage_dtype(dtype: np.dtype[np.generic]) -> np.dtype[np.generic]:
    # 64-bit counters (t_us, strokes) move by small steps: store their deltas in 32 bits.
    return np.dtype(np.int32) if dtype.itemsize == 8 else dtype


def pack(columns: Columns) -> bytes:
    n = len(columns["seq"])
    firsts: list[int] = []
    planes: list[bytes] = []
    for name, dtype in COLUMNS.items():
        values = np.asarray(columns[name], dtype=dtype)
        if len(values) != n:
            raise PackError(f"column {name} has {len(values)} values, expected {n}")
        firsts.append(int(values[0]) if n else 0)
        if name in RAW_COLUMNS:
            stored = values
        else:
            store_dt = _storage_dtype(dtype)
            wide = values.astype(np.int64)
            deltas = np.diff(wide, prepend=wide[:1])
            if (
                store_dt.itemsize == 4
                and deltas.size
                and (deltas.max() > np.iinfo(np.int32).max or deltas.min() < np.iinfo(np.int32).min)
            ):
                raise PackError(f"column {name} jumps too far to pack")
            stored = deltas.astype(store_dt)  # wraps within the column's own width
        planes.append(_shuffle(stored))
    body = zlib.compress(b"".join(planes), ZLIB_LEVEL)
    return _HEAD.pack(MAGIC, n) + _FIRST.pack(*firsts) + body


def unpack(blob: bytes, only: frozenset[str] | None = None) -> Columns:
    """The chunk's columns (or `only` those: the rest are skipped, not decoded)."""
    try:
        magic, n = _HEAD.unpack_from(blob)
        firsts = _FIRST.unpack_from(blob, _HEAD.size)
        raw = zlib.decompress(blob[_HEAD.size + _FIRST.size :])
    except (struct.error, zlib.error) as exc:
        raise PackError(f"damaged telemetry chunk: {exc}") from exc
    if magic != MAGIC:
        raise PackError("not a packed telemetry chunk")
    out: Columns = {}
    offset = 0
    for (name, dtype), first in zip(COLUMNS.items(), firsts, strict=True):
        store_dt = dtype if name in RAW_COLUMNS else _storage_dtype(dtype)
        size = n * store_dt.itemsize
        if only is not None and name not in only:
            offset += size
            continue
        stored = _unshuffle(raw[offset : offset + size], store_dt, n)
        offset += size
        if name in RAW_COLUMNS:
            out[name] = stored
        elif n:
            deltas = stored.astype(np.int64)
            deltas[0] = 0
            values = first + np.cumsum(deltas)
            out[name] = values.astype(dtype) if dtype.itemsize == 8 else _wrap(values, dtype)
        else:
            out[name] = np.empty(0, dtype)
    if offset != len(raw):
        raise PackError("damaged telemetry chunk: length mismatch")
    return out


def _wrap(values: npt.NDArray[np.int64], dtype: np.dtype[np.generic]) -> npt.NDArray[np.generic]:
    bits = dtype.itemsize * 8
    wrapped = values & ((1 << bits) - 1)
    if np.issubdtype(dtype, np.signedinteger):
        wrapped = np.where(wrapped >= 1 << (bits - 1), wrapped - (1 << bits), wrapped)
    return wrapped.astype(dtype)


def _shuffle(values: npt.NDArray[np.generic]) -> bytes:
    width = values.dtype.itemsize
    return np.ascontiguousarray(values).view(np.uint8).reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, dtype: np.dtype[np.generic], n: int) -> npt.NDArray[np.generic]:
    planes = np.frombuffer(raw, np.uint8).reshape(1, dtype.itemsize, n)
    return _interleave(planes, dtype).reshape(n)


def _interleave(planes: npt.NDArray[np.uint8], dtype: np.dtype[np.generic]) -> npt.NDArray[Any]:
    """(chunks, width, n) byte planes back into (chunks, n) values of `dtype`.

    One strided copy per plane is several times faster than a transposing copy, whose
    innermost axis is only `width` bytes long."""
    m, width, n = planes.shape
    out = np.empty((m, n, width), np.uint8)
    for k in range(width):
        out[:, :, k] = planes[:, k, :]
    return out.view(dtype).reshape(m, n)


def unpack_many(blobs: list[bytes], only: frozenset[str] | None = None) -> Columns:
    """Many chunks at once, in order: chunks of equal length are unpacked as one 2-D block
    (one numpy pass per column for the whole session instead of one per chunk). With
    `only`, just those columns are decoded (the report's per-zone depths need two)."""
    names = [n for n in COLUMNS if only is None or n in only]
    if not blobs:
        return {n: np.empty(0, COLUMNS[n]) for n in names}
    heads = [_HEAD.unpack_from(b) for b in blobs]
    if any(magic != MAGIC for magic, _ in heads):
        raise PackError("not a packed telemetry chunk")
    sizes = [n for _, n in heads]
    common = max(set(sizes), key=sizes.count)
    parts: list[Columns] = []
    run: list[int] = []

    def flush_run() -> None:
        if run:
            parts.append(_unpack_uniform([blobs[i] for i in run], common, only))
            run.clear()

    for i, n in enumerate(sizes):
        if n == common and n > 0:
            run.append(i)
        else:
            flush_run()
            parts.append(unpack(blobs[i], only))
    flush_run()
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in names}


def _decompress_all(bodies: list[memoryview]) -> list[bytes]:
    """zlib releases the GIL, so two threads each take one contiguous half. One future per
    half, not per chunk: ThreadPoolExecutor ignores `chunksize`, and 1800 futures cost
    more in locking than the second core gains."""
    if len(bodies) < 64:
        return [zlib.decompress(b) for b in bodies]
    half = len(bodies) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(lambda: [zlib.decompress(b) for b in bodies[half:]])
        first = [zlib.decompress(b) for b in bodies[:half]]
        return first + second.result()


def _unpack_uniform(blobs: list[bytes], n: int, only: frozenset[str] | None = None) -> Columns:
    m = len(blobs)
    firsts = np.array([_FIRST.unpack_from(b, _HEAD.size) for b in blobs], np.int64)
    bodies = [memoryview(b)[_HEAD.size + _FIRST.size :] for b in blobs]
    try:
        raw = b"".join(_decompress_all(bodies))
    except zlib.error as exc:
        raise PackError(f"damaged telemetry chunk: {exc}") from exc
    widths = [
        (dt if name in RAW_COLUMNS else _storage_dtype(dt)).itemsize for name, dt in COLUMNS.items()
    ]
    if len(raw) != m * n * sum(widths):
        raise PackError("damaged telemetry chunk: length mismatch")
    block = np.frombuffer(raw, np.uint8).reshape(m, n * sum(widths))
    out: Columns = {}
    offset = 0
    for col, ((name, dtype), width) in enumerate(zip(COLUMNS.items(), widths, strict=True)):
        store_dt = dtype if name in RAW_COLUMNS else _storage_dtype(dtype)
        planes = block[:, offset : offset + n * width].reshape(m, width, n)
        offset += n * width
        if only is not None and name not in only:
            continue
        stored = _interleave(planes, store_dt)
        if name in RAW_COLUMNS:
            out[name] = stored.reshape(-1)
            continue
        # Each chunk's first delta is a placeholder: sum everything, then take it back out.
        if dtype.itemsize == 8:  # 32-bit deltas of a 64-bit counter: sum in 64 bits
            values = np.cumsum(stored, axis=1, dtype=np.int64)
            values += firsts[:, col : col + 1] - stored[:, :1]
        else:  # sums wrap in the column's own width, exactly as the deltas were taken
            values = np.cumsum(stored, axis=1, dtype=dtype)
            values += firsts[:, col : col + 1].astype(np.int64).astype(dtype) - stored[:, :1]
        out[name] = values.reshape(-1)
    return out
