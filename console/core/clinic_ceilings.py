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
from console.store.ceilings import CeilingRow, logged_ceilings

# The FDA De Novo clearance DEN160029 covers 0–2.5 mm in 0.25 mm steps.
MAX_CEILING_UM = 2500
DEPTH_STEP_UM = 250


class CeilingError(ValueError):
    """A ceiling value that is not allowed; the message says what to give instead."""


def clinic_ceilings(store: Store, map_id: str) -> tuple[dict[str, int], list[str]]:
    """The clinic's ceilings for one map that agree with the keyed audit trail, and one
    sentence per zone whose stored value does not (that zone keeps the shipped default).

    Only `zone.ceiling` rows whose HMAC verifies under the installation key count, so a
    value written into the database behind the console's back, with or without a forged
    audit row, is never used for treatment."""
    rows = [e for e in store.audit.entries(action="zone.ceiling") if store.audit.verifies(e)]
    logged = logged_ceilings(rows)
    trusted: dict[str, int] = {}
    refused: list[str] = []
    for zone, um in store.ceilings.for_map(map_id).items():
        want = logged.get((map_id, zone))
        if want == um:
            trusted[zone] = um
            continue
        trail = "no audit row" if want is None else f"the audit trail says {want} µm"
        refused.append(
            f"the clinic's ceiling for {map_id}/{zone} ({um} µm) does not match the audit "
            f"trail ({trail}): the shipped default is used; run `db check` and ask an "
            "administrator"
        )
    return trusted, refused


def checked_map(store: Store | None, zone_map: ZoneMap) -> tuple[ZoneMap, list[str]]:
    """The map with this clinic's audited ceilings in place of the shipped defaults, and
    a sentence for each zone whose stored ceiling was refused (see `clinic_ceilings`)."""
    if store is None:
        return zone_map, []
    trusted, refused = clinic_ceilings(store, zone_map.id)
    return zone_map.with_ceilings(trusted), refused


def effective_map(store: Store | None, zone_map: ZoneMap) -> ZoneMap:
    """The map with this clinic's audited ceilings (tampered ones are left out)."""
    return checked_map(store, zone_map)[0]


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
    if clinic_ceilings(store, zone_map.id)[0].get(zone) == depth_um:
        return depth_um  # already this clinic's audited value: nothing changes, no audit row
    old = effective_map(store, zone_map).zone(zone).depth_max_um
    new: dict[str, object] = {"depth_max_um": depth_um}
    if above:
        new["above_published_um"] = published
        new["confirmed"] = True
    with store.transaction():
        store.ceilings.put(CeilingRow(zone_map.id, zone, depth_um, actor.name, utc_now()))
        store.audit.append(actor.name, "zone.ceiling", obj, {"depth_max_um": old}, new)
    return old
