"""Services that disclose or change a recorded session, each through `Access`.

The review window and the CLI call these; neither writes an audit row itself.
- `list_sessions`: REVIEW (the list discloses patient codes), audited.
- `open_session`: REVIEW, audited per session opened.
- `save_notes`: EDIT_NOTES; on a signed session the text becomes an amendment, on an
  ended one the session is sealed again with the new notes (so `db check` tells an
  audited edit from a tampered one).
- `exported`: EXPORT, audited with the format and destination; call it before writing.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from console.core.access import Access, Actor
from console.core.roles import Action
from console.core.signing import amend
from console.store import SessionFilter

ENDED = ("complete", "interrupted")


def list_sessions(access: Access, filt: SessionFilter | None = None) -> list[dict[str, Any]]:
    access.perform(Action.REVIEW, "sessions", None, {"filter": _filter_words(filt)})
    return access.store.sessions(filt)


def open_session(access: Access, session: str) -> Actor:
    """Check and audit that `access.user` opens `session` (for review or replay)."""
    return access.perform(Action.REVIEW, f"session:{session}", None, "opened")


def save_notes(access: Access, session: str, text: str) -> None:
    store = access.store
    obj = f"session:{session}"
    actor = access.require(Action.EDIT_NOTES, obj)
    meta = store.session(session)
    if meta["status"] == "signed":
        amend(access, session, "notes", text)
        return
    with store.transaction():
        store.update_session(session, notes=text)
        store.audit.append(actor.name, "session.notes", obj, meta["notes"], text)
        if meta["status"] in ENDED:
            store.seal(session, "notes edited", by=actor.name)


def exported(access: Access, session: str, fmt: str, out: str) -> Actor:
    """Check and audit an export (or printed report) of `session` to `out`."""
    return access.perform(Action.EXPORT, f"session:{session}", None, {"format": fmt, "out": out})


def _filter_words(filt: SessionFilter | None) -> dict[str, object]:
    if filt is None:
        return {}
    return {f.name: getattr(filt, f.name) for f in fields(filt) if getattr(filt, f.name)}
