"""Content hash version 3 covers the whole patient record; `db check` names what changed;
older seals still verify; follow-ups leave a signed hash alone; one signature per meaning."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patient_support import SessionAt
from PIL import Image

from console.core.access import Access
from console.core.consent import ConsentForm, load_questionnaire, save_consent
from console.core.followups import FollowUpError, FollowUpKind, add_follow_up, follow_ups
from console.core.lots import Product, ProductKind, record_product
from console.core.photos import PhotoWhen, import_photo
from console.core.series import record_too_soon, too_soon
from console.core.signing import SigningError, sign
from console.core.trust import check_database
from console.store import EventKind, EventRow, Store
from console.store.keys import KEY_DIR_ENV
from console.store.signatures import HASH_VERSION, content_hash, content_parts
from tests.cli.cli_support import make_cli
from tests.offline.conftest import columns

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _photo(tmp_path: Path, name: str = "before.png") -> Path:
    path = tmp_path / name
    Image.new("RGB", (16, 12), (200, 150, 130)).save(path, "PNG")
    return path


def _consent(nurse: Access, session: str) -> None:
    form = ConsentForm(load_questionnaire())
    for q in form.questionnaire.questions:
        form.answer(q.id, q.id == "anticoagulants")
    form.confirm("anticoagulants")
    form.signature.begin((0.1, 0.5))
    for i in range(6):
        form.signature.extend((0.1 + i * 0.1, 0.5))
    save_consent(nurse, session, form, b"\x89PNG signature image")


def _full_record(store: Store, clinic: dict[str, Access], tmp_path: Path) -> str:
    """A recording session given consent, a photo, a cartridge reused under a
    supervisor's override, a too-soon reason and telemetry with summaries; then ended."""
    nurse, sup = clinic["nurse"], clinic["supervisor"]
    first = store.create_session("P-1", "nurse.kim")
    store.update_session(first, started_utc="2026-02-20T10:00:00.000+00:00")
    store.finish_session(first)
    session = store.create_session("P-2", "nurse.kim")
    finding = too_soon(store, "P-1", AT, None)
    assert finding is not None
    record_too_soon(nurse, session, finding, "patient travels abroad")
    _consent(nurse, session)
    import_photo(nurse, session, _photo(tmp_path), PhotoWhen.BEFORE, "forehead")
    cartridge = Product(ProductKind.CARTRIDGE, "LOT-9", "S-1")
    record_product(nurse, first, "P-1", cartridge, AT.date())
    record_product(sup, session, "P-2", cartridge, AT.date(), "sealed box, mislabelled")
    store.write_batch(
        session, [(0, columns(200, 3))], [EventRow(5, "pen", EventKind.BUTTON_SHORT, 1, 3, {})]
    )
    store.finish_session(session)
    return session


