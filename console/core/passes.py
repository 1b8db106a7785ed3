"""Passes per zone: which zone the pen is in, which pass this is, and what each pass did.

A pass is one coverage of a zone, not a skin contact: the practitioner closes it with a
short press of the pen's mark button (or a touch on the map); a long press moves to the
plan's next zone. Every telemetry sample is attributed to the active zone and the pass
in progress (the recorder's annotator). Qt-free and thread-safe: the link's thread feeds
it samples and events in stream order, the GUI thread selects zones and marks passes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.zones import Plan, ZoneMap
from drivers.messages import Button, Event, EventCode, Status, TelemetryBatch


@dataclass(frozen=True, slots=True)
class PassRecord:
    zone: str
    pass_no: int
    started_t_us: int
    ended_t_us: int
    strokes: int
    contact_ms: int
    depth_mean_um: float | None
    depth_max_um: int | None
    closed_at_end: bool = False  # closed by End session, not by a mark

    def row(self) -> dict[str, object]:
        """The zone_passes row's fields (the store adds the session and `undone`)."""
        return asdict(self)


@dataclass
class _Open:
    """The pass in progress."""

    started_t_us: int | None = None
    first_strokes: int | None = None
    last_strokes: int | None = None
    last_t_us: int | None = None
    contact_us: int = 0
    depth_sum: float = 0.0
    depth_n: int = 0
    depth_max: int = 0


# A PRP pass (issue 11) is stored with pass_no PRP_PASS_BASE + n, in the samples' pass
# column and in zone_passes alike, so the record needs no new column: pass_label() turns
# it into "prp1" for the CSV, the JSON export and the report.
PRP_PASS_BASE = 100


def closed_at_end_ids(passes: list[Any], events: list[Any]) -> set[int]:
    """The stored passes (ids) that End session closed rather than a mark: the record's
    `pass_marked` event of each says `closed_at_end` (zone_passes has no column for it)."""
    ends = {
        (d["zone"], d["pass_no"], d["ended_t_us"])
        for e in events
        if e["kind"] == "pass_marked" and (d := e["data"] or {}).get("closed_at_end")
    }
    return {p["id"] for p in passes if (p["zone"], p["pass_no"], p["ended_t_us"]) in ends}


def is_prp_pass(pass_no: int) -> bool:
    return pass_no > PRP_PASS_BASE


def pass_label(pass_no: int) -> str:
    """What a stored pass number reads as: "" (no pass), "2", or "prp1"."""
    if pass_no <= 0:
        return ""
    return f"prp{pass_no - PRP_PASS_BASE}" if is_prp_pass(pass_no) else str(pass_no)


CLOSED_AT_END = "closed at end (not marked)"  # End session closed it; no mark did


def pass_words(pass_no: int, closed_at_end: bool) -> str:
    """A pass as the review lists it: "2", or "2 · closed at end (not marked)" for the pass
    End session closed (practitioner review 5: never shown as if it was marked done)."""
    label = pass_label(pass_no)
    return f"{label} · {CLOSED_AT_END}" if closed_at_end else label


ZoneListener = Callable[[str, str], None]  # (new zone, how: "start" | "pen" | "touch" | ...)
PassListener = Callable[[PassRecord, bool], None]  # (record, undone)


