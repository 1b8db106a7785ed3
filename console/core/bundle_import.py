"""Merging a verified session bundle into this database (see console/core/bundles.py).

Per session, keyed by its UUID:
- new here: its patient must not be another person under the same code (a conflict,
  reported, the session left out); it is inserted whole, its content hash recomputed
  here must equal the one it left with, then sealed in this audit trail with its origin,
  and its signatures and amendments get their audit rows (naming the origin);
- known here with the same content: signatures and amendments it carries that this
  database lacks are added (a session signed at the supervisor's desk comes back signed);
  nothing new is no change at all;
- known here with other content: a conflict, reported, nothing merged.
Nothing is written when nothing is new: importing twice is a no-op and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.core.access import Access
from console.core.bundles import (
    Bundle,
    BundledSession,
    BundleRefused,
    Change,
    ImportReport,
    SessionOutcome,
)
from console.core.installation_id import KeyMismatch, remember, require_enrolled
from console.core.roles import Action
from console.store import Store, bundle_rows
from console.store.signatures import Signature, content_hash, seal_words, version_of

_IDENTITY = ("name", "birth_year")


class _Mismatch(Exception):
    """The inserted session's content hash is not the one it left with."""


def import_bundle(
    store: Store, access: Access, bundle: Bundle, key_dir: Path | None = None
) -> ImportReport:
    access.require(Action.IMPORT, f"bundle:{bundle.origin.id}")
    try:
        require_enrolled(bundle.origin, key_dir)
        remember(bundle.origin, key_dir)
    except KeyMismatch as exc:
        raise BundleRefused(str(exc)) from exc
    report = ImportReport(bundle.origin)
    origin = {
        "installation": bundle.origin.id,
        "exported_utc": bundle.created_utc,
        "bundle_sha256": bundle.sha256,
    }
    for incoming in bundle.sessions:
        try:
            report.outcomes.append(_merge(store, access, incoming, origin))
        except _Mismatch as exc:
            report.outcomes.append(
                SessionOutcome(incoming.rows.session["uuid"], Change.CONFLICT, str(exc))
            )
    if report.changed:
        access.record(
            "bundle.import",
            f"bundle:{bundle.origin.id}",
            None,
            {
                **origin,
                "file": bundle.path.name,
                "sessions": [o.uuid for o in report.outcomes if o.change is not Change.CONFLICT],
                "added": [o.uuid for o in report.of(Change.ADDED)],
                "updated": [o.uuid for o in report.of(Change.UPDATED)],
                "conflicts": [o.uuid for o in report.of(Change.CONFLICT)],
            },
        )
    return report


def _merge(
    store: Store, access: Access, incoming: BundledSession, origin: dict[str, Any]
) -> SessionOutcome:
    rows = incoming.rows
    uuid = str(rows.session["uuid"])
    local = bundle_rows.read(store, uuid)
    if local is not None:
        if content_hash(store, uuid, incoming.hash_version) != incoming.content_sha256:
            return SessionOutcome(
                uuid,
                Change.CONFLICT,
                "this database holds the same session with other content; nothing merged",
            )
        return _add_signoffs(store, access, incoming, local, origin)
    clash = _patient_clash(store, rows.patient)
    if clash:
        return SessionOutcome(uuid, Change.CONFLICT, clash)
    status = rows.session["status"]
    patient = rows.patient
    new_patient = patient is not None and store.patients.find(patient["code"]) is None
    with store.transaction():
        bundle_rows.insert(store, rows, "complete" if status == "signed" else status)
        if patient is not None and new_patient:  # its details enter the register's trail
            store.audit.append(
                access.actor.name,
                "patient.add",
                f"patient:{patient['code']}",
                None,
                {c: patient[c] for c in bundle_rows.PATIENT_COLUMNS},
            )
        digest = content_hash(store, uuid, incoming.hash_version)
        if digest != incoming.content_sha256:
            raise _Mismatch(  # rolls the whole session back
                f"session {uuid} did not arrive intact (content hash {digest[:12]} here, "
                f"{incoming.content_sha256[:12]} at its origin); nothing merged"
            )
        store.audit.append(
            access.actor.name,
            "session.import",
            f"session:{uuid}",
            None,
            {**origin, "origin_audit": incoming.audit},
        )
        store.audit.append(
            access.actor.name,
            "session.seal",
            f"session:{uuid}",
            None,
            {**seal_words(store, uuid), "reason": "imported", **origin},
        )
        _add_signoffs(store, access, incoming, None, origin)
    return SessionOutcome(uuid, Change.ADDED, f"from installation {origin['installation']}")


def _add_signoffs(
    store: Store,
    access: Access,
    incoming: BundledSession,
    local: bundle_rows.SessionRows | None,
    origin: dict[str, Any],
) -> SessionOutcome:
    """Signatures and amendments the bundle has and this database lacks, each with the
    audit row `db check` expects (by its signer or author, naming the origin)."""
    uuid = str(incoming.rows.session["uuid"])
    have_sigs = {_sig_key(s) for s in (local.signatures if local else [])}
    have_amends = [_amend_key(a) for a in (local.amendments if local else [])]
    new_sigs = [s for s in incoming.rows.signatures if _sig_key(s) not in have_sigs]
    new_amends = [a for a in incoming.rows.amendments if _amend_key(a) not in have_amends]
    if not new_sigs and not new_amends:
        return SessionOutcome(uuid, Change.UNCHANGED)
    with store.transaction():
        for s in new_sigs:
            store.signatures.insert(
                Signature(s.signer, s.signed_utc, s.meaning, s.content_sha256), uuid
            )
            store.audit.append(
                s.signer,
                "sign",
                f"session:{uuid}",
                None,
                {
                    "meaning": s.meaning,
                    "sha256": s.content_sha256,
                    "hash_version": version_of(store, uuid, s.content_sha256),
                    "signed_utc": s.signed_utc,
                    "imported_by": access.actor.name,
                    **origin,
                },
            )
        for a in new_amends:
            store.signatures.amend(uuid, a.author, a.created_utc, a.field, a.text)
            store.audit.append(
                a.author,
                "amend",
                f"session:{uuid}",
                None,
                {"field": a.field, "text": a.text, "imported_by": access.actor.name, **origin},
            )
    what = f"{len(new_sigs)} signature(s), {len(new_amends)} amendment(s)"
    return SessionOutcome(uuid, Change.UPDATED, what)


def _sig_key(s: Any) -> tuple[str, str, str, str]:
    return (s.signer, s.signed_utc, s.meaning, s.content_sha256)


def _amend_key(a: Any) -> tuple[str, str, str, str]:
    return (a.author, a.created_utc, a.field, a.text)


def _patient_clash(store: Store, incoming: dict[str, Any] | None) -> str:
    """Why the incoming patient is another person than the local one with that code."""
    if incoming is None:
        return ""
    here = bundle_rows.patient(store, incoming["code"])
    if here is None:
        return ""
    differ = [
        f"{k} {here[k]!r} here, {incoming[k]!r} in the bundle"
        for k in _IDENTITY
        if here[k] is not None and incoming[k] is not None and here[k] != incoming[k]
    ]
    if not differ:
        return ""
    return (
        f"patient code {incoming['code']} names another person here ({'; '.join(differ)}); "
        "the session was not merged. Give one of them a new code, then import again."
    )
