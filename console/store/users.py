"""The users table: login names, display names, roles, argon2id hashes, lockout state.

Only SQL and typed rows live here; the rules (who may add whom, password strength,
lockout timing, the audit rows) live in console/core/accounts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.db import Db

ACCOUNTS_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('practitioner', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_utc TEXT NOT NULL
);
"""

# Migration 5 adds these (see schema.py).
USERS_V5_SQL = """
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until_utc TEXT;
ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
"""

_COLUMNS = (
    "id, name, display_name, role, password_hash, active, created_utc,"
    " failed_logins, locked_until_utc, lockouts"
)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    display_name: str
    role: str
    password_hash: str
    active: bool
    created_utc: str
    failed_logins: int
    locked_until_utc: str | None
    lockouts: int


def _row(r: tuple[object, ...]) -> UserRow:
    return UserRow(
        int(r[0]),  # type: ignore[call-overload]
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        bool(r[5]),
        str(r[6]),
        int(r[7]),  # type: ignore[call-overload]
        None if r[8] is None else str(r[8]),
        int(r[9]),  # type: ignore[call-overload]
    )


class UserTable:
    def __init__(self, db: Db) -> None:
        self._db = db

    def count(self) -> int:
        return int(self._db.one("SELECT count(*) FROM users")[0])

    def find(self, name: str) -> UserRow | None:
        row = self._db.one(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,))
        return None if row is None else _row(row)

    def all(self) -> list[UserRow]:
        return [_row(r) for r in self._db.query(f"SELECT {_COLUMNS} FROM users ORDER BY name")]

    def insert(
        self, name: str, display_name: str, role: str, password_hash: str, created_utc: str
    ) -> int:
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO users (name, display_name, role, password_hash, active,"
                " created_utc) VALUES (?, ?, ?, ?, 1, ?)",
                (name, display_name, role, password_hash, created_utc),
            )
            return int(cur.lastrowid or 0)

    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        active: bool | None = None,
        display_name: str | None = None,
    ) -> None:
        changes: dict[str, object] = {
            k: v
            for k, v in (
                ("role", role),
                ("password_hash", password_hash),
                ("active", None if active is None else int(active)),
                ("display_name", display_name),
            )
            if v is not None
        }
        if not changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)  # keys are the fixed names above
        with self._db.transaction() as conn:
            conn.execute(f"UPDATE users SET {sets} WHERE id = ?", (*changes.values(), user_id))

    def set_lockout(
        self, user_id: int, failed_logins: int, locked_until_utc: str | None, lockouts: int
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE users SET failed_logins = ?, locked_until_utc = ?, lockouts = ?"
                " WHERE id = ?",
                (failed_logins, locked_until_utc, lockouts, user_id),
            )
