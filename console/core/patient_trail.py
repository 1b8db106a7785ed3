"""The patient register replayed from the audit trail (Qt-free, no SQL here).

Every change to a patient's details (name, birth year, skin type, notes) writes a
`patient.add` or `patient.edit` audit row holding the new values (console/core/patients.py;
a patient arriving in a bundle gets its `patient.add` row too). A register row that
disagrees with the last of them was changed behind the console's back: `db check`
reports it, and the skin type rule uses the trail's value, not the row's, and says so.
A patient with no audited row is expected to have no details (one made by starting a
session with a new code).
"""

from __future__ import annotations

from typing import Any

from console.core.patients import Fitzpatrick
from console.store import Store
from console.store.audit import AuditEntry
from console.store.patients import PatientRow

ACTIONS = ("patient.add", "patient.edit")
FIELDS = ("name", "birth_year", "fitzpatrick", "notes")
_EMPTY: dict[str, Any] = {"name": None, "birth_year": None, "fitzpatrick": None, "notes": ""}


def replay(entries: list[AuditEntry]) -> dict[str, dict[str, Any]]:
    """Each audited patient's details as the trail last recorded them, by code."""
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e.action in ACTIONS and isinstance(new := e.new(), dict):
            out[e.object.removeprefix("patient:")] = {k: new.get(k, _EMPTY[k]) for k in FIELDS}
    return out


def audited(store: Store, code: str) -> dict[str, Any]:
    """The patient's details as the trail last recorded them."""
    return replay(store.audit.entries(f"patient:{code}")).get(code, dict(_EMPTY))


def differences(row: PatientRow, trail: dict[str, Any]) -> list[str]:
    """The fields where the register row disagrees with the trail (names only)."""
    return [f for f in FIELDS if (getattr(row, f) or _EMPTY[f]) != (trail[f] or _EMPTY[f])]


def mismatch(store: Store, code: str) -> tuple[PatientRow, dict[str, Any], list[str]] | None:
    row = store.patients.find(code)
    if row is None:
        return None
    trail = audited(store, code)
    fields = differences(row, trail)
    return (row, trail, fields) if fields else None


def register_problems(store: Store, entries: list[AuditEntry]) -> list[str]:
    """`db check`: a sentence per patient whose register row disagrees with the trail."""
    trail = replay(entries)
    out = []
    for row in store.patients.all():
        fields = differences(row, trail.get(row.code, _EMPTY))
        if fields:
            out.append(
                f"patients {row.code}: {', '.join(fields)} differ from the audited "
                "patient.add/patient.edit rows (changed behind the console's back); "
                "restore from a backup or re-enter the details in the console"
            )
    return out


def checked_skin_type(store: Store, code: str) -> tuple[Fitzpatrick | None, str | None]:
    """The skin type the clinic's rule may use for this patient, and a sentence when the
    register row disagrees with the trail (the trail's value is then the one used)."""
    row = store.patients.find(code.strip())
    if row is None:
        return None, None
    trail = audited(store, row.code)
    fields = differences(row, trail)
    audited_type = trail["fitzpatrick"] or None
    skin = Fitzpatrick.parse(audited_type) if audited_type else None
    if not fields:
        return skin, None
    return skin, (
        f"Patient {row.code}'s details ({', '.join(fields)}) differ from the audit trail: "
        f"the skin type rule uses the audited skin type {audited_type or 'none'}, not the "
        f"register's {row.fitzpatrick or 'none'}. Check the patient's details and run "
        "`pen-console db check`."
    )
