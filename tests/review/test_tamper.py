"""The tamper suite (issue 10): each attack, made with a plain SQLite connection on a
fresh copy of a database with signed, ended and interrupted sessions, is reported by
`db check`; an untouched copy passes. The adversary has the database file, not the
installation key nor any password."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.clinic_ceilings import set_clinic_ceiling
from console.core.signing import amend, sign
from console.core.trust import check_database
from console.core.zones import available_maps
from console.store import EventKind, EventRow, Store, packing, utc_now
from console.store.keys import ChainHead

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Template:
    path: Path
    head: ChainHead
    signed: str
    ended: str
    interrupted: str


def _columns(n: int, start: int) -> packing.Columns:
    cols = {name: np.arange(start, start + n).astype(dt) for name, dt in packing.COLUMNS.items()}
    cols["depth_meas_um"] = np.full(n, 600, np.uint16)
    return cols


def _session(store: Store, patient: str) -> str:
    session = store.create_session(patient, "nurse.kim", pen={"serial": "SN1"})
    store.write_batch(
        session,
        [(0, _columns(400, 0)), (1, _columns(400, 400))],
        [
            EventRow(5, "pen", EventKind.BUTTON_SHORT, 1, 3, {}),
            EventRow(9, "console", EventKind.ALARM, None, None, {"x": 1}),
        ],
        [({"zone": "forehead", "pass_no": 1, "started_t_us": 0, "ended_t_us": 399,
           "strokes": 40, "contact_ms": 300}, False)],
    )  # fmt: skip
    return session


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("tamper") / "clinic.db"
    store = Store(path)
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    as_admin = Access(store, admin)
    lee = accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", access=as_admin)
    accounts.add("nurse.kim", Role.PRACTITIONER, "correct horse", access=as_admin)
    set_clinic_ceiling(Access(store, lee), available_maps()["face"], "cheek_left", 1250)
    signed = _session(store, "P-1")
    store.finish_session(signed)
    sign(Access(store, lee), signed, "approved", "battery staple")
    amend(Access(store, lee), signed, "notes", "mild redness on day 2")
    ended = _session(store, "P-2")
    store.finish_session(ended)
    interrupted = _session(store, "P-3")
    store.mark_interrupted()
    head = store.audit.head()
    assert head is not None
    assert check_database(store) == []
    store.close()
    return Template(path, head, signed, ended, interrupted)


@pytest.fixture
def copy(template: Template, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy, with its chain head kept outside as the console keeps the original's."""
    dest = tmp_path / "copy.db"
    shutil.copyfile(template.path, dest)
    store = Store(dest)
    store.anchor_copy(dest, template.head)
    store.close()
    yield dest


def _problems(path: Path, anchor: ChainHead | None = None) -> list[str]:
    store = Store(path)
    try:
        return check_database(store, anchor)
    finally:
        store.close()


