"""The patients table and the series exceptions: only SQL.

The rules (who may add a patient, the Fitzpatrick type, the series) live in
console/core/patients.py and console/core/series.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.db import Db


@dataclass(frozen=True, slots=True)
class PatientRow:
    code: str
    name: str | None
    birth_year: int | None
    fitzpatrick: str | None
    notes: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class SeriesExceptionRow:
    session: str
    days_since_previous: float
    min_days: int
    reason: str
    recorded_by: str
    recorded_utc: str


_COLUMNS = "code, name, birth_year, fitzpatrick, notes, id"


class PatientTable:
    def __init__(self, db: Db) -> None:
        self._db = db

    def find(self, code: str) -> PatientRow | None:
        row = self._db.one(f"SELECT {_COLUMNS} FROM patients WHERE code = ?", (code,))
        return None if row is None else PatientRow(*row)

    def all(self) -> list[PatientRow]:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM patients ORDER BY code")
        return [PatientRow(*r) for r in rows]

    def codes_like(self, prefix: str, limit: int = 20) -> list[str]:
        """Known codes starting with `prefix` (the start screen's completer)."""
        rows = self._db.query(
            "SELECT code FROM patients WHERE code LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", limit),
        )
        return [str(r[0]) for r in rows]

    def put(self, row: PatientRow) -> int:
        """Insert the patient, or update the details of the one with this code."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO patients (code, name, birth_year, fitzpatrick, notes)"
                " VALUES (?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                " birth_year = excluded.birth_year, fitzpatrick = excluded.fitzpatrick,"
                " notes = excluded.notes",
                (row.code, row.name, row.birth_year, row.fitzpatrick, row.notes),
            )
            found = conn.execute("SELECT id FROM patients WHERE code = ?", (row.code,)).fetchone()
        return int(found[0])

    def add_exception(self, row: SeriesExceptionRow) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO series_exceptions (session_uuid, days_since_previous, min_days,"
                " reason, recorded_by, recorded_utc) VALUES (?,?,?,?,?,?)",
                (
                    row.session,
                    row.days_since_previous,
                    row.min_days,
                    row.reason,
                    row.recorded_by,
                    row.recorded_utc,
                ),
            )

    def exceptions(self, session: str) -> list[SeriesExceptionRow]:
        rows = self._db.query(
            "SELECT session_uuid, days_since_previous, min_days, reason, recorded_by,"
            " recorded_utc FROM series_exceptions WHERE session_uuid = ? ORDER BY id",
            (session,),
        )
        return [SeriesExceptionRow(*r) for r in rows]
