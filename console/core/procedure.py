"""The procedure at the cart: a plan's steps done, undone and timed. Qt-free.

The same model serves the live checklist and `pen-console record --done`: a step is
marked done with one call (a touch, or a flag at the start of a headless session), taken
back with `undo`, and a step with a timer starts it when marked done. The clock is
injected, so tests run timers without waiting. Every change goes to `on_event` as
(EventKind, data) for the session record; the treatment facade holds what arrives before
a session opens and writes it when one does.

Threads: called on one thread (the screen's, or the headless loop's).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.core.plan_steps import ANAESTHESIA_KINDS, StepKind, StepRow, StepSpec, mm_ss
from console.store.rows import EventKind, utc_now

# Steps the live window ticks through a screen of their own (console/core/record_steps.py).
SCREEN_KINDS = frozenset({StepKind.CONSENT, StepKind.AFTERCARE})

StepEventHook = Callable[[EventKind, dict[str, Any]], None]


@dataclass(slots=True)
class StepState:
    spec: StepSpec
    done_utc: str | None = None
    done_by: str | None = None
    lot: str | None = None
    timer_started_s: float | None = None  # on the injected clock
    timer_ended: bool = False
    early_left_s: float | None = None  # marked done with this much of a dwell left

    @property
    def done(self) -> bool:
        return self.done_utc is not None


class StepError(ValueError):
    """A step that cannot be marked or undone; the message says why."""


class Procedure:
    def __init__(
        self,
        steps: tuple[StepSpec, ...],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], str] = utc_now,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self.states = [StepState(s) for s in steps]
        self.on_event: list[StepEventHook] = []

    # ------------------------------------------------------------ reading

    def state(self, step: str) -> StepState:
        """By id, kind or label (case-insensitive); StepError names the choices."""
        wanted = step.strip().casefold()
        for s in self.states:
            if wanted in (s.spec.id.casefold(), s.spec.kind.value, s.spec.label.casefold()):
                return s
        choices = ", ".join(s.spec.id for s in self.states) or "none"
        raise StepError(f"the plan has no step {step!r}; its steps are: {choices}")

    def current(self) -> StepState | None:
        """The first step not done yet (what the practitioner does now)."""
        return next((s for s in self.states if not s.done), None)

    def next_after_current(self) -> StepState | None:
        pending = [s for s in self.states if not s.done]
        return pending[1] if len(pending) > 1 else None

    def missing_required(self) -> list[StepSpec]:
        return [s.spec for s in self.states if s.spec.required and not s.done]

    def missing_for_depth(self) -> list[StepSpec]:
        """The anaesthetic steps a depth above the plan's threshold needs, not yet done."""
        return [s.spec for s in self.states if s.spec.kind in ANAESTHESIA_KINDS and not s.done]

    def start_refusal(self) -> str | None:
        """Why needling may not start yet, in one sentence; None when it may."""
        missing = self.missing_required()
        if not missing:
            return None
        return f"Not yet: {missing_words(missing)} must be done before needling starts."

    def remaining_s(self, state: StepState) -> float | None:
        """Seconds left on a running timer (0 when ended), None when it has not started."""
        if state.timer_started_s is None or state.spec.timer_s is None:
            return None
        return max(0.0, state.spec.timer_s - (self._clock() - state.timer_started_s))

    def running_timers(self) -> list[tuple[StepState, float]]:
        out = []
        for s in self.states:
            left = self.remaining_s(s)
            if left is not None and not s.timer_ended:
                out.append((s, left))
        return out

    def cut_short(self, step: str) -> tuple[StepState, float] | None:
        """The running anaesthetic dwell that marking `step` done now would cut short,
        with its seconds left; None when `step` is not the removal or the dwell is over."""
        if self.state(step).spec.kind is not StepKind.ANAESTHETIC_REMOVED:
            return None
        return next(
            (
                (s, left)
                for s, left in self.running_timers()
                if s.spec.kind is StepKind.ANAESTHETIC and left > 0
            ),
            None,
        )

    def early_question(self, step: str) -> str | None:
        """What to ask before marking `step` done, e.g. "Anaesthetic dwell 12:34 left —
        remove early?"; None when nothing would be cut short."""
        cut = self.cut_short(step)
        if cut is None:
            return None
        dwell, left = cut
        name = (dwell.spec.timer_label or dwell.spec.label).capitalize()
        return f"{name} {mm_ss(left)} left — remove early?"

    def rows(self) -> list[StepRow]:
        current, after = self.current(), self.next_after_current()
        out = []
        for s in self.states:
            status = (
                "done"
                if s.done
                else "current"
                if s is current
                else "next"
                if s is after
                else "later"
            )
            left = self.remaining_s(s)
            out.append(
                StepRow(
                    s.spec.id,
                    s.spec.label,
                    status,
                    _local_hm(s.done_utc),
                    s.done_by or "",
                    s.spec.required,
                    s.spec.lot,
                    s.lot or "",
                    s.spec.notes,
                    left if left is not None and not s.timer_ended else None,
                    s.spec.timer_label or s.spec.label,
                    s.spec.kind,
                )
            )
        return out

    # ------------------------------------------------------------ acting

    def mark_done(
        self,
        step: str,
        user: str | None,
        lot: str | None = None,
        how: dict[str, Any] | None = None,
    ) -> StepState:
        """`how` is what the step's own screen recorded (the consent signed, the aftercare
        sheet saved); without it a consent or aftercare step is recorded as "declared"
        (a headless `record --done`, where the operator says it was done on paper)."""
        s = self.state(step)
        if s.done:
            raise StepError(f"“{s.spec.label}” is already done")
        cut = self.cut_short(step)
        s.done_utc, s.done_by, s.lot = self._wall(), user, (lot or "").strip() or None
        data: dict[str, Any] = {**self._row(s), "user": user}
        if s.lot:
            data["lot"] = s.lot
        if how is not None:
            data.update(how)
        elif s.spec.kind in SCREEN_KINDS:
            data[s.spec.kind.value] = "declared"
        if s.spec.timer_s is not None:
            s.timer_started_s, s.timer_ended = self._clock(), False
            data["timer_s"] = s.spec.timer_s
        if cut is not None:  # removed before the dwell ran out: said so, countdown stopped
            dwell, left = cut
            dwell.timer_ended, s.early_left_s = True, left
            data["early"] = {"timer_step": dwell.spec.id, "left_s": round(left)}
        self._emit(EventKind.STEP_DONE, data)
        return s

    def mark_required(self, user: str | None) -> list[StepState]:
        """`record --done all`: the steps needed before needling, none of the later ones."""
        return [
            self.mark_done(s.spec.id, user) for s in self.states if s.spec.required and not s.done
        ]

    def undo(self, step: str, user: str | None) -> StepState:
        s = self.state(step)
        if not s.done:
            raise StepError(f"“{s.spec.label}” is not done, so there is nothing to undo")
        was = s.done_utc
        s.done_utc = s.done_by = s.lot = s.early_left_s = None
        s.timer_started_s, s.timer_ended = None, False
        self._emit(EventKind.STEP_UNDONE, {**self._row(s), "user": user, "was_done_utc": was})
        return s

    def tick(self) -> list[StepState]:
        """Timers that ended since the last tick (each recorded once)."""
        ended = []
        for s in self.states:
            left = self.remaining_s(s)
            if left == 0.0 and not s.timer_ended:
                s.timer_ended = True
                ended.append(s)
                self._emit(EventKind.STEP_TIMER_DONE, {**self._row(s), "timer_s": s.spec.timer_s})
        return ended

    def _row(self, s: StepState) -> dict[str, Any]:
        return {"step": s.spec.id, "kind": s.spec.kind.value, "label": s.spec.label}

    def _emit(self, kind: EventKind, data: dict[str, Any]) -> None:
        for hook in self.on_event:
            hook(kind, data)


def missing_words(steps: list[StepSpec]) -> str:
    return ", ".join(s.label.lower() for s in steps)


def timer_words(spec: StepSpec) -> str:
    """The low alarm's words when a step's timer ends, e.g. "anaesthetic dwell complete"."""
    name = spec.timer_label or f"{spec.label.lower()} timer"
    return f"{name} complete"


def _local_hm(iso_utc: str | None) -> str:
    if not iso_utc:
        return ""
    return datetime.fromisoformat(iso_utc).astimezone().strftime("%H:%M")
