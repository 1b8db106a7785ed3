"""Where the recorder cuts its stream of samples into telemetry chunks. Pure numpy, no I/O.

A chunk holds up to one second's worth of samples at the pen's rate, so chunks of a
steady stream have equal lengths (the store loads those as one block). A chunk never
spans a discontinuity (a link outage, a pen reboot that restarts its clock): the packed
format stores per-sample deltas in 32 bits, and an outage of more than 35 minutes, or a
clock that restarts, would not fit. A held-back partial chunk is released once it covers
a full second of pen time, so a stale rate never delays a commit.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

CHUNK_US = 1_000_000
MAX_STEP_US = 1_000_000  # a longer silence between two samples starts a new chunk
MAX_STROKES_STEP = 1_000_000  # strokes never jump this far unless the pen restarted


def cut(
    t_us: npt.NDArray[np.int64],
    strokes: npt.NDArray[np.int64],
    per_chunk: int,
    final: bool,
) -> tuple[list[tuple[int, int]], int]:
    """(start, stop) of each complete chunk, and where the held-back remainder starts.

    `final` releases the remainder too (end of session, explicit flush)."""
    n = len(t_us)
    if n == 0:
        return [], 0
    per_chunk = max(1, per_chunk)
    dt = np.diff(t_us)
    ds = np.diff(strokes)
    breaks = np.flatnonzero((dt < 0) | (dt > MAX_STEP_US) | (ds < 0) | (ds > MAX_STROKES_STEP))
    bounds = [0, *(int(b) + 1 for b in breaks), n]
    spans: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(bounds):
        spans += [(s, min(b, s + per_chunk)) for s in range(a, b, per_chunk)]
    last_start, last_stop = spans[-1]
    complete = (
        final
        or last_stop - last_start >= per_chunk
        or int(t_us[-1]) - int(t_us[last_start]) >= CHUNK_US
    )
    if complete:
        return spans, n
    return spans[:-1], last_start
