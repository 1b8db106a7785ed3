"""Patients: the code shown everywhere, name, birth year, Fitzpatrick type and notes.

The code is the key: it is what the live screen and exports show (data minimisation);
the name is only in the patient view. Every read and change goes through `Access`:
adding or editing a patient needs RECORD_SESSION (the practitioner registers them at the
cart) and is audited with the old and new values; listing and showing need REVIEW and
are audited as disclosures. Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from console.core.access import Access
from console.core.roles import Action
from console.core.series import patient_series, patient_status
from console.store.patients import PatientRow

CODE_MAX = 64
FIRST_BIRTH_YEAR = 1900


class Fitzpatrick(enum.StrEnum):
    I = "I"  # noqa: E741 (the type's own name)
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"

    @classmethod
    def parse(cls, text: str) -> Fitzpatrick:
        """I–VI, or 1–6 as typed at a keyboard."""
        value = text.strip().upper()
        if value.isdigit() and 1 <= int(value) <= 6:
            return list(cls)[int(value) - 1]
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a Fitzpatrick skin type; give I, II, III, IV, V or VI"
            ) from None

    @property
    def darker(self) -> bool:
        """Types IV–VI: a higher risk of post-inflammatory hyperpigmentation."""
        return self in (Fitzpatrick.IV, Fitzpatrick.V, Fitzpatrick.VI)


class PatientError(ValueError):
    """Bad patient details, or no such patient: one sentence saying what to do."""


def check_code(text: str) -> str:
    code = text.strip()
    if not code or len(code) > CODE_MAX or not code.isprintable():
        raise PatientError(
            f"a patient code is 1 to {CODE_MAX} printable characters on one line; {text!r} is not"
        )
    return code


def check_birth_year(year: int, today: date) -> int:
    if not FIRST_BIRTH_YEAR <= year <= today.year:
        raise PatientError(
            f"{year} is not a birth year between {FIRST_BIRTH_YEAR} and {today.year}"
        )
    return year


@dataclass(frozen=True, slots=True)
class PatientDetails:
    name: str | None = None
    birth_year: int | None = None
    skin_type: Fitzpatrick | None = None
    notes: str | None = None


def add_patient(access: Access, code: str, details: PatientDetails, today: date) -> PatientRow:
    """Add the patient, or change the details given (others are kept); audited."""
    code = check_code(code)
    if details.birth_year is not None:
        check_birth_year(details.birth_year, today)
    obj = f"patient:{code}"
    actor = access.require(Action.RECORD_SESSION, obj)
    store = access.store
    with store.transaction():
        old = store.patients.find(code)
        new = PatientRow(
            code,
            details.name if details.name is not None else (old.name if old else None),
            details.birth_year
            if details.birth_year is not None
            else (old.birth_year if old else None),
            (
                details.skin_type.value
                if details.skin_type is not None
                else (old.fitzpatrick if old else None)
            ),
            details.notes if details.notes is not None else (old.notes if old else ""),
        )
        new = replace(new, id=store.patients.put(new))
        store.audit.append(
            actor.name,
            "patient.add" if old is None else "patient.edit",
            obj,
            None if old is None else _public(old),
            _public(new),
        )
    return new


def new_patient_question(access: Access, code: str) -> str | None:
    """H-22: the question to ask before a code not in the register becomes a new patient
    (a mistyped "P-1O" for "P-10"); None when the code is known (or empty: refused later)."""
    code = code.strip()
    if not code or access.store.patients.find(code) is not None:
        return None
    return f"{code} is not a known patient. Add as new patient?"


def add_new_patient(access: Access, code: str, today: date) -> PatientRow:
    """The practitioner confirmed a new patient at the start of a session (audited)."""
    return add_patient(access, code, PatientDetails(), today)


def _public(row: PatientRow) -> dict[str, Any]:
    data = asdict(row)
    data.pop("id")
    return data


def list_patients(access: Access) -> list[PatientRow]:
    access.perform(Action.REVIEW, "patients", None, "listed")
    return access.store.patients.all()


def find_patient(access: Access, code: str) -> PatientRow:
    code = check_code(code)
    access.perform(Action.REVIEW, f"patient:{code}", None, "opened")
    row = access.store.patients.find(code)
    if row is None:
        raise PatientError(
            f"there is no patient {code!r}; list them with `pen-console patients list` or "
            "add one with `pen-console patients add CODE`"
        )
    return row


def patient_overview(access: Access, code: str, today: date) -> dict[str, Any]:
    """The patient view: details, sessions (with lots and photos), series and next due."""
    row = find_patient(access, code)
    store = access.store
    sessions = []
    for s in patient_series(store, row.code):
        uuid = s["uuid"]
        sessions.append(
            {
                **s,
                "lots": [
                    {"kind": p.kind, "name": p.name, "lot": p.lot, "serial": p.serial}
                    for p in store.products.for_session(uuid)
                ],
                "photos": len(store.media.photos(uuid)),
                "consent": bool(store.media.consents(uuid)),
            }
        )
    status = patient_status(store, row.code, today)
    return {
        "patient": _public(row),
        "darker_skin_type": row.fitzpatrick is not None and Fitzpatrick(row.fitzpatrick).darker,
        "sessions": sessions,
        "series": status.as_json(),
        "series_words": status.words(),
        "next_due": status.as_json()["next_due"],
    }
