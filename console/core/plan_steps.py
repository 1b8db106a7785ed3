"""The procedure steps a plan lists, and its depth presets, as data. Qt-free, no I/O of its
own beyond reading a shared step list from resources/procedures.

A step is generic on purpose (issue 11, and the patients work that adds a consent step):
a kind, a label, whether it must be done before needling, an optional timer, optional
notes, whether it asks for a lot, and any further data the step's owner needs.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, replace
from typing import Any

from resources import RESOURCES_DIR

PROCEDURES_DIR = RESOURCES_DIR / "procedures"
ANAESTHESIA_ABOVE_UM = 1000  # the seed: deeper treatments need local anaesthesia


class StepKind(enum.StrEnum):
    CONSENT = "consent"
    CLEANSE = "cleanse"
    ANAESTHETIC = "anaesthetic"
    PRP_PREP = "prp_prep"
    ANAESTHETIC_REMOVED = "anaesthetic_removed"
    TREATMENT_PASSES = "treatment_passes"
    SPREAD = "spread"
    PRP_PASSES = "prp_passes"
    AFTERCARE = "aftercare"
    OTHER = "other"


def mm_ss(seconds: float) -> str:
    """A countdown in words, "29:59"; 0.2 s left still reads 0:01."""
    whole = int(seconds + 0.999)
    return f"{whole // 60}:{whole % 60:02d}"


# The steps a depth above the plan's anaesthesia threshold needs done first.
ANAESTHESIA_KINDS = frozenset({StepKind.ANAESTHETIC, StepKind.ANAESTHETIC_REMOVED})


@dataclass(frozen=True, slots=True)
class StepSpec:
    id: str
    kind: StepKind
    label: str
    required: bool = False  # before needling may start
    timer_s: int | None = None  # runs from the moment the step is marked done
    timer_label: str = ""
    lot: bool = False  # the step asks for a lot (tube, kit, cream)
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "label": self.label,
            "required": self.required,
            "timer_s": self.timer_s,
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Preset:
    """A depth band the practitioner can pick for the session: each zone's plan depth is
    held inside [min_um, max_um]; no max_um means up to the zone's ceiling."""

    id: str
    label: str
    min_um: int = 0
    max_um: int | None = None

    def depth_um(self, plan_um: int, ceiling_um: int) -> int:
        top = min(self.max_um, ceiling_um) if self.max_um is not None else ceiling_um
        if self.max_um is None:
            return top  # "deep": up to the ceiling
        return min(max(plan_um, self.min_um), top)


@dataclass(frozen=True, slots=True)
class StepRow:
    """One checklist line as the screen shows it."""

    id: str
    label: str
    status: str  # "done", "current", "next" or "later"
    done_at: str  # local HH:MM when done, else ""
    done_by: str
    required: bool
    asks_lot: bool
    lot: str
    notes: str
    countdown_s: float | None  # a running timer's seconds left
    timer_label: str
    kind: StepKind = StepKind.OTHER


def parse_step(data: dict[str, Any]) -> StepSpec:
    known = set(StepSpec.__slots__)
    extra = {k: v for k, v in data.items() if k not in known}
    fields = {k: v for k, v in data.items() if k in known}
    kind = StepKind(fields.pop("kind", "other"))
    own = fields.pop("data", {})
    return StepSpec(kind=kind, **fields, data={**own, **extra})


def load_procedure(name: str) -> tuple[StepSpec, ...]:
    """A shared step list from resources/procedures/NAME.json."""
    data = json.loads((PROCEDURES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return tuple(parse_step(s) for s in data["steps"])


def plan_procedure(data: dict[str, Any]) -> tuple[StepSpec, ...]:
    """A plan file's steps: a list of its own, or a shared list by name, with the plan's
    own timers (`step_timers_s`: {step id: seconds}) applied."""
    raw = data.get("procedure", ())
    steps = load_procedure(raw) if isinstance(raw, str) else tuple(parse_step(s) for s in raw)
    timers: dict[str, int] = data.get("step_timers_s", {})
    unknown = set(timers) - {s.id for s in steps}
    if unknown:
        raise ValueError(f"step_timers_s names steps the plan does not have: {sorted(unknown)}")
    return tuple(replace(s, timer_s=timers[s.id]) if s.id in timers else s for s in steps)


# Needed before needling in every session, plan or not (practitioner review 4): a session
# with no plan, or a plan whose list leaves one out, still asks for them, as required.
EVERY_SESSION_KINDS = (StepKind.CONSENT, StepKind.CLEANSE)
EVERY_SESSION_SOURCE = "seed_face"  # the shared list these steps are taken from


def session_steps(plan_steps: tuple[StepSpec, ...]) -> tuple[StepSpec, ...]:
    """The steps of a session: the plan's, with consent and skin cleansed first (required)
    where the plan lacks them; with no plan, those two and aftercare."""
    shared = load_procedure(EVERY_SESSION_SOURCE)
    have = {s.kind for s in plan_steps}
    missing = tuple(s for s in shared if s.kind in EVERY_SESSION_KINDS and s.kind not in have)
    steps = missing + tuple(
        replace(s, required=True) if s.kind in EVERY_SESSION_KINDS else s for s in plan_steps
    )
    if not plan_steps:
        steps += tuple(s for s in shared if s.kind is StepKind.AFTERCARE)
    return steps


def plan_presets(data: dict[str, Any]) -> tuple[Preset, ...]:
    return tuple(Preset(**p) for p in data.get("presets", ()))
