"""Per-zone depth and passes against the plan, for the session report. Qt-free.

What was done comes from the record: the passes (dry and PRP counted apart) and the
measured depth of the samples in each zone (max and median, contact only). What was meant
comes from the plan the session ran under: its depth and passes per zone, and the zone's
ceiling (the clinic's audited ceilings over the map's defaults; a supervisor's override in
the session is shown beside it, never in its place). A `plan_depth` event, written when
the console sent a zone's depth, wins over the plan file: it carries the plan as that
session had it (a per-session edit may have changed it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import numpy as np

from console.core.clinic_ceilings import effective_map
from console.core.event_words import mm
from console.core.passes import is_prp_pass
from console.core.review import SessionReview
from console.core.zones import Plan, ZoneMap, available_maps, find_plan
from console.store import EventKind

# A median within this of the plan's depth is on target: the pen sets depth in 0.25 mm
# steps (pen-protocol.md) and its sensor reads within about ±0.05 mm.
DEPTH_TOLERANCE_UM = 50
DEPTH_COLUMNS = frozenset({"zone", "depth_meas_um"})


class ZoneFlag(enum.StrEnum):
    ABOVE_CEILING = "above the zone's ceiling"
    OVER_DEPTH = "deeper than planned"
    UNDER_DEPTH = "shallower than planned"
    EXTRA_PASSES = "more passes than planned"
    MISSING_PASSES = "fewer passes than planned"
    NOT_IN_PLAN = "not in the plan"


@dataclass(frozen=True, slots=True)
class ZoneResult:
    zone: str  # id
    label: str
    passes: int
    passes_planned: int | None  # None: no plan, or the zone is not in it
    prp_passes: int
    prp_planned: int | None
    depth_max_um: int | None  # measured, in contact; None when never touched
    depth_median_um: int | None
    plan_um: int | None
    ceiling_um: int | None  # the clinic's ceiling for the zone
    override_um: int | None  # a supervisor's ceiling override in this session
    flags: tuple[ZoneFlag, ...]

    def flag_words(self) -> str:
        words = "; ".join(self.flags) or "on plan"
        return words + (
            f" (ceiling overridden to {mm(self.override_um)})" if self.override_um else ""
        )


def zone_results(review: SessionReview) -> list[ZoneResult]:
    """The plan's zones in plan order, then any zone treated outside the plan."""
    plan = _plan(review.meta["plan_name"])
    zone_map = _map(review, plan)
    done = _passes(review)
    depths = _depths(review)
    asked = _asked_depths(review)
    overrides = {
        e["data"]["zone"]: e["data"].get("ceiling_um")
        for e in review.events
        if e["kind"] is EventKind.CEILING_OVERRIDE and e["data"].get("zone")
    }
    order = [s.zone for s in plan.steps] if plan else []
    order += [z for z in [*done, *depths] if z not in order]
    out = []
    for zone in dict.fromkeys(order):
        step = plan.step(zone) if plan else None
        step = step.normalised() if step else None
        try:
            z = zone_map.zone(zone) if zone_map else None
        except KeyError:
            z = None
        plan_um = asked.get(zone, step.depth_um if step else None)
        dry, prp = done.get(zone, (0, 0))
        d_max, d_med = depths.get(zone, (None, None))
        result = ZoneResult(
            zone=zone,
            label=z.label if z else zone,
            passes=dry,
            passes_planned=step.passes if step else None,
            prp_passes=prp,
            prp_planned=step.prp_passes if step else None,
            depth_max_um=d_max,
            depth_median_um=d_med,
            plan_um=plan_um,
            ceiling_um=z.depth_max_um if z else None,
            override_um=overrides.get(zone),
            flags=(),
        )
        out.append(_flagged(result, in_plan=step is not None or plan is None))
    return out


def _flagged(r: ZoneResult, in_plan: bool) -> ZoneResult:
    flags: list[ZoneFlag] = []
    if not in_plan:
        flags.append(ZoneFlag.NOT_IN_PLAN)
    if r.ceiling_um is not None and r.depth_max_um is not None and r.depth_max_um > r.ceiling_um:
        flags.append(ZoneFlag.ABOVE_CEILING)
    if r.plan_um is not None and r.depth_median_um is not None:
        if r.depth_median_um > r.plan_um + DEPTH_TOLERANCE_UM:
            flags.append(ZoneFlag.OVER_DEPTH)
        elif r.depth_median_um < r.plan_um - DEPTH_TOLERANCE_UM:
            flags.append(ZoneFlag.UNDER_DEPTH)
    if r.passes_planned is not None:  # dry and PRP passes each against their own count
        pairs = ((r.passes, r.passes_planned), (r.prp_passes, r.prp_planned or 0))
        if any(done > planned for done, planned in pairs):
            flags.append(ZoneFlag.EXTRA_PASSES)
        if any(done < planned for done, planned in pairs):
            flags.append(ZoneFlag.MISSING_PASSES)
    return replace(r, flags=tuple(flags))


def session_map(review: SessionReview) -> ZoneMap | None:
    """The map the session was treated on: its plan's, else the one holding its zones."""
    return _map(review, _plan(review.meta["plan_name"]))


def _plan(name: str | None) -> Plan | None:
    if not name:
        return None
    try:
        return find_plan(name)
    except ValueError:  # a plan since removed or renamed: report what was recorded
        return None


def _map(review: SessionReview, plan: Plan | None) -> ZoneMap | None:
    maps = available_maps()
    if plan is not None and plan.map_id in maps:
        return effective_map(review.store, maps[plan.map_id])
    ids = set(review.zone_ids)
    for m in maps.values():  # without a plan: the map whose zones the session recorded
        if ids and ids <= set(m.zone_ids):
            return effective_map(review.store, m)
    return None


def _passes(review: SessionReview) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for p in review.passes:
        dry, prp = out.get(p["zone"], (0, 0))
        out[p["zone"]] = (dry, prp + 1) if is_prp_pass(p["pass_no"]) else (dry + 1, prp)
    return out


def _depths(review: SessionReview) -> dict[str, tuple[int, int]]:
    """Max and median measured depth per zone while in contact (a reading of 0 is the
    needles out). One histogram per zone (depths are whole µm), so the median is exact
    (the lower middle reading) and a 30-minute session is one pass over its samples."""
    cols = review.store.load_telemetry(review.session, DEPTH_COLUMNS)
    depth = cols["depth_meas_um"].astype(np.int64)
    touching = depth > 0
    zone_idx = cols["zone"][touching].astype(np.int64)
    depth = depth[touching]
    if not len(depth):
        return {}
    width = int(depth.max()) + 1
    hist = np.bincount(zone_idx * width + depth, minlength=(len(review.zone_ids) + 1) * width)
    out = {}
    for i, zone in enumerate(review.zone_ids, start=1):
        counts = hist[i * width : (i + 1) * width]
        n = int(counts.sum())
        if n:
            readings = np.flatnonzero(counts)
            median = int(np.searchsorted(np.cumsum(counts), (n + 1) // 2))
            out[zone] = (int(readings[-1]), median)
    return out


def _asked_depths(review: SessionReview) -> dict[str, int]:
    """The plan's depth per zone as the session last sent it (plan_depth events)."""
    return {
        e["data"]["zone"]: int(e["data"]["plan_um"])
        for e in review.events
        if e["kind"] is EventKind.PLAN_DEPTH and e["data"].get("zone") and e["data"].get("plan_um")
    }
