"""The checklist steps a person ticks at the cart, and the two with screens of their own.

A plain step is one touch (`mark_step`). The consent step is ticked only by a consent
completed for this session: answers, the confirmation of every flagged "yes", and the
patient's signature, saved with the session (console/core/consent.py) and named in the
step's event. The aftercare step is ticked by giving the sheet: printed, saved to a
file, or declined with the patient's reason; that is recorded in the step's event and
audited. Both need an open session: a consent and an aftercare sheet belong to a
patient's record. A headless `record --done consent` keeps its way: the step is
recorded as "declared" by the operator (console/core/procedure.py). Qt-free; mixed into
`Treatment`.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

from console.core.access import Access
from console.core.aftercare import aftercare_given
from console.core.consent import ConsentForm, load_questionnaire, save_consent
from console.core.plan_run import PlanRun
from console.core.plan_steps import StepKind
from console.core.procedure import StepError, StepState
from console.core.roles import Action


class AftercareHow(enum.StrEnum):
    PRINTED = "printed"
    SAVED = "saved"
    DECLINED = "declined"


def screen_words(kind: StepKind) -> str:
    """Why a touch alone does not tick a step with a screen of its own."""
    match kind:
        case StepKind.CONSENT:
            return (
                "the consent step is ticked by completing the consent screen: the answers, "
                "a confirmation of each yes, and the patient's signature"
            )
        case StepKind.AFTERCARE:
            return (
                "the aftercare step is ticked by giving the sheet: print it, save it as "
                "PDF, or record that the patient declined it"
            )
        case _:
            return ""


class RecordSteps:
    """The treatment's step actions (mixed into `Treatment`)."""

    plan_run: PlanRun
    access: Access | None
    session: str | None

    @property
    def user(self) -> str | None:
        raise NotImplementedError  # the treatment's signed-in user

    def _require(self, action: Action, obj: str) -> None:
        raise NotImplementedError  # the treatment's access check

    def mark_step(self, step: str, lot: str | None = None) -> StepState:
        """One touch: the step done now, by the signed-in user (StepError if it cannot,
        e.g. the consent step, which only a completed consent ticks)."""
        self._require(Action.RECORD_SESSION, f"step:{step}")
        self.plan_run.sync_plan()
        kind = self.plan_run.procedure.state(step).spec.kind
        if screen_words(kind):
            raise StepError(screen_words(kind).capitalize() + ".")
        return self.plan_run.mark_done(step, self.user, lot)

    def undo_step(self, step: str) -> StepState:
        """Taken back (the window asks first); the record keeps both events."""
        self._require(Action.RECORD_SESSION, f"step:{step}")
        return self.plan_run.undo(step, self.user)

    def _screen_step(self, kind: StepKind) -> tuple[Access, str, str]:
        """The access, session and step id for a step with a screen; StepError says why not."""
        self.plan_run.sync_plan()
        step = next((s for s in self.plan_run.procedure.states if s.spec.kind is kind), None)
        if step is None:
            raise StepError(f"the plan has no {kind.value} step")
        if self.access is None or self.session is None:
            raise StepError(
                f"start the session first: the {kind.value} is kept with the patient's session"
            )
        states = self.plan_run.procedure.states
        consent = next((s for s in states if s.spec.kind is StepKind.CONSENT), None)
        if kind is StepKind.AFTERCARE and consent is not None and not consent.done:
            raise StepError("confirm the patient's consent first: aftercare comes after it")
        return self.access, self.session, step.spec.id

    def check_aftercare(self) -> None:
        """StepError unless the aftercare sheet may be given now (a session; consent done)."""
        self._screen_step(StepKind.AFTERCARE)

    def consent_form(self) -> ConsentForm:
        """A blank form of the clinic's questionnaire for this session's patient."""
        self._screen_step(StepKind.CONSENT)
        return ConsentForm(load_questionnaire())

    def complete_consent(self, form: ConsentForm, signature_png: bytes) -> StepState:
        """Save the completed consent with the session, then tick the consent step.
        ConsentError (nothing saved, step open) while the form is not complete."""
        access, session, step = self._screen_step(StepKind.CONSENT)
        save_consent(access, session, form, signature_png)
        how: dict[str, Any] = {
            "consent": "signed",
            "questionnaire": form.questionnaire.label,
            "flagged": form.flagged,
            "signature_sha256": hashlib.sha256(signature_png).hexdigest(),
        }
        return self.plan_run.mark_done(step, self.user, how=how)

    def give_aftercare(self, how: AftercareHow, detail: str) -> StepState:
        """The sheet given (`detail`: the printer or the file) or declined (`detail`: the
        patient's reason, required); audited, then the aftercare step is ticked."""
        access, session, step = self._screen_step(StepKind.AFTERCARE)
        detail = detail.strip()
        obj = f"session:{session}"
        match how:
            case AftercareHow.DECLINED:
                if not detail:
                    raise StepError("say why the patient declined the aftercare sheet")
                access.require(Action.RECORD_SESSION, obj)
                access.record("aftercare.declined", obj, None, {"reason": detail})
                data = {"aftercare": how.value, "reason": detail}
            case AftercareHow.PRINTED | AftercareHow.SAVED:
                aftercare_given(access, session, detail or how.value)
                data = {"aftercare": how.value, "to": detail}
        return self.plan_run.mark_done(step, self.user, how=data)
