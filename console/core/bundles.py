"""Session bundles: records moved between carts and the supervisor's desk on a USB stick.

A `.penbundle` is a zip file:
    manifest.json        format, when, which installation (id and Ed25519 public key),
                         the sessions, and the SHA-256 of every other member
    manifest.sig         the installation's Ed25519 signature of manifest.json's bytes
    sessions/<uuid>.json the session row, its patient, practitioner, events, passes,
                         signatures, amendments, the audit rows that concern it, and its
                         content hash (the one its seals and signatures carry)
    sessions/<uuid>/<chunk_no>.bin   each telemetry chunk's blob, byte for byte
    sessions/<uuid>/photos/<n>.bin   each photo's bytes, in id order
The session's JSON also holds its consent (the signature image in base64), photos'
details, products and lots, series exceptions and chunk summaries, and the version of
its content hash (absent: 2, the bundles made before version 3).
Opening a bundle verifies the signature and every hash before anything else; a damaged
or altered bundle is refused with the reason. Importing is idempotent and keyed by the
session UUID; a session lands whole (its content hash recomputed here must equal the
one it left with) or not at all. A patient code that means another person here, or a
session UUID whose content differs here, is a conflict: reported, never merged.
Imported sessions are sealed in this database's audit trail with their origin; their
signatures and amendments get their audit rows here (naming the origin), so `db check`
holds on both sides and signatures still verify after travel.

Qt-free; the SQL is in console/store/bundle_rows.py.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.core.about import console_version
from console.core.access import Access
from console.core.installation_id import Installation, SigningKey
from console.core.roles import Action
from console.store import Store, StoreError, bundle_rows
from console.store.bundle_rows import SessionRows
from console.store.signatures import HASH_VERSION, Amendment, Signature, content_hash

FORMAT = "pen-console-bundle/1"
SUFFIX = ".penbundle"
ENDED = ("complete", "interrupted", "signed")
# What a real bundle stays under (checked from the zip directory before unpacking): a
# telemetry chunk is at most a few MB, a session's JSON (events, passes, audit rows) a
# few tens of MB; chunks are already compressed, JSON deflates about 10:1.
MAX_MEMBER_BYTES = 64 * 2**20
MAX_JSON_BYTES = 64 * 2**20
MAX_UNPACKED_BYTES = 2 * 2**30
MAX_RATIO = 50
MAX_MEMBERS = 200_000


class BundleRefused(ValueError):
    """The file is not a bundle, is damaged, or was altered; the message says which."""


class Change(enum.StrEnum):
    ADDED = "added"  # a session new here
    UPDATED = "updated"  # a session known here got signatures or amendments
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    uuid: str
    change: Change
    detail: str = ""


@dataclass
class ImportReport:
    origin: Installation
    outcomes: list[SessionOutcome] = field(default_factory=list)

    def of(self, change: Change) -> list[SessionOutcome]:
        return [o for o in self.outcomes if o.change is change]

    @property
    def changed(self) -> bool:
        return bool(self.of(Change.ADDED) or self.of(Change.UPDATED))


@dataclass(frozen=True, slots=True)
class BundledSession:
    rows: SessionRows
    content_sha256: str
    audit: list[dict[str, Any]]
    hash_version: int = 2  # of content_sha256


@dataclass(frozen=True, slots=True)
class Bundle:
    path: Path
    sha256: str
    created_utc: str
    origin: Installation
    sessions: list[BundledSession]


# ---------------------------------------------------------------- export


def sessions_to_export(
    store: Store, uuids: list[str], since: str | None, unsent: bool
) -> list[str]:
    """The sessions named (by prefix), or started since `since`, or with something made
    here and not exported since (`unsent`: ended, signed or amended here after the last
    export that carried it). Ended sessions only."""
    chosen: list[str] = [store.resolve_session(u) for u in uuids]
    if since is not None or unsent:
        rows = [s for s in store.sessions() if since is None or s["started_utc"] >= since]
        chosen += [str(s["uuid"]) for s in rows]
    if unsent:
        pending = _changed_since_export(store)
        chosen = [u for u in chosen if u in pending]
    unique = list(dict.fromkeys(chosen))
    open_ = [u for u in unique if store.session(u)["status"] not in ENDED]
    if open_ and not unsent:
        raise StoreError(
            f"session {open_[0]} is still being recorded; end it before it leaves this cart"
        )
    return [u for u in unique if u not in open_]


_LOCAL_CHANGES = ("session.seal", "sign", "amend")


def _changed_since_export(store: Store) -> set[str]:
    """Sessions whose last change made here (a seal, signature or amendment; not one that
    arrived in a bundle) is newer than the last export that carried them."""
    last_change: dict[str, int] = {}
    last_export: dict[str, int] = {}
    for e in store.audit.entries():
        new = e.new()
        data = new if isinstance(new, dict) else {}
        if e.action == "bundle.export":
            for uuid in data.get("sessions", []):
                last_export[str(uuid)] = e.id
        elif (
            e.action in _LOCAL_CHANGES
            and e.object.startswith("session:")
            and "installation" not in data  # arrived with a bundle: not ours to send
        ):
            last_change[e.object.removeprefix("session:")] = e.id
    return {u for u, changed in last_change.items() if changed > last_export.get(u, 0)}


def export(
    store: Store,
    access: Access,
    uuids: list[str],
    out: Path,
    key: SigningKey,
    *,
    with_names: bool = False,
) -> str:
    """Write the bundle to `out` (through a temporary file); its SHA-256.

    Data minimisation: a bundle is a file on a USB stick, so by default its patients are
    their code and skin type (what treatment needs); `with_names` adds the name, birth
    year and notes. The patient's details are not session content: the hash is the same
    either way."""
    access.require(Action.EXPORT, "bundle")
    members: dict[str, bytes] = {}
    for uuid in uuids:
        store.check_unchanged(uuid)  # SealBroken: a changed session never leaves the cart
        rows = bundle_rows.read(store, uuid)
        if rows is None:
            raise StoreError(f"no session {uuid}")
        for chunk, blob in zip(rows.chunks, rows.blobs, strict=True):
            members[f"sessions/{uuid}/{chunk['chunk_no']}.bin"] = blob
        for i, blob in enumerate(rows.photo_blobs):
            members[f"sessions/{uuid}/photos/{i}.bin"] = blob
        record = {
            "session": rows.session,
            "practitioner": rows.practitioner,
            "patient": _minimised(rows.patient, with_names),
            "chunks": rows.chunks,
            "events": rows.events,
            "passes": rows.passes,
            "signatures": [asdict(s) | {"id": 0} for s in rows.signatures],
            "amendments": [asdict(a) | {"id": 0} for a in rows.amendments],
            "consents": [_encoded(c, "signature_png") for c in rows.consents],
            "photos": rows.photos,
            "products": rows.products,
            "series_exceptions": rows.exceptions,
            "summaries": [_encoded(c, "coarse", "fine") for c in rows.summaries],
            "content_sha256": content_hash(store, uuid),
            "hash_version": HASH_VERSION,
            "audit": [asdict(e) for e in store.audit.entries(obj=f"session:{uuid}")],
        }
        members[f"sessions/{uuid}.json"] = json.dumps(record, sort_keys=True).encode()
    me = key.installation
    manifest = {
        "format": FORMAT,
        "created_utc": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "console_version": console_version(),
        "installation": {"id": me.id, "public_key": me.public_key_b64},
        "sessions": uuids,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", manifest_bytes)
        z.writestr("manifest.sig", base64.b64encode(key.sign(manifest_bytes)))
        for name, data in members.items():
            z.writestr(name, data)
    data = buffer.getvalue()
    tmp = out.with_name(f".{out.name}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out)
    digest = hashlib.sha256(data).hexdigest()
    access.record(
        "bundle.export",
        "bundle",
        None,
        {"file": out.name, "sha256": digest, "sessions": uuids, "with_names": with_names},
    )
    return digest


_IDENTIFYING = ("name", "birth_year", "notes")


def _minimised(patient: dict[str, Any] | None, with_names: bool) -> dict[str, Any] | None:
    if patient is None or with_names:
        return patient
    return patient | {k: ("" if k == "notes" else None) for k in _IDENTIFYING}


# ---------------------------------------------------------------- open and verify


def open_bundle(path: Path) -> Bundle:
    """The verified bundle; BundleRefused with the reason when anything does not check."""
    try:
        if path.stat().st_size > MAX_UNPACKED_BYTES:
            raise BundleRefused(f"{path.name} is larger than a session bundle can be")
        data = path.read_bytes()
    except OSError as exc:
        raise BundleRefused(f"{path} cannot be read ({exc})") from exc
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            _within_limits(path, z.infolist(), len(data))
            members = {name: z.read(name) for name in z.namelist()}
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,  # a compression method this Python cannot read
        RuntimeError,  # an encrypted member
        OSError,
        EOFError,
    ) as exc:
        raise BundleRefused(f"{path.name} is damaged or not a session bundle ({exc})") from exc
    manifest_bytes, sig = members.pop("manifest.json", None), members.pop("manifest.sig", None)
    if manifest_bytes is None or sig is None:
        raise BundleRefused(f"{path.name} is not a session bundle (no signed manifest)")
    try:
        manifest = json.loads(manifest_bytes)
        origin = Installation(
            str(manifest["installation"]["id"]), str(manifest["installation"]["public_key"])
        )
        signature = base64.b64decode(sig, validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleRefused(f"{path.name}: the manifest cannot be read ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BundleRefused(f"{path.name}: format {manifest.get('format')!r} is not known here")
    if not origin.verify(signature, manifest_bytes):
        raise BundleRefused(
            f"{path.name}: the manifest's signature does not verify: it was altered after "
            f"installation {origin.id} signed it"
        )
    files: dict[str, str] = manifest.get("files", {})
    for name in sorted(members.keys() | files.keys()):
        if name not in files:
            raise BundleRefused(f"{path.name}: {name} is not in the signed manifest (added)")
        if name not in members:
            raise BundleRefused(f"{path.name}: {name} is missing (removed)")
        if hashlib.sha256(members[name]).hexdigest() != files[name]:
            raise BundleRefused(f"{path.name}: {name} does not match its hash (altered)")
    try:
        sessions = [_session(members, str(uuid)) for uuid in manifest["sessions"]]
    except (KeyError, ValueError, TypeError) as exc:
        raise BundleRefused(f"{path.name}: a session record cannot be read ({exc})") from exc
    return Bundle(
        path, hashlib.sha256(data).hexdigest(), str(manifest["created_utc"]), origin, sessions
    )


def _within_limits(path: Path, infos: list[zipfile.ZipInfo], packed: int) -> None:
    """Refuse a bundle whose members would unpack to more than a real one could, from
    the sizes its directory declares, before anything is unpacked (a zip bomb). zipfile
    never returns more than the declared size of a member."""
    total = sum(i.file_size for i in infos)
    limit = min(MAX_UNPACKED_BYTES, MAX_RATIO * packed + 1_000_000)
    big = next((i for i in infos if i.file_size > _member_limit(i.filename)), None)
    if big is not None or total > limit or len(infos) > MAX_MEMBERS:
        what = (
            f"{big.filename} would unpack to {big.file_size} bytes"
            if big is not None
            else f"it has {len(infos)} members"
            if len(infos) > MAX_MEMBERS
            else f"it would unpack to {total} bytes from {packed}"
        )
        raise BundleRefused(
            f"{path.name} is refused before unpacking: {what}, more than a session bundle "
            "can hold (a damaged or crafted file)"
        )


def _member_limit(name: str) -> int:
    return MAX_MEMBER_BYTES if name.endswith(".bin") else MAX_JSON_BYTES


def _session(members: dict[str, bytes], uuid: str) -> BundledSession:
    record = json.loads(members[f"sessions/{uuid}.json"])
    if record["session"]["uuid"] != uuid:
        raise ValueError(f"sessions/{uuid}.json holds session {record['session']['uuid']}")
    chunks = record["chunks"]
    rows = SessionRows(
        session=record["session"],
        practitioner=record["practitioner"],
        patient=record["patient"],
        chunks=chunks,
        blobs=[members[f"sessions/{uuid}/{c['chunk_no']}.bin"] for c in chunks],
        events=record["events"],
        passes=record["passes"],
        signatures=[Signature(**s) for s in record["signatures"]],
        amendments=[Amendment(**a) for a in record["amendments"]],
        # absent from bundles written before content hash version 3
        consents=[_decoded(c, "signature_png") for c in record.get("consents", [])],
        photos=list(record.get("photos", [])),
        photo_blobs=[
            members[f"sessions/{uuid}/photos/{i}.bin"] for i in range(len(record.get("photos", [])))
        ],
        products=list(record.get("products", [])),
        exceptions=list(record.get("series_exceptions", [])),
        summaries=[_decoded(c, "coarse", "fine") for c in record.get("summaries", [])],
    )
    return BundledSession(
        rows,
        str(record["content_sha256"]),
        list(record["audit"]),
        int(record.get("hash_version", 2)),  # bundles began with version 2
    )


def _encoded(row: dict[str, Any], *binary: str) -> dict[str, Any]:
    """The row with its binary columns as base64 text (JSON has no bytes)."""
    return row | {k: None if row[k] is None else base64.b64encode(row[k]).decode() for k in binary}


def _decoded(row: dict[str, Any], *binary: str) -> dict[str, Any]:
    return row | {
        k: None if row[k] is None else base64.b64decode(row[k], validate=True) for k in binary
    }
