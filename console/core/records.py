"""Services that disclose or change a recorded session, each through `Access`.

The review window and the CLI call these; neither writes an audit row itself.
- `list_sessions`: REVIEW (the list discloses patient codes), audited.
- `open_session`: REVIEW, audited per session opened.
- `save_notes`: EDIT_NOTES; on a signed session the text becomes an amendment, on an
  ended one the session is sealed again with the new notes (so `db check` tells an
  audited edit from a tampered one).
- `exported`: EXPORT, audited with the format and destination; call it before writing.
- `operate_pen` (OPERATE_PEN) and `start_session` (RECORD_SESSION, audited): the live
  console and `record` start a treatment through these.
"""

from __future__ import annotations

from dataclasses import fields

from console.core.access import UNATTRIBUTED, Access, Actor
from console.core.recorder import Recorder
from console.core.roles import Action
from console.core.signing import amend
from console.store import SessionFilter
from console.store.rows import SessionRecord

ENDED = ("complete", "interrupted")


def list_sessions(access: Access, filt: SessionFilter | None = None) -> list[SessionRecord]:
    access.perform(Action.REVIEW, "sessions", None, {"filter": _filter_words(filt)})
    return access.store.sessions(filt)


def open_session(access: Access, session: str) -> Actor:
    """Check and audit that `access.user` opens `session` (for review or replay). A
    session whose recorder died is closed as interrupted first (as at the next start);
    one that cannot be sealed stays as it is, and `db check` names it."""
    actor = access.perform(Action.REVIEW, f"session:{session}", None, "opened")
    access.store.close_if_dead(session)
    return actor


def save_notes(access: Access, session: str, text: str) -> None:
    store = access.store
    obj = f"session:{session}"
    actor = access.require(Action.EDIT_NOTES, obj)
    meta = store.session(session)
    if meta["status"] == "signed":
        amend(access, session, "notes", text)
        return
    with store.transaction():
        store.check_unchanged(session)
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


def operate_pen(access: Access, port: str) -> Actor:
    """Check (no audit row: the session start is audited) that the user may run the pen."""
    return access.require(Action.OPERATE_PEN, f"pen:{port}")


def start_session(
    access: Access,
    recorder: Recorder,
    patient_code: str,
    *,
    practitioner: str = "",
    plan_name: str | None = None,
    notes: str = "",
) -> str:
    """Start recording for `patient_code` as the signed-in practitioner (RECORD_SESSION).

    With accounts, the session's practitioner is the signed-in user; in a demo database it
    is the free text given (or "unattributed") and the audit row says unattributed."""
    actor = access.require(Action.RECORD_SESSION, f"patient:{patient_code.strip()}")
    name = actor.user.name if actor.user is not None else (practitioner.strip() or UNATTRIBUTED)
    session = recorder.start_session(patient_code, name, plan_name=plan_name, notes=notes)
    access.record(
        "session.start",
        f"session:{session}",
        None,
        {"patient": patient_code.strip(), "practitioner": name, "attributed": actor.attributed},
    )
    return session
