"""The signatures and amendments tables, and a session's content hash.

A signature row records signer, UTC time, meaning and the SHA-256 of the session's
canonical content (`content_hash`): its metadata, events, passes, every telemetry
chunk byte and its summaries, and (from version 3) the consent, photos, products and
lots, and series exceptions (console/store/record_parts.py). The same hash is written
into the audit trail when a session ends (its seal) and when it is signed, so `db check`
finds a changed byte anywhere in an ended session. Signing locks the session (triggers
in the schema); corrections are amendments linked to it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.store import record_parts
from console.store.db import Db
from console.store.rows import StoreError

if TYPE_CHECKING:
    from console.store.base import StoreBase

METADATA_FIELDS = (
    "uuid",
    "patient_code",
    "practitioner",
    "pen_serial",
    "pen_model",
    "pen_firmware",
    "cartridge_needles",
    "cartridge_gauge",
    "started_utc",
    "ended_utc",
    "tz",
    "plan_name",
    "notes",
    "zone_ids",
)
# From version 3 the simulated mark (H-35) is content too: a practice session from the
# virtual pen must not be turned into a treatment record behind the console's back.
V3_METADATA_FIELDS = (*METADATA_FIELDS, "simulated")


def _metadata_fields(version: int) -> tuple[str, ...]:
    return V3_METADATA_FIELDS if version >= 3 else METADATA_FIELDS


_EVENT_FIELDS = ("id", "at_utc", "t_us", "source", "kind", "code", "arg", "data")
# From version 2, row ids are left out: they are this database's own numbering, not
# content. A session carried to another database by a bundle gets new ids there, and its
# hash (so its seals and signatures) must not change. Order still counts: events and
# passes are hashed in id order.
_LOCAL_IDS = ("id",)


@dataclass(frozen=True, slots=True)
class Signature:
    signer: str
    signed_utc: str
    meaning: str
    content_sha256: str
    id: int = 0
    session: str = ""


@dataclass(frozen=True, slots=True)
class Amendment:
    author: str
    created_utc: str
    field: str
    text: str
    id: int = 0
    session: str = ""


HASH_VERSION = 3  # 3 covers the whole patient record (record_parts.py); 2 added the
# chunks' summary columns and left out row ids; 1 is what the first consoles signed


def content_hash(store: StoreBase, session: str, version: int = HASH_VERSION) -> str:
    """The SHA-256 of everything recorded for `session` (StoreError if it is missing).

    Versions 1 (without the chunks' summary columns) and 2 (telemetry, events, passes
    and metadata only) are what older consoles wrote, kept to verify their seals and
    signatures."""
    if version >= 3:
        return record_parts.combine(content_parts(store, session))
    return _record_hash(store, session, version)


def content_parts(store: StoreBase, session: str) -> dict[str, str]:
    """Version 3's part digests (a seal keeps them so `db check` can name the part)."""
    return record_parts.parts(store, session, lambda: _record_hash(store, session, 3))


def version_of(store: StoreBase, session: str, sha256: str) -> int:
    """The content hash version that gives `sha256` for `session` now (the newest when
    none does): a signature that travelled in a bundle keeps the version it was made with."""
    for version in range(HASH_VERSION, 0, -1):
        if content_hash(store, session, version) == sha256:
            return version
    return HASH_VERSION


def seal_words(store: StoreBase, session: str) -> dict[str, Any]:
    """What a seal or sign audit row keeps of the content: the hash, its version, and
    the part digests (so `db check` can say which part changed)."""
    digests = content_parts(store, session)
    return {
        "sha256": record_parts.combine(digests),
        "hash_version": HASH_VERSION,
        "parts": digests,
    }


class SealBroken(StoreError):
    """An ended session's content no longer matches its last seal or signature: nothing
    may be sealed, signed or exported over the change."""