class PassTracker:
    def __init__(self, zone_map: ZoneMap, plan: Plan | None = None) -> None:
        self.map = zone_map
        self.plan = plan
        self.zone_ids = zone_map.zone_ids  # the recorder stores this list with the session
        self._lock = threading.RLock()
        self.active: str | None = None
        self.done: list[PassRecord] = []
        self._open = _Open()
        self.last_t_us: int | None = None  # newest sample seen, kept across zone changes
        self.on_zone: list[ZoneListener] = []
        self.on_pass: list[PassListener] = []
        # Whether PRP passes may be counted yet: the plan run says so once its PRP spread
        # step is done. Before then a zone's passes past its dry target stay dry passes.
        self.prp_ready: Callable[[], bool] = lambda: True

    # ------------------------------------------------------------ state

    def passes_done(self, zone: str) -> int:
        """Dry passes done in `zone` (PRP passes are counted apart, by prp_done)."""
        return sum(1 for p in self.done if p.zone == zone and not is_prp_pass(p.pass_no))

    def prp_done(self, zone: str) -> int:
        return sum(1 for p in self.done if p.zone == zone and is_prp_pass(p.pass_no))

    def prp_target(self, zone: str) -> int:
        step = self.plan.step(zone) if self.plan else None
        return step.prp_passes if step else 0

    def current_pass(self) -> int:
        """The stored number of the pass in progress: once a zone's dry passes reach the
        plan's target and the plan has PRP passes for it, PRP_PASS_BASE + n."""
        zone = self.active
        if zone is None:
            return 0
        dry = self.passes_done(zone)
        if self.prp_target(zone) and dry >= self.target(zone) and self.prp_ready():
            return PRP_PASS_BASE + self.prp_done(zone) + 1
        return dry + 1

    def open_pass_has_work(self) -> bool:
        """Whether the pass in progress has strokes that no mark has closed yet."""
        with self._lock:
            o = self._open
            return self.active is not None and (o.last_strokes or 0) > (o.first_strokes or 0)

    def target(self, zone: str) -> int:
        step = self.plan.step(zone) if self.plan else None
        return step.passes if step else self.map.zone(zone).target_passes

    def strokes_in(self, zone: str) -> int:
        return sum(p.strokes for p in self.done if p.zone == zone)

    def remaining(self) -> list[str]:
        """Plan zones whose target is not reached yet, in plan order."""
        zones = self.plan.zones if self.plan else self.zone_ids
        prp = self.prp_ready()
        return [
            z
            for z in zones
            if self.passes_done(z) < self.target(z)
            or (prp and self.prp_done(z) < self.prp_target(z))
        ]

    def next_zone(self) -> str | None:
        order = self.plan.zones if self.plan else self.zone_ids
        if self.active in order:
            later = order[order.index(self.active) + 1 :]
            remaining = self.remaining()
            # After the last zone, back to the first with passes to do (the PRP round).
            return (
                next((z for z in later if z in remaining), None)
                or next((z for z in order if z in remaining and z != self.active), None)
                or (later[0] if later else None)
            )
        return order[0] if order else None

    def progress(self) -> tuple[int, int]:
        """(passes done, passes planned) over the plan."""
        zones = self.plan.zones if self.plan else []
        planned = sum(self.target(z) + self.prp_target(z) for z in zones)
        done = sum(
            min(self.passes_done(z), self.target(z)) + min(self.prp_done(z), self.prp_target(z))
            for z in zones
        )
        return done, planned

    # ------------------------------------------------------------ actions

    def start(self) -> None:
        """Begin at the plan's first zone."""
        if self.plan and self.plan.steps:
            self.select(self.plan.steps[0].zone, how="start")

    def reset(self) -> None:
        with self._lock:
            self.done = []
            self.active = None
            self._open = _Open()

    def clear_counts(self) -> None:
        """After End session: no pass of the patient before is counted on the idle screen;
        the zone in force stays (the pen holds its ceiling), and is not announced again."""
        with self._lock:
            self.done = []
            self._open = _Open()

    def select(self, zone: str, how: str = "touch") -> None:
        self.map.zone(zone)  # raises for an unknown zone
        with self._lock:
            if zone == self.active:
                return
            self.active = zone
            self._open = _Open()
        for cb in self.on_zone:
            cb(zone, how)

    def advance(self, how: str = "pen") -> str | None:
        nxt = self.next_zone()
        if nxt is not None:
            self.select(nxt, how=how)
        return nxt

    def mark_pass(
        self, at_t_us: int | None = None, *, closed_at_end: bool = False
    ) -> PassRecord | None:
        with self._lock:
            if self.active is None:
                return None
            o = self._open
            started = o.started_t_us if o.started_t_us is not None else (at_t_us or 0)
            record = PassRecord(
                zone=self.active,
                pass_no=self.current_pass(),
                started_t_us=started,
                ended_t_us=at_t_us if at_t_us is not None else (o.last_t_us or started),
                strokes=(o.last_strokes or 0) - (o.first_strokes or 0),
                contact_ms=o.contact_us // 1000,
                depth_mean_um=round(o.depth_sum / o.depth_n, 1) if o.depth_n else None,
                depth_max_um=o.depth_max if o.depth_n else None,
                closed_at_end=closed_at_end,
            )
            self.done.append(record)
            # The next pass starts where this one ended: strokes are counted edge to edge.
            self._open = _Open(
                started_t_us=record.ended_t_us,
                first_strokes=o.last_strokes,
                last_strokes=o.last_strokes,
                last_t_us=o.last_t_us,
            )
        for cb in self.on_pass:
            cb(record, False)
        return record

    def undo(self) -> PassRecord | None:
        """Take back the last mark: that pass is open again (the record keeps an undo)."""
        with self._lock:
            if not self.done:
                return None
            record = self.done.pop()
            if record.zone != self.active:
                self.active = record.zone
            o = self._open
            self._open = _Open(
                started_t_us=record.started_t_us,
                first_strokes=(o.first_strokes or 0) - record.strokes,
                last_strokes=o.last_strokes,
                last_t_us=o.last_t_us,
                contact_us=o.contact_us + record.contact_ms * 1000,
            )
        for cb in self.on_pass:
            cb(record, True)
        return record

    # ------------------------------------------------------------ link listener

    def annotate(
        self, batch: TelemetryBatch
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """Zone index and pass number for each sample; also accumulates the open pass."""
        n = len(batch)
        with self._lock:
            if self.active is None or n == 0:
                return np.zeros(n, np.uint8), np.zeros(n, np.uint8)
            zone = np.full(n, self.map.index(self.active), np.uint8)
            pass_no = np.full(n, min(self.current_pass(), 255), np.uint8)
            self._accumulate(batch)
        return zone, pass_no

    def _accumulate(self, batch: TelemetryBatch) -> None:
        o = self._open
        t = batch.t_us
        if o.started_t_us is None:
            o.started_t_us = int(t[0])
        if o.first_strokes is None:
            o.first_strokes = int(batch.strokes[0])
        contact = (batch.status & Status.SKIN_CONTACT) != 0
        prev_t = o.last_t_us if o.last_t_us is not None else int(t[0])
        dt = np.diff(t, prepend=prev_t)
        o.contact_us += int(dt[contact].sum())
        touching = contact & (batch.depth_meas_um > 0)
        if touching.any():
            depths = batch.depth_meas_um[touching]
            o.depth_sum += float(depths.sum())
            o.depth_n += int(depths.size)
            o.depth_max = max(o.depth_max, int(depths.max()))
        o.last_strokes = int(batch.strokes[-1])
        o.last_t_us = int(t[-1])
        self.last_t_us = o.last_t_us

    def on_event(self, event: Event) -> None:
        if event.arg != Button.MARK:
            return
        if event.code == EventCode.BUTTON_SHORT:
            self.mark_pass(event.t_us)
        elif event.code == EventCode.BUTTON_LONG:
            self.advance(how="pen")
