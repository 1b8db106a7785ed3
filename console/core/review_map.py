"""Which zone map a reviewed session is drawn on, and its plan's pass targets.

The session stores its plan's name and the ids of its map's zones (the recorder writes
them), not the map itself: the plan names its map, and failing that (a plan renamed or
removed since) the map whose zones are the session's is used. Targets are the plan's
passes per zone; zones the plan does not name keep the map's default. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.core.zones import Plan, ZoneMap, available_maps, available_plans, find_plan


@dataclass(frozen=True)
class ReviewMap:
    zone_map: ZoneMap
    targets: dict[str, int] = field(default_factory=dict)  # the plan's passes per zone


def _plan(name: str | None, plans: dict[str, Plan] | None) -> Plan | None:
    if not name:
        return None
    try:
        return find_plan(name, plans)
    except ValueError:  # a plan since renamed or removed: the map is found by its zones
        return None


def review_map(
    plan_name: str | None,
    zone_ids: list[str],
    maps: dict[str, ZoneMap] | None = None,
    plans: dict[str, Plan] | None = None,
) -> ReviewMap:
    maps = maps if maps is not None else available_maps()
    plan = _plan(plan_name, plans if plans is not None else available_plans())
    zones = set(zone_ids)
    fits = [m for m in maps.values() if zones and zones <= set(m.zone_ids)]
    chosen = (
        maps[plan.map_id]
        if plan is not None and plan.map_id in maps and (not zones or maps[plan.map_id] in fits)
        else next((m for m in fits if set(m.zone_ids) == zones), fits[0] if fits else None)
    )
    if chosen is None:
        chosen = maps.get("face") or next(iter(maps.values()))
    targets = (
        {s.zone: s.passes for s in plan.steps if s.zone in chosen.zone_ids}
        if plan is not None and plan.map_id == chosen.id
        else {}
    )
    return ReviewMap(chosen, targets)
