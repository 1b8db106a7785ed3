"""A recorded session's samples at the resolution a view needs, Qt-free.

The overview and wide zooms are drawn from the min/max summaries written with each chunk
(console/store/summaries.py): one row per second of session for the whole, FINE_BINS
rows per second for minutes. Only a view of under RAW_CHUNKS chunks unpacks samples. So
opening a review, and zooming or panning it, costs the same for a 2-hour session as for
a 2-minute one. Every level keeps each bin's min and max: peaks are never averaged away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.store import Store, summaries
from console.store.packing import Columns

RAW_CHUNKS = 60  # ~1 minute: under this many chunks in view, draw every sample
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Level:
    """Peak points of one column: time (us) with the min and max from there on."""

    t_us: npt.NDArray[np.int64]
    mins: npt.NDArray[np.float64]
    maxs: npt.NDArray[np.float64]


class TelemetryLevels:
    def __init__(self, store: Store, session: str, overview: summaries.Overview) -> None:
        self.store = store
        self.session = session
        self.ov = overview
        self._raw: tuple[tuple[int, int], Columns] | None = None  # the last range read
        self._fine: (
            tuple[tuple[int, int], tuple[summaries.I64, summaries.I32, summaries.I32]] | None
        ) = None

    @classmethod
    def of(cls, store: Store, session: str) -> TelemetryLevels | None:
        """None for a session without summaries (recorded before they existed) or samples."""
        ov = summaries.overview(store, session)
        return cls(store, session, ov) if ov is not None and len(ov.chunk_no) else None

    @property
    def t0_us(self) -> int:
        return int(self.ov.t_first_us[0])

    @property
    def t_end_us(self) -> int:
        return int(self.ov.t_last_us[-1])

    @property
    def samples(self) -> int:
        return int(self.ov.samples.sum())

    def chunks_in(self, lo_us: int, hi_us: int) -> tuple[int, int]:
        """Indices [i0, i1) of the chunks that overlap lo_us..hi_us."""
        i0 = int(np.searchsorted(self.ov.t_last_us, lo_us, side="left"))
        i1 = int(np.searchsorted(self.ov.t_first_us, hi_us, side="right"))
        return min(i0, len(self.ov.chunk_no) - 1), max(i1, i0 + 1)

    def samples_of(self, i0: int, i1: int) -> Columns:
        """Every sample of chunks [i0, i1), the last range kept (the plot asks per column)."""
        key = (i0, i1)
        if self._raw is None or self._raw[0] != key:
            no = self.ov.chunk_no
            cols = summaries.samples_between(self.store, self.session, int(no[i0]), int(no[i1 - 1]))
            self._raw = (key, cols)
        return self._raw[1]

    def level(self, column: str, i0: int, i1: int, bins: int) -> Level | None:
        """The coarsest summary level with at least `bins` points over chunks [i0, i1), or
        None when the range is small enough to draw from the samples."""
        if i1 - i0 <= RAW_CHUNKS:
            return None
        c = summaries.SUMMARY_COLUMNS.index(column)
        if i1 - i0 >= bins:
            ov = self.ov
            return Level(
                ov.t_first_us[i0:i1],
                ov.mins[i0:i1, c].astype(np.float64),
                ov.maxs[i0:i1, c].astype(np.float64),
            )
        key = (i0, i1)
        if self._fine is None or self._fine[0] != key:
            no = self.ov.chunk_no
            self._fine = (
                key,
                summaries.fine(self.store, self.session, int(no[i0]), int(no[i1 - 1])),
            )
        t_us, mins, maxs = self._fine[1]
        return Level(t_us, mins[:, c].astype(np.float64), maxs[:, c].astype(np.float64))


def peaks(
    t_s: F64, mins: F64, maxs: F64, bins: int, t_range: tuple[float, float]
) -> tuple[F64, F64]:
    """Points t_s (seconds, sorted) each with a min and max, reduced to `bins` bins over
    t_range: x at each bin's centre twice, y its min then its max; NaN for an empty bin
    (a gap in the record stays a gap)."""
    lo, hi = np.searchsorted(t_s, t_range)
    t, mn, mx = t_s[lo:hi], mins[lo:hi], maxs[lo:hi]
    if not len(t):
        return np.zeros(0), np.zeros(0)
    edges = np.linspace(t_range[0], t_range[1], bins + 1)
    idx = np.searchsorted(t, edges[:-1])
    counts = np.diff(np.append(idx, len(t)))
    safe = np.clip(idx, 0, len(t) - 1)
    lows = np.minimum.reduceat(mn, safe)
    highs = np.maximum.reduceat(mx, safe)
    centres = (edges[:-1] + edges[1:]) / 2
    xs = np.repeat(centres, 2)
    ys = np.column_stack([lows, highs]).ravel()
    ys[np.repeat(counts == 0, 2)] = np.nan
    return xs, ys
