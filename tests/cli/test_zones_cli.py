"""`zones set-ceiling`: a safety setting. A supervisor or admin signs in and is who
changed it (no --by); a value off the pen's depth step is refused; a value above the
zone's published range needs --confirm-above-range, which is recorded."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, audit, lines

from console.store import Store


def _ceiling_rows(db: Path) -> list[tuple[str, str | None]]:
    store = Store(db)
    try:
        rows = store.conn.execute(
            "SELECT user, new_value FROM audit_log WHERE action = 'zone.ceiling' ORDER BY id"
        )
        return [(str(u), v) for u, v in rows]
    finally:
        store.close()


def _forehead(cli: Cli, db: Path) -> str:
    listed = cli("zones", "list", "--db", db)
    assert listed.code == 0, listed.err
    return next(line for line in listed.out.splitlines() if line.startswith("forehead"))


def test_by_is_gone(cli: Cli, db: Path) -> None:
    old = cli("zones", "set-ceiling", "forehead", "250", "--by", "anyone", "--db", db)
    assert old.code == 2 and "--by" in old.one_sentence()
    assert _ceiling_rows(db) == []


def test_nobody_and_a_practitioner_are_refused(cli: Cli, db: Path) -> None:
    assert cli("zones", "set-ceiling", "forehead", "250", "--db", db).code == 4
    nurse = cli(
        "zones", "set-ceiling", "forehead", "250", "--db", db, "--user", NURSE[0],
        stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert nurse.code == 4 and "may not change the clinic's depth ceilings" in nurse.err
    assert (NURSE[0], "refused", "map:face/forehead") in audit(db)
    assert _ceiling_rows(db) == [] and "250–500" in _forehead(cli, db)


def test_a_supervisor_changes_it_and_is_recorded(cli: Cli, db: Path) -> None:
    done = cli(
        "zones", "set-ceiling", "forehead", "250", "--db", db, "--user", SUPERVISOR[0],
        stdin=lines(SUPERVISOR[1]),
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "250–250" in _forehead(cli, db)
    ((who, new),) = _ceiling_rows(db)
    assert who == SUPERVISOR[0] and json.loads(new or "{}")["depth_max_um"] == 250


def test_a_value_off_the_pens_step_is_refused(cli: Cli, db: Path) -> None:
    off = cli(
        "zones", "set-ceiling", "forehead", "300", "--db", db, "--user", SUPERVISOR[0],
        stdin=lines(SUPERVISOR[1]),
    )  # fmt: skip
    assert off.code == 2 and "step" in off.one_sentence()
    assert _ceiling_rows(db) == []


def test_above_the_published_range_needs_a_recorded_confirmation(cli: Cli, db: Path) -> None:
    args = ("zones", "set-ceiling", "forehead", "750", "--db", db, "--user", ADMIN[0])
    unconfirmed = cli(*args, stdin=lines(ADMIN[1]))
    assert unconfirmed.code == 2
    assert "--confirm-above-range" in unconfirmed.one_sentence()
    assert _ceiling_rows(db) == []
    confirmed = cli(*args, "--confirm-above-range", stdin=lines(ADMIN[1]))
    assert confirmed.code == 0, confirmed.err
    ((who, new),) = _ceiling_rows(db)
    assert who == ADMIN[0]
    assert json.loads(new or "{}")["confirmed"] is True
    assert "250–750" in _forehead(cli, db)
