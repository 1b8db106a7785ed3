"""Session bundles between two carts: A exports, B imports and signs, A imports back."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from hashlib import sha256
from pathlib import Path

import pytest

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.bundle_import import import_bundle
from console.core.bundles import (
    BundleRefused,
    Change,
    export,
    open_bundle,
    sessions_to_export,
)
from console.core.followups import FollowUpKind, add_follow_up, follow_ups
from console.core.installation_id import SigningKey, enrol, fingerprint
from console.core.patients import PatientDetails, add_patient
from console.core.signing import sign
from console.core.trust import check_database
from console.store import Store, bundle_rows
from console.store.media import ConsentRow, PhotoRow
from console.store.patients import PatientRow, SeriesExceptionRow
from console.store.products import ProductRow
from console.store.signatures import content_hash
from tests.cli.cli_support import make_cli
from tests.offline.conftest import columns, ended_session

SUPERVISOR_PASSWORD = "supervisor pass phrase"


class Cart:
    def __init__(self, root: Path) -> None:
        self.keys = root / "keys"
        self.store = Store(root / "pen-console.db", key_dir=self.keys)
        self.access = Access(self.store, None)  # a demo database: unattributed
        self.key = SigningKey(self.keys)

    def export(self, sessions: list[str], out: Path, *, with_names: bool = False) -> Path:
        export(self.store, self.access, sessions, out, self.key, with_names=with_names)
        return out

    def import_(self, path: Path) -> dict[Change, list[str]]:
        report = import_bundle(self.store, self.access, open_bundle(path), self.keys)
        return {c: [o.uuid for o in report.of(c)] for c in Change}

    def rows(self, uuid: str) -> bundle_rows.SessionRows | None:
        return bundle_rows.read(self.store, uuid)

    def check(self) -> list[str]:
        return check_database(self.store)


@pytest.fixture
def carts(tmp_path: Path) -> Iterator[tuple[Cart, Cart]]:
    a, b = Cart(tmp_path / "cart-a"), Cart(tmp_path / "desk-b")
    enrol(fingerprint(a.key.installation), b.keys)  # what each clinic's admin did
    enrol(fingerprint(b.key.installation), a.keys)
    yield a, b
    a.store.close()
    b.store.close()


def _supervisor(cart: Cart) -> Access:
    accounts = Accounts(cart.store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    user = accounts.add(
        "dr.lee", Role.SUPERVISOR, SUPERVISOR_PASSWORD, access=Access(cart.store, admin)
    )
    return Access(cart.store, user)


def test_a_exports_b_imports_and_signs_a_imports_back(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    a, b = carts
    s1, s2 = ended_session(a.store, "P-1", seed=1), ended_session(a.store, "P-2", seed=7)
    first = a.export([s1, s2], tmp_path / "a-to-b.penbundle")
    assert b.import_(first)[Change.ADDED] == [s1, s2]
    for s in (s1, s2):
        assert b.rows(s) == a.rows(s)  # every column and chunk byte, UUID kept
    assert b.check() == []

    supervisor = _supervisor(b)
    signature = sign(supervisor, s1, "approved", SUPERVISOR_PASSWORD)
    back = tmp_path / "b-to-a.penbundle"
    export(b.store, supervisor, [s1, s2], back, b.key)
    outcome = a.import_(back)
    assert outcome[Change.UPDATED] == [s1]  # came back signed
    assert outcome[Change.UNCHANGED] == [s2]
    assert a.store.session(s1)["status"] == "signed"
    assert a.store.signatures.for_session(s1)[0].content_sha256 == signature.content_sha256
    for s in (s1, s2):
        assert a.rows(s) == b.rows(s)
    assert a.check() == []  # the signature verifies on the cart too
    assert b.check() == []
    (imported,) = a.store.audit.entries(action="bundle.import")
    assert imported.new()["installation"] == b.key.installation.id  # type: ignore[index]
    origin = a.store.audit.entries(obj=f"session:{s1}", action="sign")[0].new()
    assert origin["installation"] == b.key.installation.id  # type: ignore[index]


def test_importing_twice_changes_nothing(carts: tuple[Cart, Cart], tmp_path: Path) -> None:
    a, b = carts
    s1 = ended_session(a.store, "P-1")
    bundle = a.export([s1], tmp_path / "x.penbundle")
    b.import_(bundle)
    before = b.store.path.read_bytes(), len(b.store.audit.entries())
    again = b.import_(bundle)
    assert again[Change.UNCHANGED] == [s1] and not again[Change.ADDED]
    assert len(b.store.audit.entries()) == before[1]
    assert len(b.store.sessions()) == 1
    assert b.check() == []


def _flip(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    out = path.with_name(f"tampered-{offset}.penbundle")
    out.write_bytes(bytes(data))
    return out


def test_one_changed_byte_is_refused(carts: tuple[Cart, Cart], tmp_path: Path) -> None:
    a, b = carts
    s1 = ended_session(a.store, "P-1")
    bundle = a.export([s1], tmp_path / "x.penbundle")
    size = bundle.stat().st_size
    for offset in (40, size // 3, size // 2, size - 30):
        with pytest.raises(BundleRefused):
            b.import_(_flip(bundle, offset))
    assert b.store.sessions() == []


def test_a_re_signed_manifest_or_a_swapped_key_is_refused(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    """A member changed and its hash updated in the manifest: the signature fails. Signed
    again with another key under the same installation id: the key does not match it."""
    a, b = carts
    s1 = ended_session(a.store, "P-1")
    bundle = a.export([s1], tmp_path / "x.penbundle")
    with zipfile.ZipFile(bundle) as z:
        members = {n: z.read(n) for n in z.namelist()}
    record = json.loads(members[f"sessions/{s1}.json"])
    record["session"]["notes"] = "changed on the way"
    members[f"sessions/{s1}.json"] = json.dumps(record, sort_keys=True).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["files"][f"sessions/{s1}.json"] = (
        __import__("hashlib").sha256(members[f"sessions/{s1}.json"]).hexdigest()
    )
    members["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=1).encode()

    def write(name: str) -> Path:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for n, data in members.items():
                z.writestr(n, data)
        out = tmp_path / name
        out.write_bytes(buffer.getvalue())
        return out

    with pytest.raises(BundleRefused, match="signature does not verify"):
        b.import_(write("edited.penbundle"))
    b.import_(bundle)  # b now knows a's key
    forger = SigningKey(tmp_path / "forger")
    manifest["installation"]["public_key"] = forger.installation.public_key_b64
    members["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=1).encode()
    members["manifest.sig"] = base64.b64encode(forger.sign(members["manifest.json"]))
    with pytest.raises(BundleRefused, match="signature does not verify"):
        b.import_(write("forged.penbundle"))  # the id is a's, the key is not


def test_a_patient_code_for_two_people_is_a_conflict(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    a, b = carts
    for cart, name, year in ((a, "Ann Lee", 1980), (b, "Bob Stone", 1975)):  # audited
        add_patient(cart.access, "P-7", PatientDetails(name, year), date(2026, 1, 1))
    s_a = ended_session(a.store, "P-7")
    s_other = ended_session(a.store, "P-8", seed=4)
    named = a.export([s_a, s_other], tmp_path / "x.penbundle", with_names=True)
    outcome = b.import_(named)
    assert outcome[Change.CONFLICT] == [s_a]
    assert outcome[Change.ADDED] == [s_other]
    assert b.rows(s_a) is None
    assert bundle_rows.patient(b.store, "P-7")["name"] == "Bob Stone"  # type: ignore[index]
    (line,) = b.store.audit.entries(action="bundle.import")
    assert line.new()["conflicts"] == [s_a]  # type: ignore[index]
    assert b.check() == []


def test_cli_export_import_show(tmp_path: Path) -> None:
    def cli(cart: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**__import__("os").environ, "PEN_CONSOLE_KEY_DIR": str(tmp_path / cart / "keys")}
        return subprocess.run(
            [sys.executable, "-m", "console", *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a_db, b_db = tmp_path / "a" / "pen.db", tmp_path / "b" / "pen.db"
    a = Store(a_db, key_dir=tmp_path / "a" / "keys")
    s1 = ended_session(a, "P-1")
    a.close()
    Store(b_db, key_dir=tmp_path / "b" / "keys").close()
    out = tmp_path / "stick.penbundle"
    done = cli("a", "bundle", "export", "--unsent", "--out", str(out), "--db", str(a_db))
    assert done.returncode == 0, done.stderr
    again = cli(
        "a",
        "bundle",
        "export",
        "--unsent",
        "--out",
        str(tmp_path / "2.penbundle"),
        "--db",
        str(a_db),
    )
    assert "no sessions match" in again.stdout  # already sent
    shown = cli("b", "bundle", "show", str(out))
    assert shown.returncode == 0 and s1 in shown.stdout
    unknown = cli("b", "bundle", "import", str(out), "--db", str(b_db))
    assert unknown.returncode == 2 and "not enrolled here" in unknown.stderr
    trusted = cli("b", "bundle", "trust", str(out), "--db", str(b_db))
    assert trusted.returncode == 0, trusted.stderr
    first = cli("b", "bundle", "import", str(out), "--db", str(b_db))
    assert first.returncode == 0, first.stderr
    assert f"{s1} added" in first.stdout
    second = cli("b", "bundle", "import", str(out), "--db", str(b_db))
    assert "nothing new" in second.stdout
    assert cli("b", "db", "check", "--db", str(b_db)).returncode == 0
    broken = _flip(out, out.stat().st_size // 2)
    refused = cli("b", "bundle", "import", str(broken), "--db", str(b_db))
    assert refused.returncode == 2
    assert "refused" in refused.stderr and "Traceback" not in refused.stderr


def test_unsent_means_made_or_signed_here_and_not_exported_since(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    a, b = carts
    s1, s2 = ended_session(a.store, "P-1"), ended_session(a.store, "P-2", seed=3)
    assert sessions_to_export(a.store, [], None, unsent=True) == [s1, s2]
    a.export([s1], tmp_path / "1.penbundle")
    assert sessions_to_export(a.store, [], None, unsent=True) == [s2]
    b.import_(tmp_path / "1.penbundle")
    assert sessions_to_export(b.store, [], None, unsent=True) == []  # came from a
    sign(_supervisor(b), s1, "reviewed", SUPERVISOR_PASSWORD)
    assert sessions_to_export(b.store, [], None, unsent=True) == [s1]  # signed here
    recording = a.store.create_session("P-3", "Dr Test")
    assert recording not in sessions_to_export(a.store, [], None, unsent=True)


def _review(db: Path, bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "review",
            "--db",
            str(db),
            "--bundle",
            str(bundle),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_review_window_opens_a_bundle_read_only(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    a, b = carts
    s1 = ended_session(a.store, "P-1")
    bundle = a.export([s1], tmp_path / "x.penbundle")
    shot = tmp_path / "review-bundle.png"
    done = _review(b.store.path, bundle, "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10_000
    assert b.store.sessions() == []  # nothing was imported
    refused = _review(b.store.path, _flip(bundle, bundle.stat().st_size // 2))
    assert refused.returncode == 2 and "refused" in refused.stderr


def test_the_patient_record_travels_whole_and_still_verifies(
    carts: tuple[Cart, Cart],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Consent (with the signature image), a photo's bytes, a reused cartridge's override,
    a too-soon reason, chunk summaries and a follow-up arrive unchanged, the version 3
    hash matches, and a second import changes nothing."""
    a, b = carts
    s1 = a.store.create_session("P-1", "Dr Test", simulated=True)  # practice: stays marked
    a.store.write_batch(s1, [(0, columns(300, 5))], [])
    photo = bytes(range(256)) * 4
    a.store.media.add_consent(
        ConsentRow(s1, "consent v1", '{"pregnancy": {"answer": true}}', "Dr Test", "t", b"\x89P")
    )
    a.store.media.add_photo(
        PhotoRow(s1, "before", "forehead", "b.jpg", "image/jpeg", sha256(photo).hexdigest(),
                 "2026:03:02", "t", "Dr Test"),
        photo,
    )  # fmt: skip
    a.store.products.add(
        ProductRow(s1, "cartridge", "", None, "L-1", "S-1", None, "t", "Dr Test", "sealed box")
    )
    a.store.patients.add_exception(SeriesExceptionRow(s1, 20.5, 42, "travel", "Dr Test", "t"))
    a.store.finish_session(s1)
    add_follow_up(a.access, s1, FollowUpKind.COMPLICATION, "mild PIH, resolved")
    assert a.check() == []
    outcome = b.import_(a.export([s1], tmp_path / "record.penbundle"))
    assert outcome[Change.ADDED] == [s1]
    rows = b.rows(s1)
    assert rows == a.rows(s1) and rows is not None
    assert rows.photo_blobs == [photo] and rows.summaries and rows.consents
    assert content_hash(b.store, s1) == content_hash(a.store, s1)
    assert b.store.session(s1)["simulated"] == 1
    assert [f.text for f in follow_ups(b.store, s1)] == ["mild PIH, resolved"]
    assert b.check() == []
    again = b.import_(tmp_path / "record.penbundle")
    assert again[Change.UNCHANGED] == [s1]
    shown = make_cli(capsys, monkeypatch)("bundle", "show", tmp_path / "record.penbundle", "--json")
    (listed,) = json.loads(shown.out)["sessions"]
    assert (listed["consents"], listed["photos"], listed["products"], listed["follow_ups"]) == (
        1,
        1,
        1,
        1,
    )


