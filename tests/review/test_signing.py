"""Signatures bound to content; tampering found; amendments never edit the signed record."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from console.core.access import Access, Refused
from console.core.accounts import Accounts, User
from console.core.export import session_record
from console.core.signing import SigningError, amend, content_hash, sign, verify_signatures
from console.core.trust import check_database as check
from console.store import EventKind, EventRow, Store, liveness, packing


def _session_with_data(store: Store) -> str:
    session = store.create_session("P-7", "Dr A", pen={"serial": "SN1"})
    n = 1000
    cols = {name: np.arange(n).astype(dt) for name, dt in packing.COLUMNS.items()}
    store.write_batch(
        session, [(0, cols), (1, cols)], [EventRow(5, "pen", EventKind.BUTTON_SHORT, 1, 3, {})]
    )
    store.add_pass(
        session,
        {
            "zone": "forehead",
            "pass_no": 1,
            "started_t_us": 0,
            "ended_t_us": 999,
            "strokes": 80,
            "contact_ms": 700,
        },
    )
    store.finish_session(session)
    return session


@pytest.fixture
def accounts(store: Store, people: dict[str, User]) -> Accounts:
    return Accounts(store)


def _as(store: Store, name: str) -> Access:
    user = Accounts(store).find(name)
    assert user is not None
    return Access(store, user)


def test_signature_binds_the_content_and_locks_the_session(store, accounts) -> None:
    session = _session_with_data(store)
    sig = sign(_as(store, "dr.lee"), session, "approved", "battery staple")
    assert sig.content_sha256 == content_hash(store, session)
    assert store.session(session)["status"] == "signed"
    assert verify_signatures(store) == []
    with pytest.raises(sqlite3.IntegrityError, match="signed and locked"):
        store.update_session(session, notes="changed later")
    with pytest.raises(sqlite3.IntegrityError, match="signed and locked"):
        store.add_event(session, "alarm")
    record = session_record(store, session)
    assert record["signatures"][0]["signer"] == "dr.lee"
    assert record["signatures"][0]["hash"] == sig.content_sha256


def test_wrong_password_or_role_cannot_sign(store, accounts) -> None:
    session = _session_with_data(store)
    with pytest.raises(SigningError, match="password is wrong"):
        sign(_as(store, "dr.lee"), session, "reviewed", "nope")
    with pytest.raises(Refused, match="may not sign"):
        sign(_as(store, "nurse.kim"), session, "reviewed", "correct horse")
    recording = store.create_session("P-8", "Dr A")
    lock = liveness.RecordingLock(store.path, recording)  # its recorder is alive
    try:
        with pytest.raises(SigningError, match="recording cannot be signed"):
            sign(_as(store, "dr.lee"), recording, "reviewed", "battery staple")
    finally:
        lock.release()
    assert store.session(session)["status"] == "complete"


def test_one_changed_byte_in_one_chunk_is_detected(store, accounts) -> None:
    session = _session_with_data(store)
    sign(_as(store, "dr.lee"), session, "reviewed", "battery staple")
    blob = bytearray(
        store.conn.execute("SELECT data FROM telemetry_chunks WHERE chunk_no = 1").fetchone()[0]
    )
    blob[40] ^= 0x01
    store.conn.execute("DROP TRIGGER chunks_signed_no_update")  # a tamperer's first step
    store.conn.execute("UPDATE telemetry_chunks SET data = ? WHERE chunk_no = 1", (bytes(blob),))
    store.conn.commit()
    problems = verify_signatures(store)
    assert len(problems) == 1 and session in problems[0] and "dr.lee" in problems[0]
    assert any("changed after" in p for p in check(store))


def test_amendment_leaves_the_signed_record_byte_identical(store, accounts) -> None:
    session = _session_with_data(store)
    sign(_as(store, "dr.lee"), session, "approved", "battery staple")
    before = content_hash(store, session)
    rows_before = store.conn.execute("SELECT * FROM sessions").fetchall()
    amend(_as(store, "dr.lee"), session, "notes", "Patient reported mild redness on day 2.")
    assert content_hash(store, session) == before
    assert store.conn.execute("SELECT * FROM sessions").fetchall() == rows_before
    assert session_record(store, session)["amendments"][0]["text"].startswith("Patient")
    assert verify_signatures(store) == []
