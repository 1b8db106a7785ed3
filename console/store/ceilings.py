"""The zone_ceilings table: the clinic's own depth ceilings per map zone.

Only SQL; the rules (who may, the allowed range, the audit row) live in
console/core/clinic_ceilings.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.db import Db


@dataclass(frozen=True, slots=True)
class CeilingRow:
    map_id: str
    zone: str
    depth_max_um: int
    edited_by: str
    edited_utc: str


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
