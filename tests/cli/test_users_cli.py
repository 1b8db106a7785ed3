"""`users`: the first account is the administrator, made without sign-in (and on a new
database, which is then created and said so); after that only an administrator adds,
disables, re-roles or unlocks, with its password first and the new one twice."""

from __future__ import annotations

import stat
from pathlib import Path

from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, audit, lines


def test_the_first_account_is_the_admin_and_creates_the_database(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "new.db"
    made = cli("users", "add", ADMIN[0], "--db", db, stdin=lines(ADMIN[1], ADMIN[1]))
    assert made.code == 0, made.err
    assert f"created a new database at {db}" in made.err
    assert "(the administrator)" in made.out
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert ("setup", "user.add", f"user:{ADMIN[0]}") in audit(db)


def test_the_first_account_cannot_be_anything_but_admin(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    wrong = cli("users", "add", "x.nurse", "--role", "practitioner", "--db", db, stdin="")
    assert wrong.code == 2 and "--role admin" in wrong.one_sentence()
    assert not db.exists()  # a refused first account creates nothing


def test_new_passwords_that_differ_add_nobody(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    differ = cli("users", "add", ADMIN[0], "--db", db, stdin=lines(ADMIN[1], "something-else-1"))
    assert differ.code == 2 and "differ" in differ.one_sentence()
    short = cli("users", "add", ADMIN[0], "--db", db, stdin=lines("short", "short"))
    assert short.code == 2 and "at least 10" in short.one_sentence()
    lookalike = cli("users", "add", "ѕup", "--db", db, stdin=lines(ADMIN[1], ADMIN[1]))
    assert lookalike.code == 2
    assert not db.exists()  # nothing is created for a refused first account


def test_after_the_first_only_an_admin_adds(cli: Cli, db: Path) -> None:
    nobody = cli("users", "add", "eve", "--role", "admin", "--db", db, stdin="")
    assert nobody.code == 4
    assert ("(not signed in)", "refused", "user:eve") in audit(db)
    by_nurse = cli(
        "users", "add", "eve", "--role", "admin", "--db", db, "--user", NURSE[0],
        stdin=lines(NURSE[1], "Eve-Passphrase-9999", "Eve-Passphrase-9999"),
    )  # fmt: skip
    assert by_nurse.code == 4 and "may not" in by_nurse.one_sentence()
    listed = cli("users", "list", "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert listed.code == 0, listed.err
    assert "eve" not in listed.out
    assert [line.split()[0] for line in listed.out.splitlines()] == sorted(
        [ADMIN[0], SUPERVISOR[0], NURSE[0]]
    )


def test_an_admin_disables_re_roles_and_unlocks(cli: Cli, db: Path) -> None:
    as_admin = ("--db", db, "--user", ADMIN[0])
    assert cli("users", "role", NURSE[0], "supervisor", *as_admin, stdin=lines(ADMIN[1])).code == 0
    assert cli("users", "disable", NURSE[0], *as_admin, stdin=lines(ADMIN[1])).code == 0
    listed = cli("users", "list", *as_admin, stdin=lines(ADMIN[1]))
    row = next(line for line in listed.out.splitlines() if line.startswith(NURSE[0]))
    assert "supervisor" in row and "(disabled)" in row
    disabled = cli("sessions", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert disabled.code == 4
    assert cli("users", "enable", NURSE[0], *as_admin, stdin=lines(ADMIN[1])).code == 0
    assert cli("users", "unlock", NURSE[0], *as_admin, stdin=lines(ADMIN[1])).code == 0
    actions = [(u, a) for u, a, _ in audit(db)]
    for change in ("user.role", "user.active", "user.unlock"):
        assert (ADMIN[0], change) in actions
    unknown = cli("users", "disable", "nobody.here", *as_admin, stdin=lines(ADMIN[1]))
    assert unknown.code == 2 and "no user named" in unknown.one_sentence()


def test_users_list_needs_an_admin(cli: Cli, db: Path) -> None:
    assert cli("users", "list", "--db", db).code == 4
    as_sup = cli("users", "list", "--db", db, "--user", SUPERVISOR[0], stdin=lines(SUPERVISOR[1]))
    assert as_sup.code == 4 and as_sup.out == ""


def test_a_user_changes_their_own_password(cli: Cli, db: Path) -> None:
    new = "Nurse-New-Passphrase-74"
    changed = cli(
        "users", "password", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1], new, new)
    )
    assert changed.code == 0, changed.err
    assert cli("sessions", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1])).code == 4
    assert cli("sessions", "--db", db, "--user", NURSE[0], stdin=lines(new)).code == 0
    other = cli(
        "users", "password", SUPERVISOR[0], "--db", db, "--user", NURSE[0],
        stdin=lines(new, new, new),
    )  # fmt: skip
    assert other.code == 4  # someone else's password: administrators only
