"""A session whose recorder died reads as interrupted at once; signing it, following it
up or opening it for review closes it as interrupted first, with the same recovery as the
next start (mark_interrupted: sealed, dated at its last stored sample), and a signed
interrupted session keeps saying it was interrupted."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.access import Access
from console.core.accounts import Accounts, User
from console.core.followups import FollowUpError, FollowUpKind, add_follow_up, follow_ups
from console.core.records import open_session
from console.core.review import SessionReview
from console.core.signing import SigningError, sign, verify_signatures
from console.gui.session_model import cell_text
from console.store import EventKind, SessionFilter, Store, liveness, packing
from console.store.session_list import SessionColumn, SessionSort, session_page

SAMPLES = 500
LAST_T_US = 7_000_000 + (SAMPLES - 1) * 1000


def _dead_recording(store: Store) -> str:
    """A session with telemetry, left `recording`: its recorder never ended it."""
    session = store.create_session("P-7", "Dr A", pen={"serial": "SN1"})
    cols = {name: np.arange(SAMPLES).astype(dt) for name, dt in packing.COLUMNS.items()}
    cols["t_us"] = (7_000_000 + np.arange(SAMPLES) * 1000).astype(packing.COLUMNS["t_us"])
    store.write_batch(session, [(0, cols)], [])
    store.audit.append("nurse.kim", "session.start", f"session:{session}")  # as records does
    return session


def _as(store: Store, name: str) -> Access:
    user = Accounts(store).find(name)
    assert user is not None
    return Access(store, user)


def _interruption(store: Store, session: str) -> dict[str, object]:
    [event] = [e for e in store.events(session) if e["kind"] == EventKind.SESSION_INTERRUPTED]
    return dict(event)


def test_signing_closes_it_first_and_it_stays_interrupted(
    store: Store, people: dict[str, User], passwords: dict[str, str]
) -> None:
    session = _dead_recording(store)
    assert store.session(session)["status_now"] == "interrupted"
    sign(_as(store, "dr.lee"), session, "reviewed", passwords["dr.lee"])
    assert store.session(session)["status"] == "signed"
    assert _interruption(store, session)["t_us"] == LAST_T_US  # not when it was found
    seals = [e for e in store.audit.entries(f"session:{session}") if e.action == "session.seal"]
    assert len(seals) == 1 and verify_signatures(store) == []
    [row] = session_page(store, SessionFilter(), SessionSort(), 0, 10)
    assert cell_text(row, SessionColumn.STATUS) == "signed · interrupted"
    assert SessionReview(store, session).status_words == "signed · interrupted"


def test_a_follow_up_or_opening_it_closes_it_first(store: Store, people: dict[str, User]) -> None:
    followed, opened = _dead_recording(store), _dead_recording(store)
    add_follow_up(_as(store, "dr.lee"), followed, FollowUpKind.OUTCOME, "healed well")
    assert [f.text for f in follow_ups(store, followed)] == ["healed well"]
    open_session(_as(store, "nurse.kim"), opened)
    for session in (followed, opened):
        assert store.session(session)["status"] == "interrupted"
        assert _interruption(store, session)["t_us"] == LAST_T_US


def test_a_live_recording_is_not_closed(
    store: Store, people: dict[str, User], passwords: dict[str, str]
) -> None:
    session = _dead_recording(store)
    lock = liveness.RecordingLock(store.path, session)
    try:
        with pytest.raises(SigningError, match="recording cannot be signed"):
            sign(_as(store, "dr.lee"), session, "reviewed", passwords["dr.lee"])
        with pytest.raises(FollowUpError, match="still recording"):
            add_follow_up(_as(store, "dr.lee"), session, FollowUpKind.NOTE, "x")
        assert store.session(session)["status"] == "recording"
    finally:
        lock.release()


def test_a_session_set_back_to_recording_is_not_laundered(
    store: Store, people: dict[str, User], passwords: dict[str, str]
) -> None:
    session = _dead_recording(store)
    store.finish_session(session)
    with store.lock:  # behind the console's back
        store.conn.execute("UPDATE sessions SET status = 'recording' WHERE uuid = ?", (session,))
    with pytest.raises(SigningError, match="was not sealed as interrupted"):
        sign(_as(store, "dr.lee"), session, "reviewed", passwords["dr.lee"])
    with pytest.raises(FollowUpError, match="was not sealed as interrupted"):
        add_follow_up(_as(store, "dr.lee"), session, FollowUpKind.NOTE, "x")
    assert store.session(session)["status"] == "recording"
