"""The audit trail's table: an append-only, keyed hash chain of who did what, when.

Modelled on 21 CFR Part 11 §11.10(e): every row has a UTC time, the user, the action,
the object and the old and new values. Each row's `hash` is an HMAC-SHA256, under the
installation key (console/store/keys.py), of the row before it and its own fields, so
an edit, insertion or deletion anywhere breaks the chain, and a chain recomputed without
the key does not verify. Rows written before the key existed (databases made by an older
console) carry a plain SHA-256 link; they are accepted only before the first keyed row.
SQLite triggers reject UPDATE and DELETE; the chain catches edits made behind SQLite's
back. The chain-head sidecar catches deleting the last rows, or all of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from console.store.db import Db
from console.store.keys import ChainHead
from console.store.rows import StoreError

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
_COLUMNS = "id, at_utc, user, action, object, old_value, new_value, prev_hash, hash"

# One chain per database file: appends from the GUI's and the recorder's connections
# must not interleave between reading the last hash and inserting the next row.
_append_lock = threading.Lock()


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

    def new(self) -> Any:
        """The new value, decoded from JSON where it is JSON."""
        return _decode(self.new_value)

    def old(self) -> Any:
        return _decode(self.old_value)


assert [f.name for f in fields(AuditEntry)] == _COLUMNS.split(", ")


@dataclass(frozen=True, slots=True)
class ChainBreak:
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit_log row {self.entry_id}: {self.reason}"


def _canonical(prev_hash: str, values: dict[str, str | None]) -> bytes:
    return json.dumps([prev_hash, *(values[f] for f in _FIELDS)], ensure_ascii=False).encode()


def legacy_hash(prev_hash: str, values: dict[str, str | None]) -> str:
    """The unkeyed SHA-256 link of rows written by consoles before the installation key."""
    return hashlib.sha256(_canonical(prev_hash, values)).hexdigest()


def as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class AuditTrail:
    """Appends to, reads and verifies the chain of one database."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def mac(self, message: bytes, *, create: bool = False) -> str | None:
        """An HMAC of `message` under the installation key (None without a key): for
        files the console writes outside the database (spill files) and trusts later."""
        return self._db.key.mac(message, create=create)

    def first_hash(self) -> str:
        """The first row's hash: it never changes, so it names this trail (this database
        and its copies) apart from any other ("" while the trail is empty)."""
        with self._db.lock:
            row = self._db.conn.execute("SELECT hash FROM audit_log ORDER BY id LIMIT 1").fetchone()
        return str(row[0]) if row else ""

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
            "old_value": as_text(old),
            "new_value": as_text(new),
        }
        db = self._db
        with _append_lock, db.transaction() as conn:
            self._still_holds_head(conn)
            last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            prev = str(last[0]) if last else GENESIS_HASH
            digest = db.key.mac(_canonical(prev, values), create=True)
            assert digest is not None  # create=True makes the key
            cur = conn.execute(
                "INSERT INTO audit_log (at_utc, user, action, object, old_value, new_value,"
                " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*(values[f] for f in _FIELDS), prev, digest),
            )
            entry_id = int(cur.lastrowid or 0)
            db.after_commit(lambda: db.head.write(ChainHead(entry_id, digest)))
        return AuditEntry(
            entry_id,
            str(values["at_utc"]),
            user,
            action,
            obj,
            values["old_value"],
            values["new_value"],
            prev,
            digest,
        )

    def _still_holds_head(self, conn: sqlite3.Connection) -> None:
        """Refuse to append when the chain head kept outside the database names a row the
        trail no longer holds (its last rows were deleted) or holds with another hash:
        new rows would take the deleted rows' numbers and hide the cut."""
        head, _unreadable = self._db.head.read()  # an unreadable head: `db check` says so
        if head is None:
            return
        row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (head.entry_id,)).fetchone()
        if row is not None and str(row[0]) == head.hash:
            return
        what = "is missing" if row is None else "has another hash"
        raise TrailCut(
            f"the database's audit trail was cut or rewritten behind the console's back "
            f"(row {head.entry_id}, the last one written here, {what}), so nothing more is "
            "recorded in it; run `pen-console db check` and restore it from a backup"
        )

    def entries(
        self, obj: str | None = None, limit: int | None = None, *, action: str | None = None
    ) -> list[AuditEntry]:
        sql = f"SELECT {_COLUMNS} FROM audit_log"
        where: list[str] = []
        args: list[object] = []
        if obj is not None:
            where.append("object = ?")
            args.append(obj)
        if action is not None:
            where.append("action = ?")
            args.append(action)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [AuditEntry(*row) for row in self._db.query(sql, args)]

    def head(self) -> ChainHead | None:
        row = self._db.one("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        return None if row is None else ChainHead(int(row[0]), str(row[1]))

    def hash_at(self, entry_id: int) -> str | None:
        """The hash of row `entry_id` (None when there is no such row)."""
        row = self._db.one("SELECT hash FROM audit_log WHERE id = ?", (entry_id,))
        return None if row is None else str(row[0])

    def verifies(self, entry: AuditEntry) -> bool:
        """Whether this one row's hash is an HMAC under the installation key (a row forged
        without the key is not). Says nothing about rows deleted around it."""
        values = {f: getattr(entry, f) for f in _FIELDS}
        mac = self._db.key.mac(_canonical(entry.prev_hash, values))
        return mac is not None and hmac.compare_digest(mac, entry.hash)

    def verify(self) -> ChainBreak | None:
        """The first broken link of the chain, or None when every row checks out."""
        breaks = self.breaks()
        return breaks[0] if breaks else None

    def breaks(self, *, limit: int = 20) -> list[ChainBreak]:
        """Every broken link (up to `limit`), each in words; [] when the chain is sound.

        With the key: rows are keyed (HMAC) from the first keyed row on. Unkeyed rows
        are accepted only before it, and only when that first keyed row is the upgrade's
        `audit.keyed` marker counting them, so a chain recomputed without the key fails.
        """
        db = self._db
        out: list[ChainBreak] = []
        prev = GENESIS_HASH
        expected_id = 1
        first_keyed: AuditEntry | None = None
        legacy = 0
        secret_known = db.key.exists()
        with db.lock:
            rows = db.conn.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id").fetchall()
        for row in rows:
            entry = AuditEntry(*row)
            if entry.id != expected_id:
                missing = (
                    f"row {expected_id} is missing"
                    if entry.id == expected_id + 1
                    else f"rows {expected_id} to {entry.id - 1} are missing"
                )
                out.append(ChainBreak(expected_id, f"{missing} (deleted)"))
            elif entry.prev_hash != prev:
                out.append(ChainBreak(entry.id, "does not follow the row before it"))
            values = {f: getattr(entry, f) for f in _FIELDS}
            canonical = _canonical(entry.prev_hash, values)
            keyed = secret_known and hmac.compare_digest(db.key.mac(canonical) or "", entry.hash)
            if keyed and first_keyed is None:
                first_keyed = entry
                if legacy and not _marks(entry, legacy):
                    out.append(
                        ChainBreak(
                            entry.id,
                            f"the {legacy} rows before it are not keyed, and no upgrade "
                            "marker accounts for them (the chain was recomputed without "
                            "the key)",
                        )
                    )
            elif not keyed:
                if first_keyed is None and entry.hash == legacy_hash(entry.prev_hash, values):
                    legacy += 1
                else:
                    out.append(ChainBreak(entry.id, _changed(entry, secret_known)))
            prev = entry.hash
            expected_id = entry.id + 1
            if len(out) >= limit:
                return out
        if rows and secret_known and first_keyed is None:
            out.append(
                ChainBreak(
                    int(rows[-1][0]),
                    "no row of the audit trail verifies with this installation's key: the "
                    "whole chain was recomputed, or written on another installation",
                )
            )
        return out

    def mark_keyed(self) -> None:
        """At the upgrade of an older database: a keyed row counting the unkeyed rows
        before it (see `breaks`)."""
        count = int(self._db.one("SELECT count(*) FROM audit_log")[0])
        if count:
            self.append("console", KEYED_MARKER, "audit_log", None, {"legacy_rows": count})


KEYED_MARKER = "audit.keyed"


class TrailCut(StoreError):
    """The audit trail no longer holds the chain head kept outside the database."""


def _marks(entry: AuditEntry, legacy: int) -> bool:
    new = entry.new()
    return (
        entry.action == KEYED_MARKER
        and isinstance(new, dict)
        and new.get("legacy_rows") == legacy
        and entry.id == legacy + 1
    )


def _changed(entry: AuditEntry, secret_known: bool) -> str:
    what = f"({entry.user}, {entry.action}, {entry.object})"
    if not secret_known:
        return f"{what} cannot be verified: the installation key is missing"
    return (
        f"{what} was changed, inserted or re-hashed after it was written "
        "(its hash does not verify with this installation's key)"
    )
