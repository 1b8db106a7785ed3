"""Follow-up notes on an ended session: the outcome, a complication, or a free note.

A follow-up is written weeks after the session, often after a supervisor signed it, so
it is an amendment (a new row linked to the session, with its `amend` audit row), never
a change to the record: the session's content hash, its seals and its signatures stay as
they were. The amendment's field is `follow-up:<kind>`, so bundles carry follow-ups and
`db check` matches them to their audit rows as it does every amendment. Adding one needs
ADD_FOLLOW_UP (practitioners and supervisors; docs/security.md). Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.core.access import Access
from console.core.roles import Action
from console.store import Store, StoreError, utc_now

FIELD_PREFIX = "follow-up:"
ENDED = ("complete", "interrupted", "signed")
MAX_TEXT = 4000  # a note, not a document


class FollowUpKind(enum.StrEnum):
    OUTCOME = "outcome"
    COMPLICATION = "complication"
    NOTE = "note"


class FollowUpError(ValueError):
    """A follow-up that cannot be added, in one sentence."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    kind: FollowUpKind
    author: str
    created_utc: str
    text: str


def add_follow_up(access: Access, session: str, kind: FollowUpKind, text: str) -> FollowUp:
    """Add a follow-up to the ended `session` as `access.user` (audited)."""
    obj = f"session:{session}"
    words = text.strip()
    if not words:
        raise FollowUpError("a follow-up needs text; say what was seen or reported")
    if len(words) > MAX_TEXT:
        raise FollowUpError(f"a follow-up holds at most {MAX_TEXT} characters; shorten it")
    actor = access.require(Action.ADD_FOLLOW_UP, obj)
    store = access.store
    unsealable = store.close_if_dead(session)  # a dead recorder's session ends here first
    if unsealable is not None:
        raise FollowUpError(unsealable)
    status = store.session(session)["status"]
    if status not in ENDED:
        raise FollowUpError(
            f"session {session[:8]} is still {status}; add a follow-up once it has ended"
        )
    field = FIELD_PREFIX + kind.value
    created = utc_now()
    with store.transaction():
        store.signatures.amend(session, actor.name, created, field, words)
        store.audit.append(actor.name, "amend", obj, None, {"field": field, "text": words})
    return FollowUp(kind, actor.name, created, words)


def follow_ups(store: Store, session: str) -> list[FollowUp]:
    """The session's follow-ups, oldest first (the report prints them)."""
    out = []
    for a in store.signatures.amendments(session):
        if a.field.startswith(FIELD_PREFIX):
            try:
                kind = FollowUpKind(a.field.removeprefix(FIELD_PREFIX))
            except ValueError:
                continue  # a kind a newer console added: shown by it, not here
            out.append(FollowUp(kind, a.author, a.created_utc, a.text))
    return out


def parse_kind(word: str) -> FollowUpKind:
    try:
        return FollowUpKind(word)
    except ValueError as exc:
        kinds = ", ".join(k.value for k in FollowUpKind)
        raise FollowUpError(f"{word!r} is not a follow-up kind; use one of: {kinds}") from exc


__all__ = [
    "FollowUp",
    "FollowUpError",
    "FollowUpKind",
    "StoreError",
    "add_follow_up",
    "follow_ups",
    "parse_kind",
]