def _raw(path: Path) -> sqlite3.Connection:
    """What the adversary uses: any SQLite tool. Triggers are no obstacle to it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


def _legacy(prev: str, row: tuple[object, ...]) -> str:
    return hashlib.sha256(json.dumps([prev, *row], ensure_ascii=False).encode()).hexdigest()


def _recompute_chain(conn: sqlite3.Connection) -> None:
    """Change one row, then re-hash the whole chain the way one can without the key."""
    conn.execute('UPDATE audit_log SET new_value = \'{"role": "admin"}\' WHERE id = 2')
    rows = conn.execute(
        "SELECT id, at_utc, user, action, object, old_value, new_value FROM audit_log ORDER BY id"
    ).fetchall()
    prev = "0" * 64
    for entry_id, *fields in rows:
        digest = _legacy(prev, tuple(fields))
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, entry_id)
        )
        prev = digest


def _insert_in_the_middle(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET id = id + 100000 WHERE id > 3")
    conn.execute("UPDATE audit_log SET id = id - 99999 WHERE id > 100000")
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = 3").fetchone()[0]
    row = ("2026-01-01T00:00:00.000+00:00", "it", "user.add", "user:eve", None, '{"role":"admin"}')
    conn.execute(
        "INSERT INTO audit_log VALUES (4, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, prev, _legacy(prev, row))
    )


def _append_forged(conn: sqlite3.Connection) -> None:
    last_id, prev = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC").fetchone()
    row = ("2026-01-01T00:00:00.000+00:00", "dr.lee", "login", "user:dr.lee", None, None)
    conn.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (last_id + 1, *row, prev, _legacy(prev, row)),
    )


def _delete_session(conn: sqlite3.Connection, session: str) -> None:
    for table in ("telemetry_chunks", "events", "zone_passes", "signatures", "amendments"):
        conn.execute(f"DELETE FROM {table} WHERE session_uuid = ?", (session,))
    conn.execute("DELETE FROM sessions WHERE uuid = ?", (session,))


def _forge_signature(conn: sqlite3.Connection, session: str, signer: str) -> None:
    conn.execute(
        "INSERT INTO signatures (session_uuid, signer, signed_utc, meaning, content_sha256)"
        " VALUES (?, ?, ?, 'approved', ?)",
        (session, signer, utc_now(), "0" * 64),
    )
    conn.execute("UPDATE sessions SET status = 'signed' WHERE uuid = ?", (session,))


def _flip_chunk_byte(conn: sqlite3.Connection, session: str) -> None:
    blob = bytearray(
        conn.execute(
            "SELECT data FROM telemetry_chunks WHERE session_uuid = ? AND chunk_no = 1",
            (session,),
        ).fetchone()[0]
    )
    blob[len(blob) // 2] ^= 0x01
    conn.execute(
        "UPDATE telemetry_chunks SET data = ? WHERE session_uuid = ? AND chunk_no = 1",
        (bytes(blob), session),
    )


Attack = Callable[[sqlite3.Connection, Template], object]

# (name, attack, words every report of it must contain)
ATTACKS: list[tuple[str, Attack, str]] = [
    # the audit trail
    ("audit: change a row", lambda c, t: c.execute(
        "UPDATE audit_log SET new_value = '{\"role\": \"admin\"}' WHERE id = 2"),
        "audit_log row 2"),
    ("audit: insert a row in the middle", lambda c, t: _insert_in_the_middle(c),
        "audit_log row 4"),
    ("audit: append a forged row", lambda c, t: _append_forged(c), "re-hashed"),
    ("audit: delete a row in the middle", lambda c, t: c.execute(
        "DELETE FROM audit_log WHERE id = 3"), "row 3 is missing"),
    ("audit: delete the last rows", lambda c, t: c.execute(
        "DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)"),
        "deleted from the end"),
    ("audit: delete all of it", lambda c, t: c.execute("DELETE FROM audit_log"),
        "whole audit trail was deleted"),
    ("audit: recompute the whole chain", lambda c, t: _recompute_chain(c),
        "recomputed"),
    # a signed session
    ("signed: change its notes", lambda c, t: c.execute(
        "UPDATE sessions SET notes = 'edited' WHERE uuid = ?", (t.signed,)),
        "changed after"),
    ("signed: change an event", lambda c, t: c.execute(
        "UPDATE events SET data = '{\"x\": 2}' WHERE session_uuid = ? AND kind = 'alarm'",
        (t.signed,)), "changed after"),
    ("signed: change a pass", lambda c, t: c.execute(
        "UPDATE zone_passes SET strokes = 4 WHERE session_uuid = ?", (t.signed,)),
        "changed after"),
    ("signed: change a chunk byte", lambda c, t: _flip_chunk_byte(c, t.signed),
        "changed after"),
    ("signed: change a chunk summary", lambda c, t: c.execute(
        "UPDATE telemetry_chunks SET depth_meas_max_um = 400 WHERE session_uuid = ?",
        (t.signed,)), "changed after"),
    ("signed: change the patient code", lambda c, t: c.execute(
        "UPDATE patients SET code = 'P-9' WHERE code = 'P-1'"), "changed after"),
    ("signed: change its signature", lambda c, t: c.execute(
        "UPDATE signatures SET meaning = 'reviewed' WHERE session_uuid = ?", (t.signed,)),
        "signatures row"),
    ("signed: unsign it", lambda c, t: (
        c.execute("DELETE FROM signatures WHERE session_uuid = ?", (t.signed,)),
        c.execute("UPDATE sessions SET status = 'complete' WHERE uuid = ?", (t.signed,))),
        "unsigned"),
    ("signed: delete it entirely", lambda c, t: _delete_session(c, t.signed),
        "was deleted"),
    ("signed: delete an amendment", lambda c, t: c.execute("DELETE FROM amendments"),
        "amendment"),
    ("forge a signature by a user who does not exist",
        lambda c, t: _forge_signature(c, t.ended, "dr.who"), "dr.who was not a user"),
    ("forge a signature by a practitioner",
        lambda c, t: _forge_signature(c, t.ended, "nurse.kim"), "(practitioner) could not sign"),
    # ended but unsigned sessions
    ("ended: change its notes", lambda c, t: c.execute(
        "UPDATE sessions SET notes = 'edited' WHERE uuid = ?", (t.ended,)),
        "changed after it was sealed"),
    ("ended: delete a chunk", lambda c, t: c.execute(
        "DELETE FROM telemetry_chunks WHERE session_uuid = ? AND chunk_no = 1", (t.ended,)),
        "changed after it was sealed"),
    ("ended: add a pass", lambda c, t: c.execute(
        "INSERT INTO zone_passes (session_uuid, zone, pass_no, started_t_us, ended_t_us,"
        " strokes, contact_ms) VALUES (?, 'chin', 1, 0, 1, 1, 1)", (t.ended,)),
        "changed after it was sealed"),
    ("ended: set it back to recording", lambda c, t: c.execute(
        "UPDATE sessions SET status = 'recording' WHERE uuid = ?", (t.ended,)),
        "sealed as ended"),
    ("ended: delete it", lambda c, t: _delete_session(c, t.ended), "was deleted"),
    ("interrupted: change an event", lambda c, t: c.execute(
        "UPDATE events SET t_us = 7 WHERE session_uuid = ? AND kind = 'button_short'",
        (t.interrupted,)), "changed after it was sealed"),
    ("interrupted: change a chunk byte", lambda c, t: _flip_chunk_byte(c, t.interrupted),
        "changed after it was sealed"),
    ("insert an ended session", lambda c, t: c.execute(
        "INSERT INTO sessions (uuid, started_utc, tz, status) VALUES"
        " ('0badc0de-0000-0000-0000-000000000000', '2026-01-01', 'UTC', 'complete')"),
        "never sealed"),
    # users
    ("users: change a role", lambda c, t: c.execute(
        "UPDATE users SET role = 'admin' WHERE name = 'nurse.kim'"), "the audit trail says"),
    ("users: replace a password hash", lambda c, t: c.execute(
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = 'it')"
        " WHERE name = 'dr.lee'"), "password hash was replaced"),
    ("users: insert an account", lambda c, t: c.execute(
        "INSERT INTO users (name, role, password_hash, created_utc) VALUES"
        " ('eve', 'admin', 'x', '2026-01-01')"), "inserted behind"),
    ("users: delete an account", lambda c, t: c.execute(
        "DELETE FROM users WHERE name = 'dr.lee'"), "dr.lee (in the audit trail) was deleted"),
    ("users: enable a disabled-in-trail change", lambda c, t: c.execute(
        "UPDATE users SET active = 0 WHERE name = 'nurse.kim'"), "without an audit row"),
    # the clinic's ceilings
    ("ceilings: change one", lambda c, t: c.execute(
        "UPDATE zone_ceilings SET depth_max_um = 2500"), "the audit trail says 1250"),
    ("ceilings: insert one", lambda c, t: c.execute(
        "INSERT INTO zone_ceilings VALUES ('face', 'forehead', 2000, 'it', 'x')"),
        "without an audit row"),
    ("ceilings: delete one", lambda c, t: c.execute("DELETE FROM zone_ceilings"),
        "was deleted"),
]  # fmt: skip


def test_an_untouched_copy_is_sound(copy: Path) -> None:
    assert _problems(copy) == []


@pytest.mark.parametrize(("attack", "words"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_db_check_reports_the_attack(
    copy: Path, template: Template, attack: Attack, words: str
) -> None:
    conn = _raw(copy)
    attack(conn, template)
    conn.close()
    problems = _problems(copy)
    assert any(words in p for p in problems), problems


def test_a_truncated_tail_is_found_against_a_written_down_anchor_alone(
    copy: Path, template: Template, tmp_path: Path
) -> None:
    """A copy moved elsewhere has no head kept for it: --anchor still finds the cut."""
    moved = tmp_path / "moved.db"
    conn = _raw(copy)
    conn.execute("DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)")
    conn.close()
    shutil.copyfile(copy, moved)
    problems = _problems(moved, template.head)
    assert any("--anchor says it ran to row" in p for p in problems), problems
    assert any("no chain head is kept" in p for p in problems)


def test_db_check_command_exit_codes_and_anchor(copy: Path, template: Template) -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "console", "db", "check", "--db", str(copy), *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    sound = run("--anchor", str(template.head))
    assert sound.returncode == 0, sound.stderr
    assert str(template.head) in sound.stdout
    assert run("--anchor", "12:nothex").returncode == 2
    conn = _raw(copy)
    conn.execute("UPDATE users SET role = 'admin' WHERE name = 'nurse.kim'")
    conn.close()
    found = run()
    assert found.returncode == 1
    assert "users row" in found.stderr and "nurse.kim" in found.stderr
