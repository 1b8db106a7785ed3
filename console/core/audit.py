"""The audit trail: an append-only, hash-chained log of who did what, when, old and new.

Modelled on 21 CFR Part 11 §11.10(e): every row has a UTC time, the user, the action,
the object and the old and new values, and carries the SHA-256 of the row before it, so
any edit or removal breaks the chain. SQLite triggers reject UPDATE and DELETE outright;
the chain catches edits made behind SQLite's back (a hex editor, a dropped trigger).

Qt-free. Takes a sqlite3 connection; the store creates the table (AUDIT_SCHEMA_SQL).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

AUDIT_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at_utc TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted'); END;
"""

_FIELDS = ("at_utc", "user", "action", "object", "old_value", "new_value")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at_utc: str
    user: str
    action: str
    object: str
    old_value: str | None
    new_value: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit_log row {self.entry_id}: {self.reason}"


def row_hash(prev_hash: str, values: dict[str, str | None]) -> str:
    canonical = json.dumps([prev_hash, *(values[f] for f in _FIELDS)], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class AuditLog:
    """Appends to and verifies the chain. Safe to share between threads."""

    _lock = threading.Lock()  # one chain per process: appends must not interleave

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def append(
        self,
        user: str,
        action: str,
        obj: str,
        old: object = None,
        new: object = None,
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        values: dict[str, str | None] = {
            "at_utc": (at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
            "user": user,
            "action": action,
            "object": obj,
            "old_value": _as_text(old),
            "new_value": _as_text(new),
        }
        with self._lock, self._conn:
            last = self._conn.execute(
                "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
            ).fetchone()
            prev = last[0] if last else GENESIS_HASH
            digest = row_hash(prev, values)
            cur = self._conn.execute(
                "INSERT INTO audit_log (at_utc, user, action, object, old_value, new_value,"
                " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*(values[f] for f in _FIELDS), prev, digest),
            )
        return AuditEntry(int(cur.lastrowid or 0), *(values[f] for f in _FIELDS), prev, digest)  # type: ignore[arg-type]

    def entries(self, obj: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT * FROM audit_log"
        args: list[object] = []
        if obj is not None:
            sql += " WHERE object = ?"
            args.append(obj)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [AuditEntry(*row) for row in self._conn.execute(sql, args)]

    def verify(self) -> ChainBreak | None:
        """The first broken link of the chain, or None when every row checks out."""
        prev = GENESIS_HASH
        expected_id: int | None = None
        for row in self._conn.execute("SELECT * FROM audit_log ORDER BY id"):
            entry = AuditEntry(*row)
            if expected_id is not None and entry.id != expected_id:
                return ChainBreak(expected_id, f"row missing (next row is {entry.id})")
            if entry.prev_hash != prev:
                return ChainBreak(entry.id, "does not follow the row before it")
            values = {f: getattr(entry, f) for f in _FIELDS}
            if row_hash(prev, values) != entry.hash:
                return ChainBreak(entry.id, "content changed after it was written")
            prev = entry.hash
            expected_id = entry.id + 1
        return None
