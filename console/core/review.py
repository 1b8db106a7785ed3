"""The supervisor's view of a recorded session, Qt-free: overview, replay state, series.

`SessionReview` loads a session once (telemetry columns, events, passes) and answers
what the review window and the report need: a min/max envelope for drawing millions of
samples at once, the full-resolution slice for a zoomed range, the state at any replay
time (values, active zone, passes done so far, alarms so far), and link gaps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.event_timeline import TimelineRow, in_time_order, timeline
from console.core.event_words import step_words
from console.core.passes import closed_at_end_ids, is_prp_pass

# The series rule lives once, in console/core/series.py (re-exported for the review window).
from console.core.review_levels import TelemetryLevels, peaks
from console.core.review_list import status_words
from console.core.series import patient_series, too_soon_warning
from console.store import EventKind, Store, summaries
from console.store.packing import Columns
from console.store.rows import ALARM_KINDS, GAP_KINDS, EventRecord

__all__ = [
    "Gap",
    "ReplayState",
    "SessionReview",
    "patient_series",
    "step_words",
    "too_soon_warning",
]


@dataclass(frozen=True, slots=True)
class ReplayState:
    t_s: float
    depth_set_um: int
    depth_meas_um: int
    rate_hz: float
    strokes: int
    zone: str
    pass_no: int
    passes_done: dict[str, int]  # zone -> passes completed by t
    events_so_far: int


@dataclass(frozen=True, slots=True)
class Gap:
    t_s: float
    length_s: float
    frames_lost: int
    kind: str


class SessionReview:
    """Opens on the session's min/max summaries (review_levels.py) when it has them, so
    its cost does not grow with the session's length; `columns` and `t_s` (every sample)
    are read only when asked for (export, tests) or for a session without summaries."""

    def __init__(self, store: Store, session: str) -> None:
        self.store = store
        self.session = session
        self.meta = store.session(session)
        self.passes = store.passes(session)
        self.zone_ids: list[str] = json.loads(self.meta.get("zone_ids") or "[]")
        self.levels = TelemetryLevels.of(store, session)
        self._columns: Columns | None = None
        self._t_s: npt.NDArray[np.float64] | None = None
        self._first: Columns | None = None
        if self.levels is not None:
            self.t0_us = self.levels.t0_us
        else:
            t_us = self.columns["t_us"].astype(np.int64)
            self.t0_us = int(t_us[0]) if len(t_us) else 0
        # in the order they happened, not the order the recorder wrote them (event_timeline)
        self.events = in_time_order(store.events(session), self.t0_us)
        self.closed_at_end = closed_at_end_ids(self.passes, self.events)  # pass ids

    @property
    def columns(self) -> Columns:
        if self._columns is None:
            self._columns = self.store.load_telemetry(self.session)
        return self._columns

    @property
    def t_s(self) -> npt.NDArray[np.float64]:
        if self._t_s is None:
            self._t_s = (self.columns["t_us"].astype(np.int64) - self.t0_us) / 1e6
        return self._t_s

    @property
    def samples(self) -> int:
        return self.levels.samples if self.levels is not None else len(self.t_s)

    @property
    def duration_s(self) -> float:
        if self.levels is not None:
            return (self.levels.t_end_us - self.t0_us) / 1e6
        return float(self.t_s[-1]) if self.samples else 0.0

    @property
    def status_words(self) -> str:
        """The status to show: "signed · interrupted" for a signed, interrupted session."""
        interrupted = any(e["kind"] == EventKind.SESSION_INTERRUPTED for e in self.events)
        return status_words(self.meta["status_now"], interrupted)

    @property
    def replay_end_s(self) -> float:
        """Where the replay slider ends: the last sample, or the last pass's end if later
        (a pass closed at the end of the session counts as done at that time)."""
        ends = [(p["ended_t_us"] - self.t0_us) / 1e6 for p in self.passes]
        return max([self.duration_s, *ends])

    def rel_s(self, t_us: int | None) -> float | None:
        return None if t_us is None else (t_us - self.t0_us) / 1e6

    # ------------------------------------------------------------ drawing

    def envelope(
        self, column: str, bins: int = 2000, t_range: tuple[float, float] | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """x, y drawing min and max per bin (peak-preserving), with NaN across link gaps."""
        if self.levels is not None:
            return self._envelope_from_levels(self.levels, column, bins, t_range)
        t, y_all = self.t_s, self.columns[column]
        lo, hi = (0, len(t)) if t_range is None else np.searchsorted(t, t_range)
        return self._envelope_of(t[lo:hi], y_all[lo:hi], bins)

    def _envelope_from_levels(
        self,
        levels: TelemetryLevels,
        column: str,
        bins: int,
        t_range: tuple[float, float] | None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        span = (0.0, self.duration_s + 1e-6) if t_range is None else t_range
        lo_us, hi_us = (self.t0_us + int(x * 1e6) for x in span)
        i0, i1 = levels.chunks_in(lo_us, hi_us)
        if column in summaries.SUMMARY_COLUMNS:
            level = levels.level(column, i0, i1, bins)
            if level is not None:
                t = (level.t_us - self.t0_us) / 1e6
                return peaks(t, level.mins, level.maxs, bins, span)
        cols = levels.samples_of(i0, i1)
        t = (cols["t_us"].astype(np.int64) - self.t0_us) / 1e6
        lo, hi = np.searchsorted(t, span)
        return self._envelope_of(t[lo:hi], cols[column][lo:hi], bins)

    def _envelope_of(
        self, t: npt.NDArray[np.float64], y_raw: npt.NDArray[Any], bins: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        y = y_raw.astype(np.float64)  # convert only what is shown
        if len(t) <= 2 * bins:
            return self._with_gaps(t, y)
        edges = np.linspace(t[0], t[-1], bins + 1)
        idx = np.clip(np.searchsorted(t, edges[:-1]), 0, len(t) - 1)
        mins = np.minimum.reduceat(y, idx)
        maxs = np.maximum.reduceat(y, idx)
        counts = np.diff(np.append(idx, len(t)))
        centres = (edges[:-1] + edges[1:]) / 2
        xs = np.repeat(centres, 2)
        ys = np.column_stack([mins, maxs]).ravel()
        empty = np.repeat(counts == 0, 2)
        ys[empty] = np.nan
        return xs, ys

    def _with_gaps(
        self, t: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        if len(t) < 3:
            return t, y
        dt = np.diff(t)
        typical = float(np.median(dt))
        breaks = np.flatnonzero(dt > max(5 * typical, 0.05)) + 1
        if not len(breaks):
            return t, y
        return np.insert(t, breaks, t[breaks] - typical / 2), np.insert(y, breaks, np.nan)

    def timeline(self, zone_labels: Mapping[str, str] | None = None) -> list[TimelineRow]:
        """The events in time order, in local time and in words (event_timeline.py)."""
        return timeline(
            self.events,
            t0_us=self.t0_us,
            started_utc=self.meta["started_utc"],
            tz=self.meta["tz"],
            zone_labels=zone_labels,
        )

    def gaps(self) -> list[Gap]:
        out = []
        for e in self.events:
            if e["kind"] not in GAP_KINDS or e["kind"] is EventKind.LINK_LOST:
                continue
            data = e["data"]
            t = self.rel_s(e["t_us"])
            out.append(
                Gap(
                    t_s=t if t is not None else float("nan"),
                    length_s=float(data.get("gap_s", 0.0)),
                    frames_lost=int(data.get("frames_lost", 0)),
                    kind=e["kind"],
                )
            )
        return out

    def alarms(self) -> list[EventRecord]:
        return [e for e in self.events if e["kind"] in ALARM_KINDS]

    def steps(self) -> list[EventRecord]:
        """The procedure's steps, timers and overrides, in order (issue 11)."""
        return [e for e in self.events if e["kind"] in STEP_KINDS]

    # ------------------------------------------------------------ replay

    def _around(self, t_s: float) -> tuple[Columns, npt.NDArray[np.float64], Columns]:
        """The samples near t_s with their times, and the session's first chunk."""
        levels = self.levels
        if levels is None:
            return self.columns, self.t_s, self.columns
        if self._first is None:
            self._first = levels.samples_of(0, 1)
        # past the last sample (the replay runs on to a pass that ended later): the last
        t_us = min(self.t0_us + int(t_s * 1e6), levels.t_end_us)
        i0, i1 = levels.chunks_in(t_us, t_us)
        cols = levels.samples_of(max(0, i0 - 1), i1)  # the sample before t may be earlier
        return cols, (cols["t_us"].astype(np.int64) - self.t0_us) / 1e6, self._first

    def state_at(self, t_s: float) -> ReplayState:
        if not self.samples:
            return ReplayState(t_s, 0, 0, 0.0, 0, "", 0, {}, 0)
        c, times, first = self._around(t_s)
        i = int(np.clip(np.searchsorted(times, t_s, side="right") - 1, 0, len(times) - 1))
        zone_idx = int(c["zone"][i])
        zone = self.zone_ids[zone_idx - 1] if 0 < zone_idx <= len(self.zone_ids) else ""
        t_us = self.t0_us + int(t_s * 1e6)
        done: dict[str, int] = {}
        for p in self.passes:
            if p["ended_t_us"] <= t_us:
                done[p["zone"]] = done.get(p["zone"], 0) + 1
        events = sum(1 for e in self.events if e["t_us"] is not None and e["t_us"] <= t_us)
        return ReplayState(
            t_s=t_s,
            depth_set_um=int(c["depth_set_um"][i]),
            depth_meas_um=int(c["depth_meas_um"][i]),
            rate_hz=int(c["rate_dhz"][i]) / 10,
            strokes=int(c["strokes"][i] - first["strokes"][0]),
            zone=zone,
            pass_no=int(c["pass_no"][i]),
            passes_done=done,
            events_so_far=events,
        )

    def zone_summary(self) -> list[dict[str, Any]]:
        """Per zone: passes, strokes, contact time, mean and max measured depth."""
        rows: dict[str, dict[str, Any]] = {}
        for p in self.passes:
            r = rows.setdefault(
                p["zone"],
                {
                    "zone": p["zone"],
                    "passes": 0,
                    "prp_passes": 0,  # counted apart from the dry passes (issue 11)
                    "strokes": 0,
                    "contact_s": 0.0,
                    "depth_max_um": 0,
                    "_depth_sum": 0.0,
                },
            )
            r["prp_passes" if is_prp_pass(p["pass_no"]) else "passes"] += 1
            r["strokes"] += p["strokes"]
            r["contact_s"] += p["contact_ms"] / 1000
            r["depth_max_um"] = max(r["depth_max_um"], p["depth_max_um"] or 0)
            r["_depth_sum"] += (p["depth_mean_um"] or 0) * p["strokes"]
        for r in rows.values():
            total = r.pop("_depth_sum")
            r["depth_mean_um"] = total / r["strokes"] if r["strokes"] else None
        return list(rows.values())


STEP_KINDS = frozenset(
    {
        EventKind.STEP_DONE,
        EventKind.STEP_UNDONE,
        EventKind.STEP_TIMER_DONE,
        EventKind.START_OVERRIDE,
        EventKind.SKIN_TYPE_DEPTH,
    }
)
