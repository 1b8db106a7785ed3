"""The session_products table: products and lots per session, and the recall search.

Only SQL; parsing barcodes, the single-use rule and expiry live in console/core/lots.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.db import Db


@dataclass(frozen=True, slots=True)
class ProductRow:
    session: str
    kind: str
    name: str
    gtin: str | None
    lot: str
    serial: str | None
    expiry: str | None  # ISO date
    recorded_utc: str
    recorded_by: str
    override_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LotUse:
    """One session that used a lot (the recall list)."""

    session: str
    patient_code: str | None
    started_utc: str
    kind: str
    name: str
    lot: str
    serial: str | None
    expiry: str | None


_COLUMNS = (
    "session_uuid, kind, name, gtin, lot, serial, expiry, recorded_utc, recorded_by,"
    " override_reason"
)


# Lots and serials are stored normalised (no whitespace, upper case: console/core/lots.py),
# and the argument is too; rows written before that may be mixed case or spaced, so the
# column is normalised the same way here.
_SAME_LOT = "upper(replace(p.lot, ' ', '')) = upper(replace(?, ' ', ''))"
_SAME_SERIAL = "upper(replace(p.serial, ' ', '')) IS upper(replace(?, ' ', ''))"


class ProductTable:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, row: ProductRow) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO session_products ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    row.session,
                    row.kind,
                    row.name,
                    row.gtin,
                    row.lot,
                    row.serial,
                    row.expiry,
                    row.recorded_utc,
                    row.recorded_by,
                    row.override_reason,
                ),
            )

    def for_session(self, session: str) -> list[ProductRow]:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM session_products WHERE session_uuid = ? ORDER BY id",
            (session,),
        )
        return [ProductRow(*r) for r in rows]

    def cartridge_patients(self, lot: str, serial: str | None) -> list[tuple[str, str]]:
        """(session, patient code) of every session that used this cartridge lot and
        serial (any serial, and none, when `serial` is None)."""
        same_serial = "" if serial is None else f" AND {_SAME_SERIAL}"
        args: tuple[object, ...] = (lot,) if serial is None else (lot, serial)
        rows = self._db.query(
            "SELECT p.session_uuid, coalesce(pa.code, '') FROM session_products p"
            " JOIN sessions s ON s.uuid = p.session_uuid"
            " LEFT JOIN patients pa ON pa.id = s.patient_id"
            f" WHERE p.kind = 'cartridge' AND {_SAME_LOT}{same_serial} ORDER BY p.id",
            args,
        )
        return [(str(a), str(b)) for a, b in rows]

    def uses_of_lot(self, lot: str) -> list[LotUse]:
        rows = self._db.query(
            "SELECT p.session_uuid, pa.code, s.started_utc, p.kind, p.name, p.lot, p.serial,"
            " p.expiry FROM session_products p JOIN sessions s ON s.uuid = p.session_uuid"
            f" LEFT JOIN patients pa ON pa.id = s.patient_id WHERE {_SAME_LOT}"
            " ORDER BY s.started_utc, p.id",
            (lot,),
        )
        return [LotUse(*r) for r in rows]
