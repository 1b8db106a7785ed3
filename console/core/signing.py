"""Electronic signatures bound to a session's content (21 CFR Part 11 §11.50, §11.70).

A signature records signer, UTC time and meaning, and the SHA-256 of the session's
canonical content: its metadata, events, passes and every telemetry chunk byte. Signing
locks the session (triggers in the schema); corrections are amendments linked to it.
`verify_signatures` recomputes every hash, so a changed byte anywhere is found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from console.core.accounts import Accounts, Action, PermissionDenied, User
from console.core.audit import AuditLog
from console.store.store import Store, StoreError, utc_now

MEANINGS = ("reviewed", "approved")
_METADATA_FIELDS = (
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


@dataclass(frozen=True, slots=True)
class Signature:
    signer: str
    signed_utc: str
    meaning: str
    content_sha256: str


class SigningError(RuntimeError):
    """Why a signature could not be made, in words."""


def content_hash(store: Store, session: str) -> str:
    meta = store.session(session)
    digest = hashlib.sha256()
    canonical: dict[str, Any] = {
        "session": {k: meta.get(k) for k in _METADATA_FIELDS},
        "events": [
            {k: e[k] for k in ("id", "at_utc", "t_us", "source", "kind", "code", "arg", "data")}
            for e in store.events(session)
        ],
        "passes": store.passes(session, include_undone=True),
    }
    digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
    with store.lock:
        rows = store.conn.execute(
            "SELECT chunk_no, first_seq, last_seq, t_first_us, t_last_us, samples, data"
            " FROM telemetry_chunks WHERE session_uuid = ? ORDER BY chunk_no",
            (session,),
        ).fetchall()
    for *head, blob in rows:
        digest.update(json.dumps(head).encode())
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()


def sign(
    store: Store, accounts: Accounts, session: str, name: str, password: str, meaning: str
) -> Signature:
    if meaning not in MEANINGS:
        raise SigningError(f"a signature means one of: {', '.join(MEANINGS)}")
    user = accounts.check_password(name, password)
    audit = AuditLog(store.conn)
    if user is None:
        audit.append(name, "sign.failed", f"session:{session}", None, {"meaning": meaning})
        raise SigningError("the name or password is wrong; the session was not signed")
    _require(user, Action.SIGN)
    status = store.session(session)["status"]
    if status not in ("complete", "interrupted", "signed"):
        raise SigningError(f"a session that is {status} cannot be signed; end it first")
    signature = Signature(user.name, utc_now(), meaning, content_hash(store, session))
    with store.lock, store.conn:
        store.conn.execute(
            "INSERT INTO signatures (session_uuid, signer, signed_utc, meaning, content_sha256)"
            " VALUES (?,?,?,?,?)",
            (session, signature.signer, signature.signed_utc, meaning, signature.content_sha256),
        )
        if status != "signed":
            store.conn.execute("UPDATE sessions SET status = 'signed' WHERE uuid = ?", (session,))
    audit.append(
        user.name,
        "sign",
        f"session:{session}",
        status,
        {"meaning": meaning, "sha256": signature.content_sha256},
    )
    return signature


def _require(user: User, action: Action) -> None:
    if not user.may(action):
        raise SigningError(str(PermissionDenied(user, action)))


def signatures(store: Store, session: str) -> list[Signature]:
    with store.lock:
        rows = store.conn.execute(
            "SELECT signer, signed_utc, meaning, content_sha256 FROM signatures"
            " WHERE session_uuid = ? ORDER BY id",
            (session,),
        ).fetchall()
    return [Signature(*r) for r in rows]


def amend(store: Store, session: str, author: str, field: str, text: str) -> int:
    """A correction to a signed session: a new linked record; the session is untouched."""
    if not text.strip():
        raise StoreError("an amendment needs text")
    with store.lock, store.conn:
        cur = store.conn.execute(
            "INSERT INTO amendments (session_uuid, author, created_utc, field, text)"
            " VALUES (?,?,?,?,?)",
            (session, author, utc_now(), field, text),
        )
    AuditLog(store.conn).append(
        author, "amend", f"session:{session}", None, {"field": field, "text": text}
    )
    return int(cur.lastrowid or 0)


def amendments(store: Store, session: str) -> list[dict[str, Any]]:
    with store.lock:
        cur = store.conn.execute(
            "SELECT author, created_utc, field, text FROM amendments WHERE session_uuid = ?"
            " ORDER BY id",
            (session,),
        )
        return [dict(zip(("author", "created_utc", "field", "text"), r, strict=True)) for r in cur]


def verify_signatures(store: Store) -> list[str]:
    """One line per signed session whose content no longer matches its signature."""
    problems = []
    with store.lock:
        rows = store.conn.execute(
            "SELECT session_uuid, signer, signed_utc, content_sha256 FROM signatures ORDER BY id"
        ).fetchall()
    for session, signer, when, expected in rows:
        try:
            actual = content_hash(store, session)
        except StoreError:
            problems.append(f"signature by {signer} at {when} names missing session {session}")
            continue
        if actual != expected:
            problems.append(
                f"session {session} changed after {signer} signed it at {when} "
                "(content hash differs)"
            )
    return problems
