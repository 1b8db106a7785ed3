"""Electronic signatures bound to a session's content (21 CFR Part 11 §11.50, §11.70).

A signature records signer, UTC time and meaning, and the SHA-256 of the session's
canonical content (console/store/signatures.py). Signing needs the signer's password
again (§11.200) and the SIGN permission, checked through `Access`; the signature row and
its `sign` audit row (signer, meaning, hash) commit together, so `db check` can match
them. Signing locks the session (triggers in the schema); corrections are amendments
linked to it. A second signature by the same signer with the same meaning is refused
(it adds nothing); another meaning (reviewed, then approved) is a new signature. A demo
database (no accounts) cannot sign: a signature needs a person.
"""

from __future__ import annotations

from datetime import UTC, datetime

from console.core.access import Access, Refused
from console.core.accounts import Accounts
from console.core.roles import Action
from console.store import Store, StoreError, utc_now
from console.store.signatures import (
    HASH_VERSION,
    Amendment,
    SealBroken,
    Signature,
    content_hash,
    seal_words,
)

__all__ = [
    "MEANINGS",
    "Amendment",
    "ChangedSinceSeal",
    "Signature",
    "SigningError",
    "amend",
    "amendments",
    "content_hash",
    "sign",
    "signature_warning",
    "signatures",
    "verify_signatures",
]

MEANINGS = ("reviewed", "approved")
SIGNABLE = ("complete", "interrupted", "signed")


class SigningError(RuntimeError):
    """Why a signature could not be made, in words."""


class ChangedSinceSeal(SigningError):
    """The session no longer matches its last seal or signature: signing it would
    vouch for an edit made behind the console's back (`db check` names it)."""


def sign(access: Access, session: str, meaning: str, password: str) -> Signature:
    """Sign `session` as `access.user`, who re-enters `password`. Raises SigningError
    (bad meaning, wrong password, session not ended) or Refused (role, not signed in)."""
    store = access.store
    if meaning not in MEANINGS:
        raise SigningError(f"a signature means one of: {', '.join(MEANINGS)}")
    obj = f"session:{session}"
    if access.demo:
        raise SigningError(
            "this console has no user accounts, so nobody can sign: add the first admin "
            "(pen-console users add NAME --role admin), then a supervisor"
        )
    if access.user is None:
        access.require(Action.SIGN, obj)  # audits the refusal and raises
        raise AssertionError("unreachable")
    accounts = Accounts(store)
    user = accounts.check_password(access.user.name, password, purpose="sign")
    if user is None:
        raise SigningError(accounts.tampered or "the password is wrong; the session was not signed")
    actor = Access(store, user).require(Action.SIGN, obj)
    unsealable = store.close_if_dead(session)  # a dead recorder's session ends here first
    if unsealable is not None:
        raise SigningError(unsealable)
    status = store.session(session)["status"]
    if status not in SIGNABLE:
        raise SigningError(f"a session that is {status} cannot be signed; end it first")
    same = next(
        (
            s
            for s in store.signatures.for_session(session)
            if (s.signer, s.meaning) == (actor.name, meaning)
        ),
        None,
    )
    if same is not None:  # a second identical signature says nothing new
        raise SigningError(f"{actor.name} already {meaning} this session {_when(same.signed_utc)}")
    with store.transaction():
        try:
            store.check_unchanged(session)
        except SealBroken as exc:
            raise ChangedSinceSeal(str(exc)) from exc
        words = seal_words(store, session)
        signature = Signature(actor.name, utc_now(), meaning, str(words["sha256"]))
        signature_id = store.signatures.insert(signature, session)
        store.audit.append(
            actor.name,
            "sign",
            obj,
            status,
            {"meaning": meaning, **words, "signature": signature_id},
        )
    return Signature(
        signature.signer,
        signature.signed_utc,
        meaning,
        signature.content_sha256,
        signature_id,
        session,
    )


def _when(signed_utc: str, now: datetime | None = None) -> str:
    """ "at 14:03" (local time) today, "on 2026-11-30 at 14:03" another day."""
    local = datetime.fromisoformat(signed_utc).astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    day = "" if local.date() == today else f"on {local.date().isoformat()} "
    return f"{day}at {local:%H:%M}"


def signatures(store: Store, session: str) -> list[Signature]:
    return store.signatures.for_session(session)


def signature_warning(store: Store, session: str) -> str | None:
    """A sentence for the review header when the session's "signed" cannot be trusted (a
    status set behind the console's back, a signature row with no `sign` audit row, or
    one whose hash no longer matches the content); None when every signature verifies.
    The badges come from the signature rows, never from the status column alone."""
    rows = store.signatures.for_session(session)
    if store.session(session)["status"] == "signed" and not rows:
        return (
            "marked signed, but it has no signature: not a signed record; run "
            "`pen-console db check`"
        )
    logged: set[tuple[object, object, object]] = set()
    for e in store.audit.entries(obj=f"session:{session}", action="sign"):
        new = e.new()
        if isinstance(new, dict):
            logged.add((e.user, new.get("meaning"), new.get("sha256")))
    hashes = {content_hash(store, session)} if rows else set()
    if any(s.content_sha256 not in hashes for s in rows):  # older versions, only if needed
        hashes |= {content_hash(store, session, v) for v in range(1, HASH_VERSION)}
    for s in rows:
        if (s.signer, s.meaning, s.content_sha256) not in logged:
            return (
                f"the signature by {s.signer} has no sign row in the audit trail (forged or "
                "inserted); run `pen-console db check`"
            )
        if s.content_sha256 not in hashes:
            return f"the session changed after {s.signer} signed it; run `pen-console db check`"
    return None


def amend(access: Access, session: str, field: str, text: str) -> int:
    """A correction to a signed session: a new linked record; the session is untouched."""
    if not text.strip():
        raise StoreError("an amendment needs text")
    store = access.store
    actor = access.require(Action.EDIT_NOTES, f"session:{session}")
    with store.transaction():
        amendment_id = store.signatures.amend(session, actor.name, utc_now(), field, text)
        store.audit.append(
            actor.name, "amend", f"session:{session}", None, {"field": field, "text": text}
        )
    return amendment_id


def amendments(store: Store, session: str) -> list[Amendment]:
    return store.signatures.amendments(session)


def verify_signatures(store: Store) -> list[str]:
    """One line per signed session whose content no longer matches its signature."""
    problems = []
    for s in store.signatures.all():
        try:
            actual = content_hash(store, s.session)
        except StoreError:
            problems.append(
                f"signatures row {s.id}: signed by {s.signer} at {s.signed_utc}, names "
                f"session {s.session}, which is missing"
            )
            continue
        older = (content_hash(store, s.session, version=v) for v in range(1, HASH_VERSION))
        if s.content_sha256 != actual and s.content_sha256 not in older:
            problems.append(
                f"session {s.session} changed after {s.signer} signed it at {s.signed_utc} "
                "(content hash differs)"
            )
    return problems


__all__ += ["Refused"]
