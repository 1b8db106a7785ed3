"""The zone_ceilings table: the clinic's own depth ceilings per map zone.

Only SQL; the rules (who may, the allowed range, the audit row) live in
console/core/clinic_ceilings.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console.store.audit import AuditEntry, AuditTrail
from console.store.db import Db

CEILING_ACTION = "zone.ceiling"


@dataclass(frozen=True, slots=True)
class CeilingRow:
    map_id: str
    zone: str
    depth_max_um: int
    edited_by: str
    edited_utc: str


def logged_ceilings(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], int]:
    """(map, zone) -> µm, as the `zone.ceiling` rows of the audit trail set them."""
    expected: dict[tuple[str, str], int] = {}
    for e in entries:
        if e.action == CEILING_ACTION and e.object.startswith("map:"):
            map_id, _, zone = e.object.removeprefix("map:").partition("/")
            new = e.new()
            if isinstance(new, dict) and "depth_max_um" in new:
                expected[(map_id, zone)] = int(new["depth_max_um"])
    return expected


class CeilingTable:
    def __init__(self, db: Db) -> None:
        self._db = db

    def for_map(self, map_id: str) -> dict[str, int]:
        rows = self._db.query(
            "SELECT zone, depth_max_um FROM zone_ceilings WHERE map_id = ?", (map_id,)
        )
        return {str(zone): int(um) for zone, um in rows}

    def all(self) -> list[CeilingRow]:
        rows = self._db.query(
            "SELECT map_id, zone, depth_max_um, edited_by, edited_utc FROM zone_ceilings"
            " ORDER BY map_id, zone"
        )
        return [CeilingRow(*r) for r in rows]

    def put(self, row: CeilingRow) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO zone_ceilings (map_id, zone, depth_max_um, edited_by, edited_utc)"
                " VALUES (?,?,?,?,?) ON CONFLICT (map_id, zone) DO UPDATE SET"
                " depth_max_um = excluded.depth_max_um, edited_by = excluded.edited_by,"
                " edited_utc = excluded.edited_utc",
                (row.map_id, row.zone, row.depth_max_um, row.edited_by, row.edited_utc),
            )

    def adopt_pre_key(self, audit: AuditTrail, from_schema: int) -> list[CeilingRow]:
        """At the upgrade that brings the installation key: the ceilings set before it are
        logged only in unkeyed audit rows, which the treatment does not trust (a forger
        could write those), so every such ceiling would be refused as tampered. Adopt,
        once, each one that agrees with that old trail, with a keyed row saying so; one
        that disagrees stays refused, as it should. Returns the adopted rows."""
        logged = logged_ceilings(audit.entries(action=CEILING_ACTION))
        adopted = [r for r in self.all() if logged.get((r.map_id, r.zone)) == r.depth_max_um]
        for r in adopted:
            audit.append(
                "console",
                CEILING_ACTION,
                f"map:{r.map_id}/{r.zone}",
                {"depth_max_um": r.depth_max_um},
                {
                    "depth_max_um": r.depth_max_um,
                    "adopted_at_upgrade": {
                        "from_schema": from_schema,
                        "edited_by": r.edited_by,
                        "edited_utc": r.edited_utc,
                        "why": "set before the installation key; agrees with the unkeyed "
                        "audit trail",
                    },
                },
            )
        return adopted
