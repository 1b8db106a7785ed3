"""Sign-in on the command line: --user or PEN_CONSOLE_USER, passwords from stdin lines in
order, exit 4 with one sentence for a refusal, and every refusal in the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, audit, lines


def test_a_demo_database_needs_no_sign_in_and_records_unattributed(cli: Cli, demo_db: Path) -> None:
    listed = cli("sessions", "--db", demo_db, "--json")
    assert listed.code == 0, listed.err
    assert json.loads(listed.out)["patient_code"] == "P-DEMO"
    assert ("unattributed", "review", "sessions") in audit(demo_db)


def test_with_accounts_nobody_signed_in_is_refused_and_audited(cli: Cli, db: Path) -> None:
    before = len(audit(db))
    refused = cli("sessions", "--db", db)
    assert refused.code == 4
    sentence = refused.one_sentence()
    assert "not signed in" in sentence and "--user" in sentence
    assert refused.out == ""  # nothing disclosed
    new = audit(db)[before:]
    assert [a for _, a, _ in new] == ["refused"]


def test_the_right_password_from_stdin_lets_a_practitioner_list(cli: Cli, db: Path) -> None:
    listed = cli("sessions", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert listed.code == 0, listed.err
    assert "P-1" in listed.out
    assert (NURSE[0], "login", f"user:{NURSE[0]}") in audit(db)


def test_pen_console_user_names_the_user(
    cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEN_CONSOLE_USER", SUPERVISOR[0])
    listed = cli("sessions", "--db", db, stdin=lines(SUPERVISOR[1]))
    assert listed.code == 0, listed.err
    assert (SUPERVISOR[0], "login", f"user:{SUPERVISOR[0]}") in audit(db)


def test_a_wrong_password_is_refused_and_audited(cli: Cli, db: Path) -> None:
    before = len(audit(db))
    wrong = cli("sessions", "--db", db, "--user", NURSE[0], stdin=lines("not-her-password"))
    assert wrong.code == 4 and wrong.out == ""
    assert "wrong user name or password" in wrong.one_sentence()
    actions = [a for _, a, _ in audit(db)[before:]]
    assert "login.failed" in actions and "refused" in actions


def test_no_password_on_stdin_is_refused(cli: Cli, db: Path) -> None:
    empty = cli("sessions", "--db", db, "--user", NURSE[0], stdin="")
    assert empty.code == 4
    assert "no password" in empty.one_sentence()


def test_a_role_that_may_not_is_refused_with_the_role_named(cli: Cli, db: Path) -> None:
    before = len(audit(db))
    refused = cli(
        "users", "disable", NURSE[0], "--db", db, "--user", SUPERVISOR[0],
        stdin=lines(SUPERVISOR[1]),
    )  # fmt: skip
    assert refused.code == 4
    assert "dr.sup (supervisor) may not" in refused.one_sentence()
    assert (SUPERVISOR[0], "refused", f"user:{NURSE[0]}") in audit(db)[before:]


def test_export_needs_sign_in(cli: Cli, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    refused = cli("export", "", "--db", db, "--format", "json", "--out", out)
    assert refused.code == 4 and not out.exists()
    done = cli(
        "export", "", "--db", db, "--format", "json", "--out", out, "--user", NURSE[0],
        stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert done.code == 0, done.err
    assert json.loads(out.read_text())["patient"]["code"] == "P-1"
    assert any(u == NURSE[0] and a == "export" for u, a, _ in audit(db))


def test_backup_needs_sign_in(cli: Cli, db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "b.db"
    assert cli("db", "backup", dest, "--db", db).code == 4 and not dest.exists()
    done = cli("db", "backup", dest, "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert done.code == 0, done.err
    assert dest.exists()


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks(cli: Cli, db: Path) -> None:
    as_nurse = ("sessions", "--db", db, "--user", NURSE[0])
    for _ in range(5):
        assert cli(*as_nurse, stdin=lines("a-wrong-guess-123")).code == 4
    locked = cli(*as_nurse, stdin=lines(NURSE[1]))  # the right password, too late
    assert locked.code == 4 and locked.out == ""
    assert "locked" in locked.one_sentence() and "users unlock" in locked.err
    unlock = cli("users", "unlock", NURSE[0], "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert unlock.code == 0, unlock.err
    assert cli(*as_nurse, stdin=lines(NURSE[1])).code == 0


def test_on_a_terminal_the_password_is_asked_without_echo(db: Path) -> None:
    """A real pseudo-terminal as the controlling terminal: getpass prompts on it."""
    import os
    import pty
    import select
    import sys
    import time

    root = Path(__file__).resolve().parents[2]
    pid, fd = pty.fork()
    if pid == 0:  # the child: pen-console with the pty as its terminal
        try:
            os.chdir(root)
            argv = [sys.executable, "-m", "console", "sessions", "--db", str(db), "--user"]
            os.execv(sys.executable, [*argv, NURSE[0]])
        finally:
            os._exit(127)  # never run the rest of the test suite in the child
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while b"Password for nurse.kim: " not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 1)[0]:
                seen += os.read(fd, 1024)
        assert b"Password for nurse.kim: " in seen, seen
        os.write(fd, NURSE[1].encode() + b"\n")
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 1)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child exited and closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b"P-1" in seen
    assert NURSE[1].encode() not in seen  # not echoed
