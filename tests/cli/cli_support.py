"""Helpers for the command-line tests: run the CLI in-process, accounts, sessions, audit."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.commands.cli import main
from console.store import Store

ADMIN = ("boss", "Admin-Passphrase-71")
SUPERVISOR = ("dr.sup", "Supervisor-Passphrase-72")
NURSE = ("nurse.kim", "Practitioner-Passphrase-73")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def one_sentence(self) -> str:
        """The error, asserted to be one line and no traceback."""
        assert "Traceback" not in self.err, self.err
        assert len(self.err_lines) == 1, self.err
        return self.err_lines[0]


Cli = Callable[..., Ran]


def make_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """cli("sessions", "--db", db, stdin="password\\n") -> Ran. Stdin is not a tty."""

    def run(*argv: str | Path, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: --help, or a bad argument
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def lines(*passwords: str) -> str:
    """Standard input for the CLI: one password per line, in the order it asks."""
    return "".join(p + "\n" for p in passwords)


def add_session(db: Path, patient: str, practitioner: str) -> str:
    """An ended session (created through the store, as the recorder does)."""
    store = Store(db)
    try:
        session = store.create_session(patient, practitioner)
        store.finish_session(session)
    finally:
        store.close()
    return session


def audit(db: Path) -> list[tuple[str, str, str]]:
    """(user, action, object) of every audit row, oldest first."""
    store = Store(db)
    try:
        rows = store.conn.execute("SELECT user, action, object FROM audit_log ORDER BY id")
        return [(str(u), str(a), str(o)) for u, a, o in rows]
    finally:
        store.close()
