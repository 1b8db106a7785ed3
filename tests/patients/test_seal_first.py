"""Nothing is sealed, signed or exported over an edit made behind the console's back
(adversary review findings 2 and 3): each addition to an ended session, a signature and
a bundle export first compare the session with its last seal or signature and refuse,
naming the part that changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patient_support import SessionAt
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from console.core.access import Access
from console.core.accounts import User
from console.core.bundles import export
from console.core.installation_id import SigningKey
from console.core.lots import Product, ProductKind, record_product
from console.core.photos import PhotoWhen, import_photo
from console.core.records import save_notes
from console.core.signing import ChangedSinceSeal, sign, signature_warning
from console.core.trust import check_database
from console.gui.review_window import ReviewWindow
from console.store import EventKind, EventRow, Store
from console.store.keys import KEY_DIR_ENV
from console.store.signatures import SealBroken, content_hash
from tests.cli.cli_support import make_cli

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
SWAP_PLAN = "UPDATE sessions SET plan_name = 'forged' WHERE uuid = ?"


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "after.png"
    Image.new("RGB", (16, 12), (200, 150, 130)).save(path, "PNG")
    return path


def _tamper(store: Store, sql: str, session: str) -> None:
    with store.transaction():  # what sqlite3 on the file does: no audit row, no seal
        assert store.conn.execute(sql, (session,)).rowcount == 1


def _seals(store: Store, session: str) -> int:
    return len(store.audit.entries(obj=f"session:{session}", action="session.seal"))


ADDITIONS: dict[str, Callable[[dict[str, Access], str, Path], object]] = {
    "photo": lambda c, s, tmp: import_photo(c["nurse"], s, _photo(tmp), PhotoWhen.AFTER),
    "lot": lambda c, s, _tmp: record_product(
        c["nurse"], s, "P-1", Product(ProductKind.CARTRIDGE, "LOT-3", "S-3"), AT.date()
    ),
    "notes": lambda c, s, _tmp: save_notes(c["nurse"], s, "typed after the session"),
}


@pytest.mark.parametrize("addition", list(ADDITIONS))
def test_an_addition_to_a_tampered_ended_session_is_refused_not_resealed(
    addition: str,
    tmp_path: Path,
    store: Store,
    clinic: dict[str, Access],
    session_at: SessionAt,
) -> None:
    session = session_at("P-1", AT)
    ADDITIONS[addition](clinic, session, tmp_path)  # an untouched session takes it
    sealed = _seals(store, session)
    _tamper(store, SWAP_PLAN, session)
    with pytest.raises(SealBroken) as refused:
        ADDITIONS[addition](clinic, session, tmp_path)
    words = str(refused.value)
    assert f"session {session[:8]}: its metadata, events, passes or telemetry changed" in words
    assert "since it was sealed at" in words and "db restore" in words
    assert _seals(store, session) == sealed  # the tampered content was not sealed


def test_signing_a_tampered_session_is_refused_naming_the_part(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    sup = clinic["supervisor"]
    sign(sup, session, "reviewed", "battery staple")
    with store.transaction():  # past the lock, as sqlite3 would after dropping triggers
        store.conn.execute("DROP TRIGGER sessions_signed_locked")
    _tamper(store, SWAP_PLAN, session)
    with pytest.raises(ChangedSinceSeal) as refused:
        sign(sup, session, "approved", "battery staple")
    assert "its metadata, events, passes or telemetry changed since it was signed" in str(
        refused.value
    )
    assert [s.meaning for s in store.signatures.for_session(session)] == ["reviewed"]


def test_bundle_export_refuses_a_session_that_no_longer_matches_its_seal(
    tmp_path: Path, store: Store, session_at: SessionAt
) -> None:
    good, bad = session_at("P-1", AT), session_at("P-2", AT)
    door = Access(store, None)
    key = SigningKey(tmp_path / "keys")
    export(store, door, [good, bad], tmp_path / "before.penbundle", key)
    _tamper(store, SWAP_PLAN, bad)
    out = tmp_path / "after.penbundle"
    with pytest.raises(SealBroken, match=f"session {bad[:8]}: its metadata"):
        export(store, door, [good, bad], out, key)
    assert not out.exists()


def test_a_status_set_to_signed_without_a_signature_is_reported(
    store: Store, session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    assert check_database(store) == []
    _tamper(store, "UPDATE sessions SET status = 'signed' WHERE uuid = ?", session)
    (problem,) = check_database(store)
    assert problem.startswith(f"sessions {session}: marked signed, but no signature of it")


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE session_totals SET alarms = 2 WHERE session_uuid = ?", "says 2 alarms (its"),
        ("DELETE FROM session_totals WHERE session_uuid = ?", "has no row"),
    ],
)
def test_db_check_compares_session_totals_with_the_sealed_rows(
    sql: str, words: str, store: Store, session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    store.write_batch(session, [], [EventRow(5, "pen", EventKind.LINK_GAP, None, None, {})])
    store.seal(session, "test: an event added")
    assert check_database(store) == []  # the triggers kept the cache right
    _tamper(store, sql, session)
    (problem,) = check_database(store)
    assert problem.startswith(f"session_totals {session}: {words}")
    assert "Alarms and Link gaps" in problem


def test_the_review_refuses_to_sign_a_tampered_session_and_warns_of_a_forged_status(
    qtbot, store: Store, clinic: dict[str, Access], session_at: SessionAt,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    session = session_at("P-1", AT)
    sup = clinic["supervisor"].user
    assert isinstance(sup, User)
    window = ReviewWindow(store, sup, theme="light")
    qtbot.addWidget(window)
    _tamper(store, SWAP_PLAN, session)
    review = window.open_session(session)
    assert review is not None
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warnings.append(text))
    assert window.actions.sign_as(review, "dr.lee", "battery staple", "approved") is False
    assert len(warnings) == 1 and "changed since it was sealed at" in warnings[0]
    assert store.signatures.for_session(session) == []
    assert "⚠" not in window.header.text()  # not signed, and it says so
    _tamper(store, "UPDATE sessions SET status = 'signed' WHERE uuid = ?", session)
    window.open_session(session)
    assert "⚠ marked signed, but it has no signature" in window.header.text()
    assert window.header.badges.texts() == ["Not signed"]


def test_signature_warning_names_a_forged_row_and_a_changed_signed_session(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    forged, real = session_at("P-1", AT), session_at("P-2", AT)
    assert signature_warning(store, forged) is None
    with store.transaction():  # a row with the right hash, but no sign row in the trail
        store.conn.execute(
            "INSERT INTO signatures (session_uuid, signer, signed_utc, meaning,"
            " content_sha256) VALUES (?, 'dr.lee', '2026-03-02T12:00:00+00:00',"
            " 'approved', ?)",
            (forged, content_hash(store, forged)),
        )
    assert "the signature by dr.lee has no sign row" in (signature_warning(store, forged) or "")
    sign(clinic["supervisor"], real, "approved", "battery staple")
    assert signature_warning(store, real) is None
    with store.transaction():
        store.conn.execute("DROP TRIGGER sessions_signed_locked")
    _tamper(store, SWAP_PLAN, real)
    assert "changed after dr.lee signed it" in (signature_warning(store, real) or "")


def test_sign_and_bundle_export_commands_refuse_a_tampered_session_with_exit_1(
    tmp_path: Path,
    store: Store,
    clinic: dict[str, Access],
    session_at: SessionAt,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = session_at("P-1", AT)
    _tamper(store, SWAP_PLAN, session)
    cli = make_cli(capsys, monkeypatch)
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "keys"))
    signed = cli(
        "sign", session, "--meaning", "approved", "--db", store.path, "--user", "dr.lee",
        stdin="battery staple\n",
    )  # fmt: skip
    assert signed.code == 1 and "changed since it was sealed at" in signed.one_sentence()
    out = tmp_path / "out.penbundle"
    exported = cli(
        "bundle", "export", session, "--out", str(out), "--db", store.path,
        "--user", "dr.lee", stdin="battery staple\n",
    )  # fmt: skip
    assert exported.code == 1 and "Nothing was written." in exported.one_sentence()
    assert not out.exists()


def test_the_review_says_why_notes_of_a_tampered_session_are_not_saved(
    qtbot, store: Store, clinic: dict[str, Access], session_at: SessionAt,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    session = session_at("P-1", AT)
    nurse = clinic["nurse"].user
    assert isinstance(nurse, User)
    window = ReviewWindow(store, nurse, theme="light")
    qtbot.addWidget(window)
    assert window.open_session(session) is not None
    _tamper(store, SWAP_PLAN, session)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warnings.append(text))
    window.notes.setPlainText("typed after the session")
    window.save_notes.click()
    assert len(warnings) == 1 and "changed since it was sealed at" in warnings[0]
    assert store.session(session)["notes"] != "typed after the session"
