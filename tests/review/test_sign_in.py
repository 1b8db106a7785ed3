"""Sign-in hardening: lockout with back-off, equal timing for unknown names, no typed
secret in the audit trail, password and login-name rules, the key file's mode."""

from __future__ import annotations

import os
import stat
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest

from console.core.access import Access
from console.core.accounts import (
    LAST_ADMIN_DELAY_S,
    LOCK_AFTER,
    LOCK_BASE_S,
    AccountError,
    Accounts,
    Role,
    User,
)
from console.core.credentials import check_login, check_password
from console.store import Store
from console.store.keys import key_path


def _lock(accounts: Accounts, name: str) -> None:
    for _ in range(LOCK_AFTER):
        assert accounts.login(name, "not the password") is None


def test_five_failures_lock_the_account_and_an_admin_unlocks_it(
    store: Store, people: dict[str, User], passwords: dict[str, str]
) -> None:
    accounts = Accounts(store)
    _lock(accounts, "nurse.kim")
    until = accounts.locked_until("nurse.kim")
    assert until is not None
    minutes = (until - datetime.now(UTC)).total_seconds() / 60
    assert LOCK_BASE_S / 60 - 1 < minutes <= LOCK_BASE_S / 60
    # Locked: even the right password is refused, and the refusal says so.
    assert accounts.login("nurse.kim", passwords["nurse.kim"]) is None
    assert "locked" in accounts.why_refused("nurse.kim")
    locks = store.audit.entries(action="user.locked")
    assert [e.user for e in locks] == ["nurse.kim"]
    # Only an administrator unlocks; the unlock is audited.
    accounts.unlock("nurse.kim", access=Access(store, people["it"]))
    assert store.audit.entries(action="user.unlock")[-1].user == "it"
    assert accounts.login("nurse.kim", passwords["nurse.kim"]) is not None


def test_the_back_off_doubles_with_each_lock(store: Store, people: dict[str, User]) -> None:
    accounts = Accounts(store)
    _lock(accounts, "nurse.bo")
    first = accounts.locked_until("nurse.bo")
    row = store.users.find("nurse.bo")
    assert row is not None and first is not None
    # The lock runs out (as if its time had passed); five more failures lock it again.
    store.users.set_lockout(row.id, 0, (datetime.now(UTC) - timedelta(seconds=1)).isoformat(), 1)
    assert accounts.locked_until("nurse.bo") is None
    _lock(accounts, "nurse.bo")
    second = accounts.locked_until("nurse.bo")
    assert second is not None
    minutes = (second - datetime.now(UTC)).total_seconds() / 60
    assert 2 * LOCK_BASE_S / 60 - 1 < minutes <= 2 * LOCK_BASE_S / 60


def test_an_unknown_name_is_never_written_to_the_audit_trail(
    store: Store, people: dict[str, User]
) -> None:
    typed = "my secret pass phrase"  # a password typed into the name field
    assert Accounts(store).login(typed, "anything at all") is None
    row = store.audit.entries()[-1]
    assert row.action == "login.failed"
    everything = " ".join(f"{e.user} {e.object} {e.old_value} {e.new_value}" for e in [row])
    assert "secret" not in everything and row.new() == {"reason": "unknown name"}


def test_an_unknown_name_costs_the_same_time_as_a_known_one(
    store: Store, people: dict[str, User]
) -> None:
    """Median of unknown-name sign-ins within 20 % of known-name ones (wrong password)."""
    accounts = Accounts(store)

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        accounts.check_password(name, "wrong password")
        return time.perf_counter() - t0

    timed("dr.lee"), timed("nobody.here")  # warm both paths (the dummy hash is made once)
    known: list[float] = []
    unknown: list[float] = []
    for i in range(16):  # interleaved, so load on the machine hits both alike
        if i % 4 == 0:  # stay under the lockout: a locked account is still verified alike
            accounts.unlock("dr.lee", access=Access(store, people["it"]))
        known.append(timed("dr.lee"))
        unknown.append(timed(f"nobody.{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.8 <= ratio <= 1.2, (statistics.median(known), statistics.median(unknown))


def test_password_rule() -> None:
    for bad, words in (
        ("short", "at least 10"),
        ("          ", "only spaces"),
        ("password123", "commonly used"),
        ("qwertyuiop", "commonly used"),
        ("Password2025!", "commonly used"),
        ("aaaaaaaaaaaa", "commonly used"),
    ):
        with pytest.raises(AccountError, match=words):
            check_password(bad)
    with pytest.raises(AccountError, match="commonly used"):
        check_password("dr.lee2024", "dr.lee")
    check_password("violet tram obelisk")


def test_login_names_are_normalised_and_look_alikes_cannot_exist(store: Store) -> None:
    assert check_login("  Dr.Lee ") == "dr.lee"
    assert check_login("ＳＵＰ") == "sup"  # fullwidth letters fold to ASCII under NFKC
    with pytest.raises(AccountError, match="may only use"):
        check_login("ѕup")  # Cyrillic dze, looks like an s
    with pytest.raises(AccountError, match="may only use"):
        check_login("dr lee")
    accounts = Accounts(store)
    admin = accounts.add("ＳＵＰ", Role.ADMIN, "violet tram obelisk", display_name="Dr Süp")
    assert (admin.name, admin.display_name) == ("sup", "Dr Süp")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("SUP", Role.SUPERVISOR, "violet tram obelisk", access=Access(store, admin))
    with pytest.raises(AccountError, match="control characters"):
        accounts.add(
            "lee", Role.SUPERVISOR, "violet tram obelisk", access=Access(store, admin),
            display_name="Dr\x1b[31mLee",
        )  # fmt: skip


def test_the_installation_key_is_private(store: Store, people: dict[str, User]) -> None:
    path = key_path()
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert store.path.parent != path.parent  # never beside the database
    head, problem = store.chain_head_file()
    assert problem is None and head == store.audit.head()


def test_nobody_can_lock_out_the_only_active_admin_by_guessing(
    store: Store, people: dict[str, User], passwords: dict[str, str]
) -> None:
    waits: list[float] = []
    accounts = Accounts(store, sleep=waits.append)
    for _ in range(LOCK_AFTER + 2):
        assert accounts.login("it", "not the password") is None
        # The guesser learns nothing: the same sentence as for a name that does not exist.
        assert accounts.why_refused("it") == accounts.why_refused("nobody.here")
    assert accounts.locked_until("it") is None
    assert waits == [LAST_ADMIN_DELAY_S] * 3  # a delay instead, from the LOCK_AFTER-th failure
    assert [e.action for e in store.audit.entries(action="user.lock_spared")] == [
        "user.lock_spared"
    ]
    assert accounts.login("it", passwords["it"]) == people["it"]  # the owner gets in at once


def test_an_admin_with_another_active_admin_is_locked_as_usual(
    store: Store, people: dict[str, User]
) -> None:
    accounts = Accounts(store, sleep=lambda s: pytest.fail("no delay for a lockable account"))
    accounts.add("it2", Role.ADMIN, "a second admin pass", access=Access(store, people["it"]))
    _lock(accounts, "it")
    assert accounts.locked_until("it") is not None


def test_the_last_admins_delay_keeps_the_screen_running(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The GUI spends the delay in an event loop: timers (the display, the frozen-screen
    watchdog's feed) keep ticking while it waits."""
    from PySide6.QtCore import QTimer

    from console.gui.sign_in import wait_without_freezing

    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        wait_without_freezing(0.3)
    finally:
        timer.stop()
    assert len(ticks) >= 5, f"the display timer ticked {len(ticks)} times in 0.3 s"
