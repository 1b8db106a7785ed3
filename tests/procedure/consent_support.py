"""A consent completed as the consent screen completes it: every answer, each flagged yes
confirmed, and a drawn signature (strokes, and PNG bytes standing for its image)."""

from __future__ import annotations

from console.core.consent import ConsentForm, load_questionnaire
from console.core.procedure import StepState
from console.core.treatment import Treatment

SIGNATURE_PNG = b"\x89PNG a drawn signature"


def completed_form(yes: tuple[str, ...] = ()) -> ConsentForm:
    form = ConsentForm(load_questionnaire())
    for q in form.questionnaire.questions:
        form.answer(q.id, q.id in yes)
        if q.id in yes:
            form.confirm(q.id)
    form.signature.strokes = [[(0.1 * i, 0.5) for i in range(8)]]
    return form


def sign_consent(treatment: Treatment, yes: tuple[str, ...] = ()) -> StepState:
    return treatment.complete_consent(completed_form(yes), SIGNATURE_PNG)