def test_by_default_a_bundle_carries_the_patient_code_and_skin_type_only(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    a, b = carts
    a.store.patients.put(PatientRow("P-3", "Ann Lee", 1980, "IV", "allergic to lidocaine"))
    s1 = ended_session(a.store, "P-3")
    plain = a.export([s1], tmp_path / "plain.penbundle")
    (bundled,) = open_bundle(plain).sessions
    assert bundled.rows.patient == {
        "code": "P-3", "name": None, "birth_year": None, "fitzpatrick": "IV", "notes": "",
    }  # fmt: skip
    assert b.import_(plain)[Change.ADDED] == [s1]
    assert b.check() == []
    named = open_bundle(a.export([s1], tmp_path / "named.penbundle", with_names=True))
    assert named.sessions[0].rows.patient["name"] == "Ann Lee"  # type: ignore[index]


def test_a_bundle_from_before_hash_version_3_still_imports(
    carts: tuple[Cart, Cart], tmp_path: Path
) -> None:
    """What an older cart wrote: no record tables, no hash_version, a version 2 hash."""
    a, b = carts
    s1 = ended_session(a.store, "P-1")
    bundle = a.export([s1], tmp_path / "new.penbundle")
    with zipfile.ZipFile(bundle) as z:
        members = {n: z.read(n) for n in z.namelist()}
    record = json.loads(members[f"sessions/{s1}.json"])
    for key in ("consents", "photos", "products", "series_exceptions", "summaries"):
        del record[key]
    del record["hash_version"]
    record["content_sha256"] = content_hash(a.store, s1, 2)
    members[f"sessions/{s1}.json"] = json.dumps(record, sort_keys=True).encode()
    manifest = json.loads(members.pop("manifest.json"))
    members.pop("manifest.sig")
    manifest["files"] = {n: sha256(d).hexdigest() for n, d in members.items()}
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
    old = tmp_path / "old.penbundle"
    with zipfile.ZipFile(old, "w") as z:
        z.writestr("manifest.json", manifest_bytes)
        z.writestr("manifest.sig", base64.b64encode(a.key.sign(manifest_bytes)))
        for n, d in members.items():
            z.writestr(n, d)
    assert b.import_(old)[Change.ADDED] == [s1]
    assert content_hash(b.store, s1, 2) == content_hash(a.store, s1, 2)
    assert b.check() == []
