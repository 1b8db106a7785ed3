"""Consent and contraindications: the questionnaire, the answers, and the signature.

The clinic edits the questionnaire in resources/questionnaires/consent.json. A "yes"
answer is flagged: the practitioner must confirm it before going on, and the
confirmation is recorded. The patient signs on a pad (widgets/signature_pad.py draws
into a `SignatureStrokes`); the window renders it to PNG. `save_consent` keeps the
answers, the confirmations and the PNG with the session (RECORD_SESSION, audited).

`ConsentForm` is a plain model, so the procedure checklist's first step can hold one,
show it, and call `save_consent` when `form.complete`. Qt-free.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from console.core.access import Access
from console.core.roles import Action
from console.store.media import ConsentRow
from console.store.rows import utc_now
from resources import RESOURCES_DIR

QUESTIONNAIRE = RESOURCES_DIR / "questionnaires" / "consent.json"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: str
    version: int
    title: str
    questions: tuple[Question, ...]
    statement: str

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version}"


class ConsentError(ValueError):
    """An unusable questionnaire, or a form not ready to save: one sentence."""


def load_questionnaire(path: Path = QUESTIONNAIRE) -> Questionnaire:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        questions = tuple(Question(q["id"], q["text"]) for q in data["questions"])
        form = Questionnaire(
            data["id"], int(data["version"]), data["title"], questions, data["statement"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConsentError(f"{path}: not a usable questionnaire ({exc})") from exc
    ids = [q.id for q in questions]
    if not ids or len(set(ids)) != len(ids):
        raise ConsentError(f"{path}: the questions need distinct ids, and at least one")
    return form


Point = tuple[float, float]


@dataclass
class SignatureStrokes:
    """What the patient drew: strokes of points in the pad's own 0..1 coordinates."""

    strokes: list[list[Point]] = field(default_factory=list)

    def begin(self, p: Point) -> None:
        self.strokes.append([p])

    def extend(self, p: Point) -> None:
        if self.strokes:
            self.strokes[-1].append(p)

    def clear(self) -> None:
        self.strokes.clear()

    @property
    def empty(self) -> bool:
        """A tap or a dot is no signature: at least a few points must be drawn."""
        return sum(len(s) for s in self.strokes) < 5


class ConsentForm:
    """The answers of one patient to one questionnaire, and the confirmations."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.answers: dict[str, bool | None] = {q.id: None for q in questionnaire.questions}
        self.confirmed: set[str] = set()
        self.signature = SignatureStrokes()

    def answer(self, question_id: str, yes: bool) -> None:
        if question_id not in self.answers:
            raise KeyError(question_id)
        self.answers[question_id] = yes
        if not yes:
            self.confirmed.discard(question_id)

    def confirm(self, question_id: str) -> None:
        """The practitioner read the flagged answer and goes on regardless."""
        if self.answers.get(question_id) is not True:
            raise ConsentError(f"{question_id} is not a flagged (yes) answer")
        self.confirmed.add(question_id)

    @property
    def flagged(self) -> list[str]:
        return [q for q, a in self.answers.items() if a is True]

    def missing(self) -> list[str]:
        """What is still needed before needling, in words (empty when complete)."""
        texts = {q.id: q.text for q in self.questionnaire.questions}
        out = [f"answer: {texts[q]}" for q, a in self.answers.items() if a is None]
        out += [
            f"confirm the yes answer: {texts[q]}" for q in self.flagged if q not in self.confirmed
        ]
        if self.signature.empty:
            out.append("the patient's signature")
        return out

    @property
    def complete(self) -> bool:
        return not self.missing()

    def answers_json(self) -> str:
        return json.dumps(
            {
                q: {"answer": a, "flagged": a is True, "confirmed": q in self.confirmed}
                for q, a in self.answers.items()
            },
            sort_keys=True,
        )


def save_consent(access: Access, session: str, form: ConsentForm, signature_png: bytes) -> None:
    """Keep the answers, confirmations and signature with `session` (audited)."""
    obj = f"session:{session}"
    actor = access.require(Action.RECORD_SESSION, obj)
    missing = form.missing()
    if missing:
        raise ConsentError("the consent is not complete: " + "; ".join(missing))
    row = ConsentRow(
        session,
        form.questionnaire.label,
        form.answers_json(),
        actor.name if form.flagged else None,
        utc_now(),
        signature_png,
    )
    with access.store.transaction():
        access.store.check_unchanged(session)
        access.store.media.add_consent(row)
        access.store.audit.append(
            actor.name,
            "consent.signed",
            obj,
            None,
            {
                "questionnaire": row.questionnaire,
                "flagged": form.flagged,
                "confirmed_by": row.confirmed_by,
                "signature_sha256": hashlib.sha256(signature_png).hexdigest(),
            },
        )
        access.store.reseal_if_ended(session, "consent recorded", actor.name)
