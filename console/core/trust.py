"""Tamper evidence: what the keyed audit trail says the records must be, against what
they are. Run by `db check` after the store's structural checks.

The audit trail is an HMAC chain under the installation key, anchored by a chain head
kept outside the database (console/store/keys.py), so an adversary who can edit the
database but has neither the key nor a password cannot change, insert, delete or
re-hash a row of it without `db check` saying so. Every other protected record is then
checked against it by replaying it:
- users: every `user.add`, `user.role`, `user.active`, `user.password` row gives the
  expected accounts (name, role, active, display name, a fingerprint of the hash);
- the clinic's ceilings: every `zone.ceiling` row gives the expected value per zone;
- sessions: every ended session was sealed (`session.seal`, or `sign`) with its content
  hash; the last seal must match the content now (a changed photo is named, and a
  version 3 seal's part digests name the part: consent, photos, products, series), a
  sealed session must still exist and still be ended, a signed one must still be
  signed, and one marked signed must have a sign row (not only the status column);
- signatures and amendments: each row must have its audit row and each audit row its
  row; a signature by someone who was not a user with the SIGN role then is named.
Each finding is one sentence naming the table and the row. Qt-free; no SQL here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from console.core.photos import changed_photos
from console.core.trust_users import ceilings, roles, signer_words, unattributed, users
from console.store import Store, StoreError, maintenance
from console.store.audit import AuditEntry
from console.store.keys import ChainHead
from console.store.record_parts import PART_WORDS, changed_words
from console.store.signatures import HASH_VERSION, content_hash, content_parts

ENDED = ("complete", "interrupted", "signed")


def check(store: Store, anchor: ChainHead | None = None, *, quick: bool = False) -> list[str]:
    """Every finding, in words; [] when the records agree with the trail.

    `quick` re-hashes only signed sessions (their signatures); the seals of the others
    are checked for presence and status, not against their data."""
    entries = store.audit.entries()
    steps: list[Callable[[], list[str]]] = [
        lambda: _chain(store, entries, anchor),
        lambda: users(store, entries),
        lambda: unattributed(entries),
        lambda: roles(entries),
        lambda: ceilings(store, entries),
        lambda: _sessions(store, entries, quick),
        lambda: _signatures(store, entries),
        lambda: _amendments(store, entries),
    ]
    problems: list[str] = []
    for step in steps:
        problems += step()
    return problems


# ---------------------------------------------------------------- the chain itself


def _chain(store: Store, entries: list[AuditEntry], anchor: ChainHead | None) -> list[str]:
    problems = [f"audit trail: {b}" for b in store.audit.breaks()]
    last = entries[-1] if entries else None
    head, unreadable = store.chain_head_file()
    if unreadable:
        problems.append(f"audit trail: {unreadable}")
    elif head is None and last is not None:
        problems.append(
            "audit trail: no chain head is kept for this database file on this machine "
            "(it was copied or moved here, or its head file was removed), so deleted last "
            "rows cannot be ruled out; check it against a written-down head with --anchor"
        )
    for what, pin in (("the chain head kept outside the database", head), ("--anchor", anchor)):
        if pin is not None:
            problems += _against(entries, pin, what)
    return problems


def _against(entries: list[AuditEntry], pin: ChainHead, what: str) -> list[str]:
    by_id = {e.id: e for e in entries}
    if not entries:
        return [
            f"audit_log: the whole audit trail was deleted ({what} says it ran to row "
            f"{pin.entry_id})"
        ]
    last = entries[-1]
    row = by_id.get(pin.entry_id)
    if row is None and last.id < pin.entry_id:
        cut = (
            f"row {pin.entry_id} was"
            if last.id + 1 == pin.entry_id
            else f"rows {last.id + 1} to {pin.entry_id} were"
        )
        return [
            f"audit_log: {cut} deleted from the end of the audit trail ({what} says it "
            f"ran to row {pin.entry_id})"
        ]
    if row is None:
        return [f"audit_log: row {pin.entry_id}, named by {what}, is missing"]
    if row.hash != pin.hash:
        return [
            f"audit_log row {pin.entry_id}: its hash differs from {what}: the trail was "
            "rewritten from there on"
        ]
    return []


# ---------------------------------------------------------------- sessions


def _session_of(e: AuditEntry) -> str | None:
    return e.object.removeprefix("session:") if e.object.startswith("session:") else None


def _sessions(store: Store, entries: list[AuditEntry], quick: bool = False) -> list[str]:
    seals: dict[str, AuditEntry] = {}
    signed: dict[str, AuditEntry] = {}
    for e in entries:
        session = _session_of(e)
        if session is None or e.action not in ("session.seal", "sign"):
            continue
        seals[session] = e
        if e.action == "sign":
            signed[session] = e
    problems: list[str] = []
    present = {str(s["uuid"]): str(s["status"]) for s in store.sessions()}
    for session, status in present.items():
        seal = seals.get(session)
        if status not in ENDED:
            if seal is not None:
                problems.append(
                    f"sessions {session}: marked {status}, but it was sealed as ended "
                    f"at {seal.at_utc} (audit row {seal.id})"
                )
            continue
        if seal is None:
            problems.append(
                f"sessions {session}: ended ({status}) but never sealed in the audit trail: "
                "inserted or ended behind the console's back"
            )
            continue
        if status == "signed" and session not in signed:
            problems.append(
                f"sessions {session}: marked signed, but no signature of it is in the audit "
                "trail: the status was set behind the console's back, so it is not a signed "
                f"record; {_RESTORE}"
            )
        if session in signed and status != "signed":
            sig = signed[session]
            problems.append(
                f"sessions {session}: signed by {sig.user} at {sig.at_utc} (audit row "
                f"{sig.id}) but now marked {status}: it was unsigned"
            )
        if quick and status != "signed":
            continue  # the quick check hashes only what is signed
        sealed, version = _sha(seal)
        try:
            now = content_hash(store, session, version)
        except StoreError as exc:
            problems.append(f"sessions {session}: cannot be read ({exc})")
            continue
        if sealed != now or version < 3:  # a version 3 hash covers the photos' bytes
            problems += _what_changed(store, session, status, seal, differs=sealed != now)
    for session, seal in seals.items():
        if session not in present:
            problems.append(
                f"sessions {session}: sealed at {seal.at_utc} (audit row {seal.id}) but the "
                "session is missing: it was deleted"
            )
    return problems


def _what_changed(
    store: Store, session: str, status: str, seal: AuditEntry, *, differs: bool
) -> list[str]:
    """The sentences for a sealed session: each photo whose bytes no longer match the
    SHA-256 it was imported with (always checked: a version 1 or 2 seal does not cover
    photos), then, when the content hash `differs`, each changed part the seal kept a
    digest of (version 3), else what versions 1 and 2 cover."""
    when = f"after it was sealed at {seal.at_utc} (audit row {seal.id})"
    photos = changed_photos(store, session)
    out = [f"sessions {session} ({status}): {p} {when}; {_RESTORE}" for p in photos]
    if not differs:
        return out
    new = seal.new()
    sealed = new.get("parts") if isinstance(new, dict) else None
    if isinstance(sealed, dict):
        parts = changed_words(sealed, content_parts(store, session))
    else:  # versions 1 and 2 keep one hash: name what they cover
        parts = ["its data (metadata, events, passes or telemetry)"]
    if photos:  # the photo is named above; its part would say it again
        parts = [p for p in parts if p != PART_WORDS["photos"]]
    out += [f"sessions {session} ({status}): {p} changed {when}; {_RESTORE}" for p in parts]
    return out


_RESTORE = "restore the database from a backup made before the change (pen-console db restore)"


def _sha(e: AuditEntry) -> tuple[str | None, int]:
    """The content hash a seal or sign row holds, and its version (1 before versions)."""
    new = e.new()
    if not isinstance(new, dict) or "sha256" not in new:
        return None, HASH_VERSION
    return str(new["sha256"]), int(new.get("hash_version", 1))


# ---------------------------------------------------------------- signatures, amendments


def _signatures(store: Store, entries: list[AuditEntry]) -> list[str]:
    problems: list[str] = []
    rows = store.signatures.all()
    unmatched = list(rows)
    versions: dict[int, int] = {}  # signature id -> hash version of its sign row
    for e in entries:
        session = _session_of(e)
        if e.action != "sign" or session is None:
            continue
        new = e.new()
        data = new if isinstance(new, dict) else {}
        match = next(
            (
                s
                for s in unmatched
                if s.session == session
                and s.signer == e.user
                and s.meaning == data.get("meaning")
                and s.content_sha256 == data.get("sha256")
            ),
            None,
        )
        if match is not None:
            versions[match.id] = _sha(e)[1]
        if match is None:
            problems.append(
                f"audit_log row {e.id}: {e.user} signed session {session} "
                f"({data.get('meaning')}) but that signature is missing from signatures"
            )
        else:
            unmatched.remove(match)
    for s in unmatched:
        who = signer_words(entries, s.signer, s.signed_utc)
        problems.append(
            f"signatures row {s.id}: {s.signer} {s.meaning} session {s.session} at "
            f"{s.signed_utc}, with no sign row in the audit trail (forged or inserted){who}"
        )
    for s in rows:
        try:
            version = versions.get(s.id, HASH_VERSION)
            if content_hash(store, s.session, version) != s.content_sha256:
                problems.append(
                    f"signatures row {s.id}: session {s.session} changed after {s.signer} "
                    f"signed it at {s.signed_utc} (content hash differs)"
                )
        except StoreError:
            problems.append(f"signatures row {s.id}: names session {s.session}, which is missing")
    return problems


def _amendments(store: Store, entries: list[AuditEntry]) -> list[str]:
    logged: list[tuple[str, str, str, str]] = []
    for e in entries:
        session = _session_of(e)
        new = e.new()
        if e.action == "amend" and session is not None and isinstance(new, dict):
            logged.append((session, e.user, str(new.get("field")), str(new.get("text"))))
    problems: list[str] = []
    for a in store.signatures.amendments():
        key = (a.session, a.author, a.field, a.text)
        if key in logged:
            logged.remove(key)
        else:
            problems.append(
                f"amendments row {a.id} (session {a.session}, by {a.author}): changed or "
                "inserted without its audit row"
            )
    for session, author, field, _text in logged:
        problems.append(
            f"amendments: {author}'s amendment of {field} on session {session} (in the audit "
            "trail) is missing"
        )
    return problems


def head_words(head: ChainHead | None) -> str:
    """The chain head as printed in manifests and reports."""
    return "empty (no audit rows yet)" if head is None else str(head)


def check_database(
    store: Store,
    anchor: ChainHead | None = None,
    *,
    quick: bool = False,
    progress: maintenance.Progress | None = None,
) -> list[str]:
    """`db check`: the store's structural checks, then the trust checks above."""
    problems = maintenance.check(store, quick=quick, progress=progress)
    try:
        problems += check(store, anchor, quick=quick)
    except (sqlite3.DatabaseError, StoreError) as exc:
        problems.append(
            f"the records could not be checked against the audit trail: the database is "
            f"damaged ({exc}). Restore it from a backup."
        )
    return problems
