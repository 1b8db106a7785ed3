"""The clinic's own depth ceilings: edits of a map's defaults, kept in the database and
logged in the audit trail with the old and new value. Qt-free."""

from __future__ import annotations

from console.core.audit import AuditLog
from console.core.zones import ZoneMap
from console.store import Store, utc_now

# The FDA De Novo clearance DEN160029 covers 0–2.5 mm; nothing above is accepted.
MAX_CEILING_UM = 2500


def clinic_ceilings(store: Store, map_id: str) -> dict[str, int]:
    with store.lock:
        rows = store.conn.execute(
            "SELECT zone, depth_max_um FROM zone_ceilings WHERE map_id = ?", (map_id,)
        ).fetchall()
    return {zone: int(um) for zone, um in rows}


def effective_map(store: Store | None, zone_map: ZoneMap) -> ZoneMap:
    """The map with this clinic's ceilings in place of the shipped defaults."""
    return (
        zone_map if store is None else zone_map.with_ceilings(clinic_ceilings(store, zone_map.id))
    )


def set_clinic_ceiling(store: Store, zone_map: ZoneMap, zone: str, depth_um: int, by: str) -> int:
    """Change one zone's default ceiling; returns the old value. Every edit is audited."""
    z = zone_map.zone(zone)
    if not z.depth_min_um <= depth_um <= MAX_CEILING_UM:
        raise ValueError(
            f"the ceiling for {z.label} must be between {z.depth_min_um} and "
            f"{MAX_CEILING_UM} µm (got {depth_um})"
        )
    old = effective_map(store, zone_map).zone(zone).depth_max_um
    with store.lock, store.conn:
        store.conn.execute(
            "INSERT INTO zone_ceilings (map_id, zone, depth_max_um, edited_by, edited_utc)"
            " VALUES (?,?,?,?,?) ON CONFLICT (map_id, zone) DO UPDATE SET"
            " depth_max_um = excluded.depth_max_um, edited_by = excluded.edited_by,"
            " edited_utc = excluded.edited_utc",
            (zone_map.id, zone, depth_um, by, utc_now()),
        )
    AuditLog(store.conn).append(
        by,
        "zone.ceiling",
        f"map:{zone_map.id}/{zone}",
        {"depth_max_um": old},
        {"depth_max_um": depth_um},
    )
    return old
