"""The plot's memory: a ring buffer of sample columns, and peak-preserving decimation
(once per window, or incrementally as the window slides: `PeakCache`).

Both are plain numpy on the GUI thread (the live model fills the buffer when the screen
drains it; the telemetry plot reads and decimates a window of it). Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt


class RingBuffer:
    """Append-only columns with a contiguous view of the newest `capacity` rows."""

    def __init__(self, capacity: int, columns: tuple[str, ...]) -> None:
        self.capacity = capacity
        self._t = np.full(2 * capacity, np.nan)
        self._cols = {c: np.full(2 * capacity, np.nan, np.float32) for c in columns}
        self._end = 0
        self.total = 0  # rows ever appended: gives each row a stable absolute index

    def __len__(self) -> int:
        return min(self._end, self.capacity)

    def append(self, t_s: npt.NDArray[np.float64], cols: dict[str, npt.NDArray[Any]]) -> None:
        n = len(t_s)
        if n > self.capacity:
            t_s = t_s[-self.capacity :]
            cols = {k: v[-self.capacity :] for k, v in cols.items()}
            n = self.capacity
        if self._end + n > 2 * self.capacity:  # slide the newest rows back to the front
            keep = min(self._end, self.capacity - n) if n < self.capacity else 0
            src = slice(self._end - keep, self._end)
            self._t[:keep] = self._t[src]
            for arr in self._cols.values():
                arr[:keep] = arr[src]
            self._end = keep
        self._t[self._end : self._end + n] = t_s
        for name, arr in self._cols.items():
            arr[self._end : self._end + n] = cols[name]
        self._end += n
        self.total += n

    def last_t(self) -> float | None:
        return float(self._t[self._end - 1]) if self._end else None

    def view(
        self, since_t: float, until_t: float | None = None
    ) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float32]]]:
        _, t, cols = self.view_indexed(since_t, until_t)
        return t, cols

    def view_indexed(
        self, since_t: float, until_t: float | None = None
    ) -> tuple[int, npt.NDArray[np.float64], dict[str, npt.NDArray[np.float32]]]:
        """Like view(), plus the absolute index (see `total`) of the first row returned."""
        start = max(0, self._end - self.capacity)
        t = self._t[start : self._end]
        lo = int(np.searchsorted(t, since_t, side="left")) if len(t) else 0
        hi = int(np.searchsorted(t, until_t, side="right")) if until_t is not None else len(t)
        first = self.total - self._end + start + lo
        return first, t[lo:hi], {k: v[start + lo : start + hi] for k, v in self._cols.items()}


def peak_decimate(
    first_index: int,
    t: npt.NDArray[np.float64],
    cols: dict[str, npt.NDArray[np.float32]],
    max_points: int,
) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float32]]]:
    """At most ~max_points per column, keeping each bin's peak and trough.

    Bins are aligned to absolute row indices, so a bin's picture does not shimmer as the
    window slides; the newest rows (the incomplete bin, at least the newest row) are
    passed through untouched, so the curve always ends at the newest sample. A NaN
    anywhere in a bin makes the bin NaN, so gaps survive decimation.
    """
    n = len(t)
    k = -(-2 * n // max(max_points, 2))  # rows per bin; each bin becomes two points
    if k <= 2:
        return t, cols
    skip = (-first_index) % k  # rows before the first aligned bin (< k, at the far left)
    bins = max(0, (n - skip - 1) // k)  # the newest row always stays in the tail
    full = slice(skip, skip + bins * k)
    tail = slice(skip + bins * k, n)
    t_bins = t[full].reshape(bins, k)[:, k // 2]
    t_out = np.concatenate([np.repeat(t_bins, 2), t[tail]])
    out = {}
    for name, y in cols.items():
        y2 = y[full].reshape(bins, k)
        pair = np.empty((bins, 2), np.float32)
        pair[:, 0] = y2.max(axis=1)  # max/min (not nanmax): a NaN keeps the gap
        pair[:, 1] = y2.min(axis=1)
        out[name] = np.concatenate([pair.reshape(-1), y[tail]])
    return t_out, out


class PeakCache:
    """`peak_decimate` for a window sliding over an append-only ring, done incrementally.

    Rows never change once appended and bins are aligned to absolute row indices, so a
    finished bin's peak and trough never change either: each call computes only the bins
    finished since the last call (a frame's worth, ~1/60 s of rows) and reuses the rest.
    The result is the same as `peak_decimate` on the same window, at a fraction of the
    cost. A change of bin size (window or width changed) starts the cache again.
    """

    def __init__(self) -> None:
        self._k = 0
        self._first_bin = 0  # absolute bin index of row 0 of the stores
        self._count = 0  # bins stored
        self._t = np.empty(0)
        self._pairs: dict[str, npt.NDArray[np.float32]] = {}

    def decimate(
        self,
        first_index: int,
        t: npt.NDArray[np.float64],
        cols: dict[str, npt.NDArray[np.float32]],
        max_points: int,
    ) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float32]]]:
        n = len(t)
        k = -(-2 * n // max(max_points, 2))
        if k <= 2:
            return t, cols
        if k <= self._k <= k + 1:  # a row more per bin is fine; a new bin size starts over
            k = self._k
        skip = (-first_index) % k
        bins = max(0, (n - skip - 1) // k)
        b0 = (first_index + skip) // k  # absolute index of the window's first bin
        if k != self._k or cols.keys() != self._pairs.keys() or b0 < self._first_bin:
            self._reset(k, b0, cols.keys(), bins)
        have_to = self._first_bin + self._count  # first absolute bin not stored
        if have_to < b0:  # the window jumped past everything stored
            self._reset(k, b0, cols.keys(), bins)
            have_to = b0
        self._make_room(b0, bins)
        new_lo = have_to - b0  # window-relative bin index of the first bin to compute
        if new_lo < bins:
            rows = slice(skip + new_lo * k, skip + bins * k)
            m = bins - new_lo
            at = slice(self._count, self._count + m)
            self._t[at] = t[rows].reshape(m, k)[:, k // 2]
            for name, y in cols.items():
                y2 = y[rows].reshape(m, k)
                pair = self._pairs[name][at]
                pair[:, 0] = y2.max(axis=1)  # max/min (not nanmax): a NaN keeps the gap
                pair[:, 1] = y2.min(axis=1)
            self._count += m
        lo = b0 - self._first_bin
        tail = slice(skip + bins * k, n)
        t_out = np.concatenate([np.repeat(self._t[lo : lo + bins], 2), t[tail]])
        out = {
            name: np.concatenate([pairs[lo : lo + bins].reshape(-1), cols[name][tail]])
            for name, pairs in self._pairs.items()
        }
        return t_out, out

    def _reset(self, k: int, b0: int, names: Iterable[str], bins: int) -> None:
        capacity = 2 * bins + 64
        self._k, self._first_bin, self._count = k, b0, 0
        self._t = np.empty(capacity)
        self._pairs = {name: np.empty((capacity, 2), np.float32) for name in names}

    def _make_room(self, b0: int, bins: int) -> None:
        """Drop bins that slid out of the window once the stores are full (rarely)."""
        needed = b0 + bins - self._first_bin
        if needed <= len(self._t):
            return
        drop = b0 - self._first_bin
        keep = slice(drop, self._count)
        self._t[: self._count - drop] = self._t[keep]
        for pairs in self._pairs.values():
            pairs[: self._count - drop] = pairs[keep]
        self._first_bin, self._count = b0, self._count - drop
        if bins > len(self._t):  # cannot happen for a fixed k and width; be safe
            self._reset(self._k, b0, self._pairs.keys(), bins)
