"""Accounts, roles, idle lock and the append-only, hash-chained audit trail."""

from __future__ import annotations

import sqlite3

import pytest

from console.core.accounts import (
    ACCOUNTS_SCHEMA_SQL,
    AccountError,
    Accounts,
    Action,
    PermissionDenied,
    Role,
    require,
)
from console.core.audit import AUDIT_SCHEMA_SQL, AuditLog
from console.core.idle_lock import IdleLock


@pytest.fixture
def conn() -> sqlite3.Connection:
    c = sqlite3.connect(":memory:")
    c.executescript(AUDIT_SCHEMA_SQL + ACCOUNTS_SCHEMA_SQL)
    yield c
    c.close()


def test_roles_are_enforced(conn: sqlite3.Connection) -> None:
    accounts = Accounts(conn)
    nurse = accounts.add("nurse.kim", Role.PRACTITIONER, "correct horse", by="admin")
    director = accounts.add("dr.lee", "supervisor", "battery staple", by="admin")
    admin = accounts.add("it", Role.ADMIN, "admin-pass-1", by="setup")
    require(director, Action.SIGN)
    with pytest.raises(PermissionDenied, match=r"nurse\.kim \(practitioner\) may not sign"):
        require(nurse, Action.SIGN)
    with pytest.raises(PermissionDenied):
        require(admin, Action.SIGN)
    require(admin, Action.MANAGE_USERS)
    with pytest.raises(PermissionDenied):
        require(nurse, Action.MANAGE_USERS)
    accounts.set_active("nurse.kim", False, by="it")
    assert not accounts.find("nurse.kim").may(Action.OPERATE_PEN)  # type: ignore[union-attr]


def test_passwords_are_argon2id_and_checked(conn: sqlite3.Connection) -> None:
    accounts = Accounts(conn)
    accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", by="admin")
    stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "battery" not in stored
    assert accounts.login("dr.lee", "wrong password") is None
    assert accounts.login("DR.LEE", "battery staple") is not None
    actions = [e.action for e in AuditLog(conn).entries()]
    assert actions == ["user.add", "login.failed", "login"]


def test_bad_account_values_get_clear_errors(conn: sqlite3.Connection) -> None:
    accounts = Accounts(conn)
    with pytest.raises(AccountError, match="at least 8 characters"):
        accounts.add("a", Role.ADMIN, "short", by="x")
    with pytest.raises(AccountError, match="unknown role 'nurse'"):
        accounts.add("a", "nurse", "long enough", by="x")
    accounts.add("a", Role.ADMIN, "long enough", by="x")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("A", Role.ADMIN, "long enough", by="x")


def test_audit_log_rejects_update_and_delete(conn: sqlite3.Connection) -> None:
    log = AuditLog(conn)
    log.append("dr.lee", "session.notes", "session:abc", "old text", "new text")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET new_value = 'forged'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    entry = log.entries()[0]
    assert (entry.user, entry.old_value, entry.new_value) == ("dr.lee", "old text", "new text")


def test_hand_broken_chain_is_found_at_the_first_broken_row(conn: sqlite3.Connection) -> None:
    log = AuditLog(conn)
    for i in range(5):
        log.append("u", "edit", f"obj:{i}", i, i + 1)
    assert log.verify() is None
    conn.execute("DROP TRIGGER audit_log_no_update")  # what a tamperer would do first
    conn.execute("UPDATE audit_log SET new_value = '99' WHERE id = 3")
    broken = log.verify()
    assert broken is not None and broken.entry_id == 3
    assert "content changed" in str(broken)


def test_removed_row_breaks_the_chain(conn: sqlite3.Connection) -> None:
    log = AuditLog(conn)
    for i in range(4):
        log.append("u", "edit", f"obj:{i}")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    broken = log.verify()
    assert broken is not None and broken.entry_id == 2


def test_idle_lock_fires_and_needs_same_user_or_supervisor(conn: sqlite3.Connection) -> None:
    now = [0.0]
    accounts = Accounts(conn)
    nurse = accounts.add("nurse.kim", Role.PRACTITIONER, "correct horse", by="admin")
    accounts.add("nurse.bo", Role.PRACTITIONER, "another pass", by="admin")
    accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", by="admin")
    lock = IdleLock(timeout_s=60, clock=lambda: now[0])
    lock.sign_in(nurse)
    now[0] = 59.0
    assert not lock.poll()
    lock.activity()
    now[0] = 118.0
    assert not lock.poll() and not lock.locked
    now[0] = 120.0
    assert lock.poll() and lock.locked
    lock.activity()  # input while locked does not unlock
    assert lock.locked
    assert lock.unlock(accounts, "nurse.bo", "another pass") is None
    assert lock.unlock(accounts, "nurse.kim", "wrong") is None
    assert lock.unlock(accounts, "dr.lee", "battery staple") is not None
    assert not lock.locked