def check_seal(store: StoreBase, session: str) -> None:
    """Raise SealBroken, naming the changed part, when `session` differs from its last
    seal or signature in the audit trail (findings 2 and 3 of the adversary review: a
    re-seal, a signature or a bundle must never launder an edit made behind the console's
    back). A session never sealed (still recording) passes; `db check` names an ended one
    that was never sealed."""
    marks = [
        e
        for e in store.audit.entries(obj=f"session:{session}")
        if e.action in ("session.seal", "sign")
    ]
    new = marks[-1].new() if marks else None
    if not isinstance(new, dict) or "sha256" not in new:
        return
    version = int(new.get("hash_version", 1))
    if content_hash(store, session, version) == new["sha256"]:
        return
    sealed = new.get("parts")
    if isinstance(sealed, dict):
        words = record_parts.changed_words(sealed, content_parts(store, session))
    else:  # versions 1 and 2 keep one hash: name what they cover
        words = ["its data (metadata, events, passes or telemetry)"]
    seal = marks[-1]
    how = "signed" if seal.action == "sign" else "sealed"
    raise SealBroken(
        f"session {session[:8]}: {' and '.join(words) or 'its content'} changed since it "
        f"was {how} at {seal.at_utc} (audit row {seal.id}), so nothing is sealed, signed "
        "or exported over the change; restore the database from a backup made before it "
        "(pen-console db restore) and run `pen-console db check`"
    )


def _record_hash(store: StoreBase, session: str, version: int) -> str:
    meta: dict[str, Any] = dict(store.session(session))
    digest = hashlib.sha256()
    canonical: dict[str, Any] = {
        "session": {k: meta.get(k) for k in _metadata_fields(version)},
        "events": [
            {k: dict(e)[k] for k in _EVENT_FIELDS if version < 2 or k not in _LOCAL_IDS}
            for e in store.events(session)
        ],
        "passes": [
            {k: v for k, v in dict(p).items() if version < 2 or k not in _LOCAL_IDS}
            for p in store.passes(session, include_undone=True)
        ],
    }
    digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
    for head, blob in store.chunk_digest_rows(session, summaries=version >= 2):
        digest.update(json.dumps(head).encode())
        digest.update(hashlib.sha256(blob).digest())
    if version >= 3:
        for summary in store.chunk_summary_rows(session):
            digest.update(hashlib.sha256(json.dumps(summary[:4]).encode()).digest())
            digest.update(hashlib.sha256(summary[4]).digest())
            digest.update(hashlib.sha256(summary[5]).digest())
    return digest.hexdigest()


class SignatureTable:
    def __init__(self, db: Db) -> None:
        self._db = db

    def insert(self, signature: Signature, session: str) -> int:
        """The signature, and the session's status set to signed, in one transaction."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO signatures (session_uuid, signer, signed_utc, meaning,"
                " content_sha256) VALUES (?,?,?,?,?)",
                (
                    session,
                    signature.signer,
                    signature.signed_utc,
                    signature.meaning,
                    signature.content_sha256,
                ),
            )
            conn.execute(
                "UPDATE sessions SET status = 'signed' WHERE uuid = ? AND status != 'signed'",
                (session,),
            )
            return int(cur.lastrowid or 0)

    def for_session(self, session: str) -> list[Signature]:
        return self._select("WHERE session_uuid = ?", (session,))

    def all(self) -> list[Signature]:
        return self._select("", ())

    def _select(self, where: str, args: tuple[object, ...]) -> list[Signature]:
        rows = self._db.query(
            "SELECT signer, signed_utc, meaning, content_sha256, id, session_uuid"
            f" FROM signatures {where} ORDER BY id",
            args,
        )
        return [Signature(*r) for r in rows]

    def amend(self, session: str, author: str, created_utc: str, field: str, text: str) -> int:
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO amendments (session_uuid, author, created_utc, field, text)"
                " VALUES (?,?,?,?,?)",
                (session, author, created_utc, field, text),
            )
            return int(cur.lastrowid or 0)

    def amendments(self, session: str | None = None) -> list[Amendment]:
        """One session's amendments, or every session's (None)."""
        where, args = ("WHERE session_uuid = ?", (session,)) if session else ("", ())
        rows = self._db.query(
            "SELECT author, created_utc, field, text, id, session_uuid FROM amendments"
            f" {where} ORDER BY id",
            args,
        )
        return [Amendment(*r) for r in rows]
