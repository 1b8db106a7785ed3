"""Local user accounts: adding, changing and signing in, with lockout and audit.

Passwords are stored only as argon2id hashes (argon2-cffi). Every sign-in, failed
sign-in and user change is written to the audit trail; a failed sign-in under a name
that does not exist records that the name was unknown, never the typed text (people
type passwords into the name field). An unknown name costs the same time as a known
one: it is verified against a dummy hash. `LOCK_AFTER` failures in a row lock the
account, for `LOCK_BASE_S` the first time and twice as long each time after; an
administrator can unlock it. The last active administrator is never locked (a guesser
could otherwise shut the clinic out): past the limit each wrong password waits
`LAST_ADMIN_DELAY_S` instead. Once accounts exist, adding or changing one needs an
administrator (checked through console/core/access.py). Qt-free; the SQL is in
console/store/users.py.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.core.access import accounts_exist
from console.core.credentials import (
    MIN_PASSWORD_CHARS,
    CredentialError,
    check_display_name,
    check_login,
    check_password,
    normalise_login,
)
from console.core.roles import PERMISSIONS, Action, Role, User
from console.store import Store
from console.store.users import UserRow

if TYPE_CHECKING:
    from console.core.access import Access

__all__ = [
    "MIN_PASSWORD_CHARS",
    "PERMISSIONS",
    "AccountError",
    "Accounts",
    "Action",
    "PermissionDenied",
    "Role",
    "User",
    "require",
]

LOCK_AFTER = 5
LOCK_BASE_S = 5 * 60
# The last active administrator is never locked (a guesser could shut the clinic out of
# its own accounts); past LOCK_AFTER failures each wrong password waits this long instead.
LAST_ADMIN_DELAY_S = 2.0
UNKNOWN_USER = "(unknown name)"  # the audit's user for a sign-in under a name not on file


AccountError = CredentialError  # a bad name, role or password: the message says what to change


class PermissionDenied(PermissionError):
    def __init__(self, user: User, action: Action) -> None:
        super().__init__(
            f"{user.name} ({user.role}) may not {action.value.replace('_', ' ')}; "
            f"ask a user whose role allows it."
        )
        self.user = user
        self.action = action


def require(user: User, action: Action) -> None:
    """The role check alone (no audit): use `Access.require` for actions on records."""
    if not user.may(action):
        raise PermissionDenied(user, action)


def _hasher() -> PasswordHasher:
    # argon2id with the library's RFC 9106 low-memory profile: ~50 ms per check here.
    return PasswordHasher()


_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    """A hash of a random password, verified when the name is unknown (equal timing)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def fingerprint(password_hash: str) -> str:
    """What the audit trail keeps of a password hash: enough for `db check` to tell
    that the stored hash changed, and nothing that helps guess the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


@dataclass
class _ExpectedRow:
    """An account as its audit rows describe it."""

    role: str
    active: bool
    pw: str | None  # None: written by a console that did not fingerprint hashes


def _user(row: UserRow) -> User:
    return User(row.id, row.name, Role(row.role), row.active, row.display_name or row.name)


class Accounts:
    def __init__(self, store: Store, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self._sleep = sleep
        self.audit = store.audit
        self._hasher = _hasher()
        self.tampered: str | None = None  # why the last right password was still refused
        self.locked_with_right_password = False  # only then is the lock told

    def count(self) -> int:
        return self.store.users.count()

    def find(self, name: str) -> User | None:
        row = self.store.users.find(normalise_login(name))
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        return [_user(r) for r in self.store.users.all()]

    # ------------------------------------------------------------ changes

    def add(
        self,
        name: str,
        role: Role | str,
        password: str,
        *,
        access: Access | None = None,
        display_name: str = "",
    ) -> User:
        """Add an account. The first account of a database must be its admin and needs
        no sign-in; every later one needs `access` of an administrator."""
        login = check_login(name)
        try:
            role = Role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise AccountError(f"unknown role {role!r}; choose one of: {choices}") from None
        display = check_display_name(display_name, login)
        check_password(password, login)
        first = not accounts_exist(self.store)
        if first and role is not Role.ADMIN:
            raise AccountError(
                "the first account of a console is its administrator: add it with "
                "--role admin, then sign in as it to add the others"
            )
        by = "setup"
        if not first:
            if access is None:
                raise AccountError("only a signed-in administrator can add users")
            by = access.require(Action.MANAGE_USERS, f"user:{login}").name
        if self.store.users.find(login) is not None:
            raise AccountError(f"a user named {login!r} already exists")
        password_hash = self._hasher.hash(password)
        with self.store.transaction():
            user_id = self.store.users.insert(login, display, role.value, password_hash, _now())
            self.audit.append(
                by,
                "user.add",
                f"user:{login}",
                None,
                {"role": role.value, "display_name": display, "pw": fingerprint(password_hash)},
            )
        return User(user_id, login, role, True, display)

    def set_password(self, name: str, password: str, *, access: Access) -> None:
        """An administrator resets anyone's password; a user changes their own."""
        row = self._existing(name)
        own = access.user is not None and access.user.id == row.id
        actor = access.actor if own else access.require(Action.MANAGE_USERS, f"user:{row.name}")
        check_password(password, row.name)
        password_hash = self._hasher.hash(password)
        with self.store.transaction():
            self.store.users.update(row.id, password_hash=password_hash)
            self.audit.append(
                actor.name,
                "user.password",
                f"user:{row.name}",
                None,
                {"pw": fingerprint(password_hash)},
            )

    def set_active(self, name: str, active: bool, *, access: Access) -> None:
        row = self._existing(name)
        self._change(row, access, "active", row.active, active)

    def set_role(self, name: str, role: Role | str, *, access: Access) -> None:
        row = self._existing(name)
        self._change(row, access, "role", row.role, Role(role).value)

    def _change(
        self, row: UserRow, access: Access, what: str, old: str | bool, new: str | bool
    ) -> None:
        """One column of one account, by an administrator, with its `user.<what>` row."""
        actor = access.require(Action.MANAGE_USERS, f"user:{row.name}")
        with self.store.transaction():
            if what == "role":
                self.store.users.update(row.id, role=str(new))
            else:
                self.store.users.update(row.id, active=bool(new))
            self.audit.append(
                actor.name, f"user.{what}", f"user:{row.name}", {what: old}, {what: new}
            )

    def unlock(self, name: str, *, access: Access) -> None:
        row = self._existing(name)
        actor = access.require(Action.MANAGE_USERS, f"user:{row.name}")
        with self.store.transaction():
            self.store.users.set_lockout(row.id, 0, None, 0)
            self.audit.append(actor.name, "user.unlock", f"user:{row.name}")

    def _existing(self, name: str) -> UserRow:
        row = self.store.users.find(normalise_login(name))
        if row is None:
            raise AccountError(
                f"no user named {normalise_login(name)!r}; list them with `users list`"
            )
        return row

    # ------------------------------------------------------------ signing in

    def locked_until(self, name: str) -> datetime | None:
        row = self.store.users.find(normalise_login(name))
        if row is None or row.locked_until_utc is None:
            return None
        until = datetime.fromisoformat(row.locked_until_utc)
        return until if until > datetime.now(UTC) else None

    def check_password(self, name: str, password: str, *, purpose: str = "login") -> User | None:
        """The user when the name and password are right, the account active and not
        locked; else None. Failures are counted toward the lockout and audited."""
        login = normalise_login(name)
        row = self.store.users.find(login)
        right = self._verify(row.password_hash if row else _dummy_hash(), password)
        now = datetime.now(UTC)
        if row is None:
            self.audit.append(
                UNKNOWN_USER,
                f"{purpose}.failed",
                "user:(unknown)",
                None,
                {"reason": "unknown name"},
            )
            return None
        spared = self._last_admin(row)
        locked = (
            not spared
            and row.locked_until_utc is not None
            and datetime.fromisoformat(row.locked_until_utc) > now
        )
        self.tampered = self._against_trail(row) if right else None
        self.locked_with_right_password = right and locked
        if right and row.active and not locked and self.tampered is None:
            if row.failed_logins or row.locked_until_utc:
                self.store.users.set_lockout(row.id, 0, None, row.lockouts)
            return _user(row)
        reason = (
            "locked"
            if locked
            else "disabled"
            if not row.active
            else "does not match the audit trail"
            if right
            else "wrong password"
        )
        delayed = reason == "wrong password" and spared and row.failed_logins + 1 >= LOCK_AFTER
        with self.store.transaction():
            if reason == "wrong password":
                self._count_failure(row, now, spared=spared)
            self.audit.append(
                row.name, f"{purpose}.failed", f"user:{row.name}", None, {"reason": reason}
            )
        if delayed:
            self._sleep(LAST_ADMIN_DELAY_S)
        return None

    def _last_admin(self, row: UserRow) -> bool:
        """Whether this is the only active administrator (who must never be locked)."""
        if row.role != Role.ADMIN.value or not row.active:
            return False
        return not any(
            r.active and r.role == Role.ADMIN.value and r.id != row.id
            for r in self.store.users.all()
        )

    def _against_trail(self, row: UserRow) -> str | None:
        """Why this account's row differs from what its audit rows say (role, active,
        the password hash's fingerprint), or None: a row changed behind the console's
        back, even for a moment, cannot sign in."""
        logged: _ExpectedRow | None = None
        for e in self.store.audit.entries(obj=f"user:{row.name}"):
            new = e.new()
            data = new if isinstance(new, dict) else {}
            match e.action:
                case "user.add":
                    logged = _ExpectedRow(str(data.get("role")), True, data.get("pw"))
                case "user.role" if logged is not None:
                    logged.role = str(data.get("role"))
                case "user.active" if logged is not None:
                    logged.active = bool(data.get("active"))
                case "user.password" if logged is not None:
                    logged.pw = data.get("pw")
        problem = (
            "it has no user.add row in the audit trail"
            if logged is None
            else f"its role is {row.role}, the audit trail says {logged.role}"
            if row.role != logged.role
            else "its active flag differs from the audit trail"
            if row.active != logged.active
            else "its password hash was replaced without an audit row"
            if logged.pw is not None and fingerprint(row.password_hash) != logged.pw
            else None
        )
        if problem is None:
            return None
        return (
            f"the account {row.name} was changed behind the console's back ({problem}), so "
            "it cannot sign in; ask an administrator to run `pen-console db check`"
        )

    def _count_failure(self, row: UserRow, now: datetime, *, spared: bool) -> None:
        failures = row.failed_logins + 1
        if failures < LOCK_AFTER or spared:
            kept = None if spared else row.locked_until_utc
            self.store.users.set_lockout(row.id, failures, kept, row.lockouts)
            if spared and failures == LOCK_AFTER:
                self.audit.append(
                    row.name,
                    "user.lock_spared",
                    f"user:{row.name}",
                    None,
                    {"failures": failures, "delay_s": LAST_ADMIN_DELAY_S},
                )
            return
        until = now + timedelta(seconds=LOCK_BASE_S * 2**row.lockouts)
        self.store.users.set_lockout(
            row.id, 0, until.isoformat(timespec="seconds"), row.lockouts + 1
        )
        self.audit.append(
            row.name,
            "user.locked",
            f"user:{row.name}",
            None,
            {"failures": failures, "until_utc": until.isoformat(timespec="seconds")},
        )

    def login(self, name: str, password: str) -> User | None:
        user = self.check_password(name, password)
        if user is not None:
            self.audit.append(user.name, "login", f"user:{user.name}")
        return user

    def why_refused(self, name: str) -> str:
        """The sentence to show after a failed sign-in. It never says whether the name
        exists: that an account is locked is told only to whoever gave its right
        password (its owner must learn it; a guesser must not)."""
        if self.tampered is not None:
            return self.tampered
        until = self.locked_until(name) if self.locked_with_right_password else None
        if until is not None:
            return (
                f"this account is locked after {LOCK_AFTER} failed sign-ins until "
                f"{until:%H:%M} UTC; an administrator can unlock it (users unlock NAME)"
            )
        return "wrong user name or password (or the account is disabled); try again"

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
