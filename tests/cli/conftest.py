"""Fixtures of the command-line tests: the CLI in-process, a demo database and one with
an admin, a supervisor and a practitioner (each with one ended session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, add_session, lines, make_cli


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return make_cli(capsys, monkeypatch)


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A database without accounts, with one ended session."""
    db = tmp_path / "demo.db"
    add_session(db, "P-DEMO", "bench")
    return db


@pytest.fixture
def db(tmp_path: Path, cli: Cli) -> Path:
    """A database with an admin, a supervisor and a practitioner, and one ended session."""
    path = tmp_path / "clinic.db"
    first = cli("users", "add", ADMIN[0], "--db", path, stdin=lines(ADMIN[1], ADMIN[1]))
    assert first.code == 0, first.err
    for name, password, role in (
        (*SUPERVISOR, "supervisor"),
        (*NURSE, "practitioner"),
    ):
        added = cli(
            "users",
            "add",
            name,
            "--role",
            role,
            "--user",
            ADMIN[0],
            "--db",
            path,
            stdin=lines(ADMIN[1], password, password),
        )
        assert added.code == 0, added.err
    add_session(path, "P-1", NURSE[0])
    return path
