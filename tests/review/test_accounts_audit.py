"""Accounts, roles, idle lock and the append-only, hash-chained audit trail."""

from __future__ import annotations

import sqlite3

import pytest

from console.core.access import Access
from console.core.accounts import (
    AccountError,
    Accounts,
    Action,
    PermissionDenied,
    Role,
    User,
    require,
)
from console.core.audit import AuditLog
from console.core.idle_lock import IdleLock
from console.store import Store


def test_roles_are_enforced(store: Store, people: dict[str, User]) -> None:
    accounts = Accounts(store)
    nurse, director, admin = people["nurse.kim"], people["dr.lee"], people["it"]
    require(director, Action.SIGN)
    with pytest.raises(PermissionDenied, match=r"nurse\.kim \(practitioner\) may not sign"):
        require(nurse, Action.SIGN)
    with pytest.raises(PermissionDenied):
        require(admin, Action.SIGN)
    require(admin, Action.MANAGE_USERS)
    with pytest.raises(PermissionDenied):
        require(nurse, Action.MANAGE_USERS)
    accounts.set_active("nurse.kim", False, access=Access(store, admin))
    assert not accounts.find("nurse.kim").may(Action.OPERATE_PEN)  # type: ignore[union-attr]


def test_passwords_are_argon2id_and_checked(store: Store) -> None:
    accounts = Accounts(store)
    accounts.add("dr.lee", Role.ADMIN, "battery staple")
    stored = store.conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "battery" not in stored
    assert accounts.login("dr.lee", "wrong password") is None
    assert accounts.login("DR.LEE", "battery staple") is not None
    actions = [e.action for e in AuditLog(store).entries()]
    assert actions == ["user.add", "login.failed", "login"]


def test_bad_account_values_get_clear_errors(store: Store) -> None:
    accounts = Accounts(store)
    with pytest.raises(AccountError, match="at least 10 characters"):
        accounts.add("a", Role.ADMIN, "short")
    with pytest.raises(AccountError, match="unknown role 'nurse'"):
        accounts.add("a", "nurse", "long enough")
    with pytest.raises(AccountError, match=r"first account .* administrator"):
        accounts.add("a", Role.SUPERVISOR, "long enough")
    admin = accounts.add("a", Role.ADMIN, "long enough")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("A", Role.ADMIN, "long enough", access=Access(store, admin))


def test_audit_log_rejects_update_and_delete(store: Store) -> None:
    conn = store.conn
    log = AuditLog(store)
    log.append("dr.lee", "session.notes", "session:abc", "old text", "new text")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET new_value = 'forged'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    entry = log.entries()[0]
    assert (entry.user, entry.old_value, entry.new_value) == ("dr.lee", "old text", "new text")


def test_hand_broken_chain_is_found_at_the_first_broken_row(store: Store) -> None:
    conn = store.conn
    log = AuditLog(store)
    for i in range(5):
        log.append("u", "edit", f"obj:{i}", i, i + 1)
    assert log.verify() is None
    conn.execute("DROP TRIGGER audit_log_no_update")  # what a tamperer would do first
    conn.execute("UPDATE audit_log SET new_value = '99' WHERE id = 3")
    broken = log.verify()
    assert broken is not None and broken.entry_id == 3
    assert "was changed" in str(broken)


def test_removed_row_breaks_the_chain(store: Store) -> None:
    conn = store.conn
    log = AuditLog(store)
    for i in range(4):
        log.append("u", "edit", f"obj:{i}")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    broken = log.verify()
    assert broken is not None and broken.entry_id == 2


def test_idle_lock_fires_and_needs_same_user_or_supervisor(
    store: Store, people: dict[str, User]
) -> None:
    now = [0.0]
    accounts = Accounts(store)
    nurse = people["nurse.kim"]
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
