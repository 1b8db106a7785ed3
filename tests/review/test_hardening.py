"""The adversary review's attacks (00:07 UTC) that `db check` alone did not stop: each is
made with a plain SQLite connection on a fresh copy of the tamper suite's database, and
the console must refuse to act on it, or `db check` must report it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import test_tamper as tamper
from argon2 import PasswordHasher

from console.core.access import UNATTRIBUTED, Access, Refused
from console.core.accounts import AccountError, Accounts, Role
from console.core.alarms import Condition
from console.core.bundle_import import import_bundle
from console.core.bundles import BundleRefused, export, open_bundle
from console.core.clinic_ceilings import checked_map, set_clinic_ceiling
from console.core.installation_id import SigningKey, enrol, fingerprint
from console.core.roles import Action
from console.core.safe_files import UnsafeDestination, check_destination
from console.core.treatment import Treatment
from console.core.zones import available_maps
from console.store import Store
from console.store.audit import TrailCut

_raw = tamper._raw
_problems = tamper._problems
template = tamper.template  # the fixtures: a database of a small clinic, and a fresh copy
copy = tamper.copy
Template = tamper.Template


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=tamper.ROOT,
        capture_output=True,
        text=True,
        input="",
    )


# ---------------------------------------------------------------- 7: ceilings


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO zone_ceilings VALUES ('face', 'forehead', 2500, 'it', 'x')",
        "UPDATE zone_ceilings SET depth_max_um = 2500 WHERE zone = 'cheek_left'",
    ],
    ids=["inserted", "changed"],
)
def test_a_ceiling_not_in_the_trail_is_not_used_for_treatment(copy: Path, sql: str) -> None:
    conn = _raw(copy)
    conn.execute(sql)
    conn.close()
    shipped = available_maps()["face"]
    store = Store(copy)
    try:
        zone_map, refused = checked_map(store, shipped)
        zone = "forehead" if "forehead" in sql else "cheek_left"
        assert zone_map.zone(zone).depth_max_um == shipped.zone(zone).depth_max_um
        assert any(f"face/{zone} (2500 µm)" in r for r in refused), refused
        treatment = Treatment(store, watch=True)
        try:
            assert treatment.zones.map.zone(zone).depth_max_um < 2500
            assert treatment.alarms.is_active(Condition.CEILINGS_TAMPERED)
        finally:
            treatment.close()
    finally:
        store.close()
    listed = _cli("zones", "list", "--db", str(copy))
    assert listed.returncode == 1
    assert "REFUSED" in listed.stdout and "shipped default" in listed.stderr


def test_an_audited_ceiling_is_still_used(copy: Path) -> None:
    store = Store(copy)
    try:
        zone_map, refused = checked_map(store, available_maps()["face"])
    finally:
        store.close()
    assert refused == []
    assert zone_map.zone("cheek_left").depth_max_um == 1250


# ---------------------------------------------------------------- 2: demo mode


def test_emptying_users_does_not_bring_back_demo_mode(copy: Path) -> None:
    conn = _raw(copy)
    conn.execute("DELETE FROM users")
    conn.close()
    store = Store(copy)
    try:
        assert not Access(store, None).demo
        with pytest.raises(AccountError, match="signed-in administrator"):
            Accounts(store).add("mallory", Role.ADMIN, "mallory pass phrase")
        with pytest.raises(Refused):
            set_clinic_ceiling(Access(store, None), available_maps()["face"], "chin", 1000)
    finally:
        store.close()
    added = _cli("users", "add", "mallory", "--role", "admin", "--db", str(copy))
    assert added.returncode in (2, 4), added.stderr
    store = Store(copy)
    try:
        assert store.users.count() == 0
    finally:
        store.close()


def test_db_check_reports_unattributed_rows_after_the_first_account(copy: Path) -> None:
    conn = _raw(copy)
    saved = conn.execute("SELECT * FROM users").fetchall()
    conn.execute("DELETE FROM users")
    conn.close()
    # What an older console did with an emptied users table: acted as a demo database.
    store = Store(copy)
    store.audit.append(UNATTRIBUTED, "user.add", "user:mallory", None, {"role": "admin"})
    store.close()
    conn = _raw(copy)
    marks = ",".join("?" * len(saved[0]))
    conn.executemany(f"INSERT INTO users VALUES ({marks})", saved)
    conn.close()
    problems = _problems(copy)
    assert any("without sign-in (unattributed) after the first account" in p for p in problems)


# ---------------------------------------------------------------- 1: impersonation


ATTACKER_HASH = PasswordHasher().hash("attacker pass phrase")


@pytest.mark.parametrize(
    ("sql", "name", "password", "words"),
    [
        ("UPDATE users SET password_hash = ? WHERE name = 'dr.lee'", "dr.lee",
         "attacker pass phrase", "password hash was replaced"),
        ("UPDATE users SET role = 'supervisor' WHERE name = 'nurse.kim' AND ? != ''",
         "nurse.kim", "correct horse", "the audit trail says practitioner"),
    ],
    ids=["password hash", "role"],
)  # fmt: skip
def test_a_users_row_changed_for_a_moment_cannot_sign_in(
    copy: Path, sql: str, name: str, password: str, words: str
) -> None:
    conn = _raw(copy)
    conn.execute(sql, (ATTACKER_HASH,))
    conn.close()
    store = Store(copy)
    try:
        accounts = Accounts(store)
        assert accounts.login(name, password) is None
        assert words in accounts.why_refused(name)
        assert "db check" in accounts.why_refused(name)
    finally:
        store.close()


def test_db_check_reports_an_action_the_role_did_not_allow(copy: Path) -> None:
    """What an older console let a practitioner whose role was swapped for a moment do."""
    store = Store(copy)
    store.audit.append("nurse.kim", "sign", "session:x", None, {"meaning": "approved"})
    store.audit.append("dr.lee", "user.add", "user:shadow", None, {"role": "admin"})
    store.close()
    problems = _problems(copy)
    assert any("nurse.kim (practitioner) did sign" in p for p in problems), problems
    assert any("dr.lee (supervisor) did user.add" in p for p in problems), problems


# ---------------------------------------------------------------- 4: a cut tail


def test_no_write_after_the_last_rows_were_deleted(copy: Path) -> None:
    conn = _raw(copy)
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.execute("DELETE FROM audit_log WHERE id >= ?", (last - 2,))
    conn.close()
    store = Store(copy)
    try:
        with pytest.raises(TrailCut, match=f"row {last}, the last one written here, is missing"):
            store.audit.append("it", "login", "user:it")
        assert store.audit.head() is not None and store.audit.head().entry_id == last - 3  # type: ignore[union-attr]
        head, _ = store.chain_head_file()
        assert head is not None and head.entry_id == last
    finally:
        store.close()
    problems = _problems(copy)
    assert any(f"rows {last - 2} to {last} were deleted" in p for p in problems), problems


# ---------------------------------------------------------------- 3: the interrupted seal


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE sessions SET status = 'recording', notes = 'edited' WHERE uuid = :ended",
         "sealed as ended before"),
        ("INSERT INTO sessions (uuid, started_utc, tz, status) VALUES"
         " ('0badc0de-0000-0000-0000-000000000000', '2026-01-01', 'UTC', 'recording')",
         "no session.start row"),
    ],
    ids=["ended set back", "invented"],
)  # fmt: skip
def test_the_interrupted_seal_does_not_launder(
    copy: Path, template: Template, sql: str, words: str
) -> None:
    conn = _raw(copy)
    conn.execute(sql, {"ended": template.ended})
    conn.close()
    store = Store(copy)
    try:
        assert store.mark_interrupted() == []
        assert len(store.not_sealed) == 1 and words in store.not_sealed[0]
    finally:
        store.close()
    assert _problems(copy) != []


# ---------------------------------------------------------------- 6: the key directory


@pytest.mark.parametrize(
    "name", ["installation.key", "bundle-signing.key", "heads/x.json", "link-to-key"]
)
def test_no_output_onto_the_key_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    keys = tmp_path / "keys"
    (keys / "heads").mkdir(parents=True)
    (keys / "installation.key").write_text("secret")
    (tmp_path / "link-to-key").symlink_to(keys / "installation.key")
    monkeypatch.setenv("PEN_CONSOLE_KEY_DIR", str(keys))
    dest = tmp_path / name if name == "link-to-key" else keys / name
    with pytest.raises(UnsafeDestination, match="key"):
        check_destination(dest, db=None, force=True)
    check_destination(keys / "export.csv", db=None, force=True)  # the DB's folder is fine


# ---------------------------------------------------------------- 9: the triggers


def test_db_check_reports_dropped_and_changed_triggers(copy: Path) -> None:
    conn = _raw(copy)  # drops every trigger
    conn.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN 0"
        " BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    conn.close()
    problems = _problems(copy)
    assert any("trigger audit_log_no_update was dropped" in p for p in problems), problems
    assert any("trigger sessions_signed_locked was dropped" in p for p in problems)
    assert any("trigger audit_log_no_delete was changed" in p for p in problems)


# ---------------------------------------------------------------- 8: crafted bundles


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.penbundle", {"manifest.json": b"\0" * (80 * 2**20)})
    assert bomb.stat().st_size < 2**20
    with pytest.raises(BundleRefused, match=r"refused before unpacking: manifest\.json"):
        open_bundle(bomb)


def test_a_flipped_byte_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    path = _zip(tmp_path / "flip.penbundle", {"manifest.json": bytes(range(256)) * 400})
    data = bytearray(path.read_bytes())
    data[60] ^= 0xFF  # inside the deflated data of the only member
    path.write_bytes(bytes(data))
    with pytest.raises(BundleRefused, match="damaged"):
        open_bundle(path)
    shown = _cli("bundle", "show", str(path))
    assert shown.returncode == 2, shown.stderr
    assert "Traceback" not in shown.stderr and "damaged" in shown.stderr


# ---------------------------------------------------------------- 5: bundle keys


def test_only_enrolled_installations_bundles_are_imported(tmp_path: Path) -> None:
    other_keys, here_keys = tmp_path / "evil-keys", tmp_path / "keys"
    other = Store(tmp_path / "evil.db", key_dir=other_keys)
    session = other.create_session("P-1", "dr.lee")
    other.finish_session(session)
    out = tmp_path / "evil.penbundle"
    export(other, Access(other, None), [session], out, SigningKey(other_keys))
    other.close()
    key = fingerprint(SigningKey(other_keys).installation)
    store = Store(tmp_path / "here.db", key_dir=here_keys)
    try:
        with pytest.raises(BundleRefused, match=f"fingerprint {key}.*not enrolled"):
            import_bundle(store, Access(store, None), open_bundle(out), here_keys)
        assert store.sessions() == []
        enrol(key, here_keys)
        report = import_bundle(store, Access(store, None), open_bundle(out), here_keys)
        assert [o.uuid for o in report.outcomes] == [session]
    finally:
        store.close()


# ---------------------------------------------------------------- 10: the lockout sentence


def test_a_lock_is_told_only_to_whoever_has_the_right_password(copy: Path) -> None:
    store = Store(copy)
    try:
        accounts = Accounts(store)
        for _ in range(5):
            assert accounts.login("nurse.kim", "not the password") is None
        assert accounts.locked_until("nurse.kim") is not None
        assert accounts.login("nurse.kim", "still not it") is None
        guessed = accounts.why_refused("nurse.kim")
        assert accounts.login("nobody.here", "still not it") is None
        assert guessed == accounts.why_refused("nobody.here")
        assert "locked" not in guessed
        assert accounts.login("nurse.kim", "correct horse") is None
        assert "locked" in accounts.why_refused("nurse.kim")
    finally:
        store.close()


# ---------------------------------------------------------------- 12: small ones


def test_the_refusal_says_an_admin(copy: Path) -> None:
    store = Store(copy)
    try:
        kim = Accounts(store).find("nurse.kim")
        with pytest.raises(Refused, match="ask an admin to do it"):
            Access(store, kim).require(Action.MANAGE_USERS, "user:x")
    finally:
        store.close()


def test_users_add_on_a_missing_database_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    said = _cli("users", "add", "bob", "--role", "practitioner", "--db", str(missing))
    assert said.returncode == 2 and str(missing) in said.stderr
    assert not missing.exists()


def test_setting_a_ceiling_to_its_value_writes_nothing(copy: Path) -> None:
    store = Store(copy)
    try:
        lee = Accounts(store).find("dr.lee")
        before = len(store.audit.entries())
        old = set_clinic_ceiling(Access(store, lee), available_maps()["face"], "cheek_left", 1250)
        assert old == 1250 and len(store.audit.entries()) == before
    finally:
        store.close()


# ---------------------------------------------------------------- 11: an open folder


def test_no_database_is_created_in_a_world_writable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    said = _cli("db", "init", "--db", str(folder / "pen.db"))
    assert said.returncode == 2 and "writable by every account" in said.stderr
    assert not (folder / "pen.db").exists()