# what a person with the database file and sqlite3 might change, and the part it names
EDITS = {
    "answer": ("consent", "UPDATE consents SET answers = replace(answers, 'true', 'false')"),
    "signature": ("consent", "UPDATE consents SET signature_png = x'89504e4700'"),
    "exif": ("photos", "UPDATE photos SET exif_date = '2020-01-01T00:00:00'"),
    "lot": (
        "products",
        "UPDATE session_products SET lot = 'LOT-1' WHERE override_reason IS NOT NULL",
    ),
    "override": (
        "products",
        "UPDATE session_products SET override_reason = 'new box' WHERE override_reason IS NOT NULL",
    ),
    "too-soon": ("series", "UPDATE series_exceptions SET reason = 'no reason'"),
    "summary": ("record", "UPDATE chunk_summaries SET coarse = zeroblob(length(coarse))"),
    "simulated": (
        "record",
        "UPDATE sessions SET simulated = 1"
        " WHERE patient_id = (SELECT id FROM patients WHERE code = 'P-2')",
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_part_of_the_record_is_covered_and_named(
    edit: str, tmp_path: Path, store: Store, clinic: dict[str, Access]
) -> None:
    part, sql = EDITS[edit]
    session = _full_record(store, clinic, tmp_path)
    assert check_database(store) == []  # additions to an ended session were resealed
    before = content_parts(store, session)
    with store.transaction():
        assert store.conn.execute(sql).rowcount > 0
    after = content_parts(store, session)
    assert [p for p in before if before[p] != after[p]] == [part]
    problems = check_database(store)
    assert len(problems) == 1, problems
    assert session in problems[0] and "db restore" in problems[0]
    assert {
        "consent": "its consent",
        "photos": "its photos",
        "products": "its products and lots",
        "series": "too-soon reason",
        "record": "telemetry",
    }[part] in problems[0]


def test_version_2_covers_the_summary_columns_but_not_the_summary_table(
    tmp_path: Path, store: Store, clinic: dict[str, Access]
) -> None:
    """Issue 15 said the chunks' summaries are not covered: version 2 does cover the
    summary columns of each chunk row, but not the review's chunk_summaries table;
    version 3 covers both."""
    session = _full_record(store, clinic, tmp_path)
    v2, v3 = content_hash(store, session, 2), content_hash(store, session, 3)
    with store.transaction():
        store.conn.execute("UPDATE telemetry_chunks SET depth_meas_max_um = 1")
    assert content_hash(store, session, 2) != v2
    assert content_hash(store, session, 3) != v3
    v2, v3 = content_hash(store, session, 2), content_hash(store, session, 3)
    with store.transaction():
        store.conn.execute("UPDATE chunk_summaries SET fine = zeroblob(length(fine))")
    assert content_hash(store, session, 2) == v2
    assert content_hash(store, session, 3) != v3


@pytest.mark.parametrize("version", [1, 2])
def test_older_seals_still_verify(
    version: int, tmp_path: Path, store: Store, clinic: dict[str, Access]
) -> None:
    session = _full_record(store, clinic, tmp_path)
    store.audit.append(  # what an older console wrote when the session ended
        "console",
        "session.seal",
        f"session:{session}",
        None,
        {"sha256": content_hash(store, session, version), "hash_version": version},
    )
    assert HASH_VERSION == 3
    assert check_database(store) == []
    (photo,) = store.media.photos(session)
    data = store.media.photo_data(photo.id)
    with store.transaction():  # not covered by the old hash, but by the photo's SHA-256
        store.conn.execute("UPDATE photos SET data = ?", (data + b"\0",))
    (problem,) = check_database(store)
    assert f"photo {photo.id} (before.png, before, zone forehead) no longer matches" in problem
    with store.transaction():
        store.conn.execute("UPDATE photos SET data = ?", (data,))
        store.conn.execute("UPDATE events SET arg = 99")
    (problem,) = check_database(store)
    assert "its data (metadata, events, passes or telemetry) changed" in problem


def test_db_check_names_a_changed_photo_byte_and_a_consent_edit(
    tmp_path: Path,
    store: Store,
    clinic: dict[str, Access],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = _full_record(store, clinic, tmp_path)
    sign(clinic["supervisor"], session, "approved", "battery staple")
    cli = make_cli(capsys, monkeypatch)
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "keys"))
    assert cli("db", "check", "--db", store.path).code == 0
    (photo,) = store.media.photos(session)
    raw = sqlite3.connect(store.path)  # behind the console's back, past the triggers
    data = bytearray(store.media.photo_data(photo.id))
    data[-5] ^= 0x01
    raw.execute("DROP TRIGGER photos_no_update")
    raw.execute("UPDATE photos SET data = ? WHERE id = ?", (bytes(data), photo.id))
    raw.commit()
    ran = cli("db", "check", "--db", store.path)
    assert ran.code == 1
    named = [line for line in ran.err_lines if f"photo {photo.id} (before.png" in line]
    assert len(named) == 1 and session in named[0] and "db restore" in named[0]
    assert "no longer matches the SHA-256" in named[0]
    raw.execute("DROP TRIGGER consents_no_update")
    raw.execute("UPDATE consents SET answers = replace(answers, 'true', 'false')")
    raw.commit()
    raw.close()
    ran = cli("db", "check", "--db", store.path)
    assert ran.code == 1
    assert any("its consent (answers" in line and session in line for line in ran.err_lines)


def test_a_photo_after_the_session_ended_is_sealed_with_it(
    tmp_path: Path, store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    import_photo(clinic["nurse"], session, _photo(tmp_path, "after.png"), PhotoWhen.AFTER)
    seal = store.audit.entries(obj=f"session:{session}", action="session.seal")[-1]
    assert seal.new()["reason"] == "photo imported"  # type: ignore[index]
    assert check_database(store) == []


def test_the_same_signer_and_meaning_twice_is_refused_another_meaning_is_not(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    sup = clinic["supervisor"]
    first = sign(sup, session, "reviewed", "battery staple")
    local = datetime.fromisoformat(first.signed_utc).astimezone()
    with pytest.raises(SigningError) as refused:
        sign(sup, session, "reviewed", "battery staple")
    assert str(refused.value) == f"dr.lee already reviewed this session at {local:%H:%M}"
    sign(sup, session, "approved", "battery staple")
    assert [s.meaning for s in store.signatures.for_session(session)] == ["reviewed", "approved"]
    assert check_database(store) == []


def test_follow_ups_on_a_signed_session_leave_its_hash_alone(
    store: Store,
    clinic: dict[str, Access],
    session_at: SessionAt,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    session = session_at("P-1", AT)
    signature = sign(clinic["supervisor"], session, "approved", "battery staple")
    add_follow_up(clinic["nurse"], session, FollowUpKind.OUTCOME, "  skin texture improved ")
    with pytest.raises(FollowUpError, match="needs text"):
        add_follow_up(clinic["nurse"], session, FollowUpKind.NOTE, "   ")
    cli = make_cli(capsys, monkeypatch)
    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path / "keys"))
    added = cli(
        "follow-up", session[:8], "--kind", "complication", "--text", "PIH on the left cheek",
        "--db", store.path, "--user", "dr.lee", stdin="battery staple\n",
    )  # fmt: skip
    assert added.code == 0, added.err
    bad = cli(
        "follow-up", session, "--kind", "rash", "--text", "x",
        "--db", store.path, "--user", "dr.lee", stdin="battery staple\n",
    )  # fmt: skip
    assert bad.code == 2 and "not a follow-up kind" in bad.one_sentence()
    assert [(f.kind, f.author, f.text) for f in follow_ups(store, session)] == [
        (FollowUpKind.OUTCOME, "nurse.kim", "skin texture improved"),
        (FollowUpKind.COMPLICATION, "dr.lee", "PIH on the left cheek"),
    ]
    listed = cli(
        "follow-up", session, "--json", "--db", store.path, "--user", "dr.lee",
        stdin="battery staple\n",
    )  # fmt: skip
    assert [json.loads(line)["kind"] for line in listed.out.splitlines()] == [
        "outcome",
        "complication",
    ]
    assert content_hash(store, session) == signature.content_sha256
    assert check_database(store) == []
    refused = cli(
        "follow-up", session, "--text", "x", "--db", store.path, "--user", "it",
        stdin="admin pass phrase\n",
    )  # fmt: skip
    assert refused.code == 4
