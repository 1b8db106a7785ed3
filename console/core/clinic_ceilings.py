"""The clinic's own depth ceilings: edits of a map's defaults, kept in the database and
logged in the audit trail with the old and new value. Qt-free.

A ceiling is a safety setting: changing one needs EDIT_CEILING_DEFAULTS (a supervisor or
an admin), checked through `Access`. A value off the pen's depth step is refused; a
value above the zone's published range needs `confirm_above_range=True`, and that
confirmation is recorded in the audit row.
"""

from __future__ import annotations

from console.core.access import Access
from console.core.roles import Action
from console.core.zones import ZoneMap
from console.store import Store, utc_now
from console.store.ceilings import CeilingRow

# The FDA De Novo clearance DEN160029 covers 0–2.5 mm in 0.25 mm steps.
MAX_CEILING_UM = 2500
DEPTH_STEP_UM = 250


class CeilingError(ValueError):
    """A ceiling value that is not allowed; the message says what to give instead."""


def clinic_ceilings(store: Store, map_id: str) -> dict[str, int]:
    return store.ceilings.for_map(map_id)


def effective_map(store: Store | None, zone_map: ZoneMap) -> ZoneMap:
    """The map with this clinic's ceilings in place of the shipped defaults."""
    return (
        zone_map if store is None else zone_map.with_ceilings(clinic_ceilings(store, zone_map.id))
    )


def set_clinic_ceiling(
    access: Access,
    zone_map: ZoneMap,
    zone: str,
    depth_um: int,
    *,
    confirm_above_range: bool = False,
    step_um: int = DEPTH_STEP_UM,
) -> int:
    """Change one zone's default ceiling; returns the old value. Every edit is audited."""
    store = access.store
    z = zone_map.zone(zone)
    obj = f"map:{zone_map.id}/{zone}"
    if not z.depth_min_um <= depth_um <= MAX_CEILING_UM:
        raise CeilingError(
            f"the ceiling for {z.label} must be between {z.depth_min_um} and "
            f"{MAX_CEILING_UM} µm (got {depth_um})"
        )
    if step_um > 0 and depth_um % step_um:
        raise CeilingError(
            f"{depth_um} µm is not on the pen's {step_um} µm depth step; give a multiple "
            f"of {step_um} µm"
        )
    published = zone_map.zone(zone).depth_max_um
    above = depth_um > published
    if above and not confirm_above_range:
        raise CeilingError(
            f"{depth_um} µm is above the published range for {z.label} (up to {published} "
            "µm); confirm it explicitly (--confirm-above-range) if that is intended"
        )
    actor = access.require(Action.EDIT_CEILING_DEFAULTS, obj)
    old = effective_map(store, zone_map).zone(zone).depth_max_um
    new: dict[str, object] = {"depth_max_um": depth_um}
    if above:
        new["above_published_um"] = published
        new["confirmed"] = True
    with store.transaction():
        store.ceilings.put(CeilingRow(zone_map.id, zone, depth_um, actor.name, utc_now()))
        store.audit.append(actor.name, "zone.ceiling", obj, {"depth_max_um": old}, new)
    return old
