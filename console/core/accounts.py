"""Local user accounts, roles and what each role may do.

Passwords are stored only as argon2id hashes (argon2-cffi). Every login, failed login and
user change is written to the audit trail. Qt-free; the store creates the table
(ACCOUNTS_SCHEMA_SQL).
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.core.audit import AuditLog

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

MIN_PASSWORD_CHARS = 8


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Action(enum.StrEnum):
    OPERATE_PEN = "operate_pen"
    RECORD_SESSION = "record_session"
    EDIT_NOTES = "edit_notes"
    EDIT_PLAN = "edit_plan"
    OVERRIDE_CEILING = "override_ceiling"
    REVIEW = "review"
    SIGN = "sign"
    EXPORT = "export"
    EDIT_CEILING_DEFAULTS = "edit_ceiling_defaults"
    MANAGE_USERS = "manage_users"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PRACTITIONER: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.EDIT_NOTES,
            Action.EDIT_PLAN,
            Action.OVERRIDE_CEILING,
            Action.REVIEW,
            Action.EXPORT,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.EDIT_NOTES,
            Action.EDIT_PLAN,
            Action.OVERRIDE_CEILING,
            Action.REVIEW,
            Action.SIGN,
            Action.EXPORT,
            Action.EDIT_CEILING_DEFAULTS,
        }
    ),
    # The first account of a cart is its admin, often the medical director: it may run
    # the pen and record, but signing needs a supervisor account.
    Role.ADMIN: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.REVIEW,
            Action.EXPORT,
            Action.MANAGE_USERS,
            Action.EDIT_CEILING_DEFAULTS,
        }
    ),
}


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role
    active: bool

    def may(self, action: Action) -> bool:
        return self.active and action in PERMISSIONS[self.role]


class AccountError(ValueError):
    """A bad name, role or password: the message says what to change."""


class PermissionDenied(PermissionError):
    def __init__(self, user: User, action: Action) -> None:
        super().__init__(
            f"{user.name} ({user.role}) may not {action.value.replace('_', ' ')}; "
            f"ask a user whose role allows it."
        )
        self.user = user
        self.action = action


def require(user: User, action: Action) -> None:
    if not user.may(action):
        raise PermissionDenied(user, action)


class Accounts:
    def __init__(self, conn: sqlite3.Connection, audit: AuditLog | None = None) -> None:
        self._conn = conn
        self.audit = audit or AuditLog(conn)
        # argon2id with the library's RFC 9106 low-memory profile: ~50 ms per check here.
        self._hasher = PasswordHasher()

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM users").fetchone()[0])

    def add(self, name: str, role: Role | str, password: str, *, by: str) -> User:
        name = name.strip()
        if not name:
            raise AccountError("the user name is empty; give a name such as 'dr.lee'")
        try:
            role = Role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise AccountError(f"unknown role {role!r}; choose one of: {choices}") from None
        _check_password(password)
        if self.find(name) is not None:
            raise AccountError(f"a user named {name!r} already exists")
        with self._conn:
            cur = self._conn.execute(
                "INSERT INTO users (name, role, password_hash, active, created_utc)"
                " VALUES (?, ?, ?, 1, ?)",
                (name, role.value, self._hasher.hash(password), _now()),
            )
        self.audit.append(by, "user.add", f"user:{name}", None, {"role": role.value})
        return User(int(cur.lastrowid or 0), name, role, True)

    def find(self, name: str) -> User | None:
        row = self._conn.execute(
            "SELECT id, name, role, active FROM users WHERE name = ?", (name.strip(),)
        ).fetchone()
        return None if row is None else User(row[0], row[1], Role(row[2]), bool(row[3]))

    def list(self) -> list[User]:
        rows = self._conn.execute("SELECT id, name, role, active FROM users ORDER BY name")
        return [User(r[0], r[1], Role(r[2]), bool(r[3])) for r in rows]

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password is right (and the account active), else None.

        Does not write to the audit trail: use `login` for that.
        """
        row = self._conn.execute(
            "SELECT id, name, role, active, password_hash FROM users WHERE name = ?",
            (name.strip(),),
        ).fetchone()
        if row is None or not row[3]:
            return None
        try:
            self._hasher.verify(row[4], password)
        except (VerificationError, InvalidHashError):
            return None
        return User(row[0], row[1], Role(row[2]), True)

    def login(self, name: str, password: str) -> User | None:
        user = self.check_password(name, password)
        if user is None:
            self.audit.append(name.strip() or "?", "login.failed", f"user:{name.strip()}")
        else:
            self.audit.append(user.name, "login", f"user:{user.name}")
        return user

    def set_password(self, name: str, password: str, *, by: str) -> None:
        _check_password(password)
        with self._conn:
            cur = self._conn.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?",
                (self._hasher.hash(password), name.strip()),
            )
        if cur.rowcount == 0:
            raise AccountError(f"no user named {name!r}")
        self.audit.append(by, "user.password", f"user:{name.strip()}")

    def set_active(self, name: str, active: bool, *, by: str) -> None:
        user = self.find(name)
        if user is None:
            raise AccountError(f"no user named {name!r}")
        with self._conn:
            self._conn.execute(
                "UPDATE users SET active = ? WHERE id = ?", (1 if active else 0, user.id)
            )
        self.audit.append(
            by, "user.active", f"user:{user.name}", {"active": user.active}, {"active": active}
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
