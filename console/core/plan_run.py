"""The plan as the script of the treatment (issue 11): its steps, its gate on needling,
and the depth it sends the pen at each zone. Qt-free; shared by the live window and
`pen-console record --plan` through the Treatment facade.

- Steps: a Procedure built from the plan's step list (rebuilt, keeping what is done, when
  the plan changes). Step events go to the session record; those done before a session
  opens are held and written when it opens.
- Gate: the console's Start is refused, with the reason, until the required steps are
  done; an override names the missing steps and is recorded with the user. A motor
  running before then (started from the pen's own button) raises the medium alarm
  "started before: ...". The console never stops the motor itself.
- Depth: on a zone change the ceiling goes out first (CeilingController), then the plan's
  depth for the zone (or the chosen preset's), lowered by the clinic's skin type rule when
  the session's patient has a darker type (console/core/skin_depth.py), clamped to the
  ceiling and held at the
  plan's anaesthesia threshold until the anaesthetic steps are done. The pen's ACK is
  kept for display and recorded.

Threads: link callbacks (the zone change from a pen press, the ACK) only queue; `tick()`
on the screen's (or headless loop's) thread records, raises alarms and says notices.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from console.core.alarms import AlarmModel, Condition
from console.core.passes import PassRecord
from console.core.patients import Fitzpatrick
from console.core.plan_steps import Preset, StepKind, session_steps
from console.core.procedure import Procedure, StepState, missing_words, timer_words
from console.core.skin_depth import SkinTypeRule
from console.core.zone_session import ZoneSession
from console.core.zones import Plan
from console.store.rows import EventKind
from drivers.link import CommandResult

RecordHook = Callable[[EventKind, dict[str, Any]], None]


class StartRefused(PermissionError):
    """Start before the required steps: the message is the reason shown."""


@dataclass(frozen=True, slots=True)
class PlanDepth:
    zone: str
    plan_um: int
    requested_um: int
    ceiling_um: int
    held: str = ""  # why the request is below the plan's depth, in words
    acked_um: int | None = None


def override_words(missing: str) -> str:
    """The confirmation an override must repeat; it names the missing steps."""
    return f"Start without: {missing}"


class PlanRun:
    def __init__(self, zones: ZoneSession, clock: Callable[[], float] | None = None) -> None:
        self.zones = zones
        self._clock = clock
        self._plan: Plan | None = None
        self.procedure = self._new_procedure(None)
        self.preset: Preset | None = None
        # The session patient's skin type when the clinic's rule lowers its depths.
        self.skin: tuple[Fitzpatrick, SkinTypeRule] | None = None
        self.overridden_by: str | None = None
        self.depth: PlanDepth | None = None  # the last plan depth sent, with its ACK
        self.record: RecordHook = lambda kind, data: None
        self.on_notice: list[Callable[[str], None]] = []
        self._acks: queue.SimpleQueue[PlanDepth] = queue.SimpleQueue()
        self._zone_changes: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._early_start_recorded = False
        self._dry_done: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.sync_plan()
        zones.tracker.on_zone.append(self._on_zone)  # after the ceiling's own listener
        zones.tracker.prp_ready = self.prp_ready
        zones.tracker.on_pass.append(self._on_pass)

    # ------------------------------------------------------------ the plan

    @property
    def plan(self) -> Plan | None:
        return self.zones.plan

    def _new_procedure(self, plan: Plan | None) -> Procedure:
        steps = session_steps(plan.procedure if plan is not None else ())
        procedure = Procedure(steps) if self._clock is None else Procedure(steps, clock=self._clock)
        procedure.on_event.append(lambda kind, data: self.record(kind, data))
        return procedure

    def sync_plan(self) -> None:
        """Follow a plan chosen or changed on the zone session; steps done are kept."""
        if self.zones.plan is self._plan:
            return
        old = {s.spec.id: s for s in self.procedure.states}
        self._plan = self.zones.plan
        self.procedure = self._new_procedure(self._plan)
        for s in self.procedure.states:
            if s.spec.id in old and old[s.spec.id].done:
                kept = old[s.spec.id]
                s.done_utc, s.done_by, s.lot = kept.done_utc, kept.done_by, kept.lot
                s.timer_started_s, s.timer_ended = kept.timer_started_s, kept.timer_ended
        if self.preset is not None and self._plan is not None:
            self.preset = next((p for p in self._plan.presets if p.id == self.preset.id), None)

    def reset(self) -> None:
        """A session ended: the next patient's steps start from nothing, gated again.
        The plan and its preset stay chosen; what was done belongs to the last record."""
        self.procedure = self._new_procedure(self._plan)
        self.overridden_by = None
        self.depth = None
        self.skin = None
        self._early_start_recorded = False

    # ------------------------------------------------------------ steps

    def mark_done(
        self,
        step: str,
        user: str | None,
        lot: str | None = None,
        how: dict[str, Any] | None = None,
    ) -> StepState:
        self.sync_plan()
        state = self.procedure.mark_done(step, user, lot, how)
        self._reapply_if_held()
        return state

    def undo(self, step: str, user: str | None) -> StepState:
        self.sync_plan()
        return self.procedure.undo(step, user)

    def mark_listed(self, steps: list[str], user: str | None) -> list[StepState]:
        """`record --done`: each named step (or "all": those required before needling)
        marked done, like a touch."""
        self.sync_plan()
        if "all" in (s.strip().casefold() for s in steps):
            return self.procedure.mark_required(user)
        wanted = {self.procedure.state(s).spec.id for s in steps}
        return [
            self.mark_done(s.spec.id, user)
            for s in self.procedure.states
            if s.spec.id in wanted and not s.done
        ]

    def prp_ready(self) -> bool:
        """PRP passes count once the plan's PRP spread step is done (a plan without one:
        at once). Read from the link thread too: one attribute read, no lock needed."""
        spread = [s for s in self.procedure.states if s.spec.kind is StepKind.SPREAD]
        return all(s.done for s in spread)

    def _on_pass(self, record: PassRecord, undone: bool) -> None:  # link thread: queue
        t, zone = self.zones.tracker, record.zone
        last_dry = t.prp_target(zone) and record.pass_no == t.target(zone)
        if last_dry and not undone and not self.prp_ready():
            self._dry_done.put(zone)

    # ------------------------------------------------------------ the gate

    def start_refusal(self) -> str | None:
        self.sync_plan()
        if self.overridden_by is not None:
            return None
        return self.procedure.start_refusal()

    def left_words(self) -> str:
        """What is left of the plan, for the End confirmation (practitioner review 5):
        "3 of 39 passes done; steps not done: PRP passes, aftercare"; "" when nothing is."""
        self.sync_plan()
        done, planned = self.zones.tracker.progress()
        parts = [f"{done} of {planned} passes done"] if planned and done < planned else []
        pending = [s.spec for s in self.procedure.states if not s.done]
        if pending:
            parts.append(f"steps not done: {missing_words(pending)}")
        return "; ".join(parts)

    def override_confirmation(self) -> str | None:
        """The words an override must repeat, or None when nothing is missing."""
        missing = self.procedure.missing_required()
        return override_words(missing_words(missing)) if missing else None

    def override_start(self, confirmation: str, user: str | None) -> None:
        """Start needling with required steps missing: recorded with the user.
        Raises ValueError unless `confirmation` is override_confirmation() exactly."""
        expected = self.override_confirmation()
        if expected is None:
            return
        if confirmation != expected:
            raise ValueError(f"not confirmed: the confirmation must read “{expected}”")
        self.overridden_by = user or "unknown"
        missing = [s.id for s in self.procedure.missing_required()]
        self.record(EventKind.START_OVERRIDE, {"user": user, "missing": missing})

    # ------------------------------------------------------------ depth

    def select_preset(self, preset_id: str | None) -> None:
        """A depth band for the rest of the session (None: the plan's own depths)."""
        plan = self.plan
        if preset_id is None or plan is None:
            self.preset = None
        else:
            self.preset = plan.preset(preset_id)
        active = self.zones.tracker.active
        if active is not None:
            self.apply_zone_depth(active)

    def depth_cap_um(self) -> int | None:
        """The deepest setting allowed now by the plan's anaesthesia rule (None: no cap)."""
        self.sync_plan()  # a plan just chosen: its steps, not the last plan's, decide
        plan = self.plan
        if plan is None or not self.procedure.missing_for_depth():
            return None
        return plan.anaesthesia_above_um

    def target_for(self, zone: str) -> PlanDepth | None:
        plan = self.plan
        step = plan.step(zone) if plan is not None else None
        ceiling = self.zones.ceilings.ceiling_um(zone)
        if step is None or ceiling is None:
            return None
        wanted = self.preset.depth_um(step.depth_um, ceiling) if self.preset else step.depth_um
        held = ""
        if self.skin is not None and (lowered := self.skin[1].cap_um(zone, wanted)) < wanted:
            wanted, held = lowered, f"depth lowered for skin type {self.skin[0].value}"
        requested = min(wanted, ceiling)
        if wanted > ceiling:
            held = f"the {self.zones.map.zone(zone).label.lower()} ceiling"
        cap = self.depth_cap_um()
        if cap is not None and requested > cap:
            requested = cap
            held = f"{missing_words(self.procedure.missing_for_depth())} not done yet"
        step_um = max(self.zones.ceilings.step_um, 1)
        requested -= requested % step_um
        return PlanDepth(zone, step.depth_um, requested, ceiling, held)

    def apply_zone_depth(self, zone: str) -> Future[CommandResult] | None:
        target = self.target_for(zone)
        link = self.zones.ceilings.link
        if target is None or link is None:
            return None
        self.depth = target
        future = link.set_depth(target.requested_um)
        acks = self._acks

        def acked(f: Future[CommandResult]) -> None:  # link thread: only queue
            ok = f.exception() is None and f.result().ok
            acks.put(_with_ack(target, f.result().value if ok else None))

        future.add_done_callback(acked)
        return future

    def _on_zone(self, zone: str, how: str) -> None:
        self.apply_zone_depth(zone)  # on whichever thread changed the zone
        self._zone_changes.put(zone)

    def _reapply_if_held(self) -> None:
        active, depth = self.zones.tracker.active, self.depth
        if active is not None and depth is not None and depth.zone == active and depth.held:
            self.apply_zone_depth(active)

    # ------------------------------------------------------------ display tick

    def tick(self, alarms: AlarmModel, motor_running: bool) -> None:
        self.sync_plan()
        for state in self.procedure.tick():
            alarms.set(Condition.STEP_TIMER_DONE, True, timer_words(state.spec))
        seen = [a for a in alarms.active() if a.condition is Condition.STEP_TIMER_DONE]
        if seen and seen[0].acknowledged_utc is not None:
            alarms.set(Condition.STEP_TIMER_DONE, False)  # low: seen is enough
        missing = self.procedure.missing_required()
        early = motor_running and bool(missing) and self.overridden_by is None
        words = f"started before: {missing_words(missing)}" if missing else ""
        alarms.set(Condition.STARTED_BEFORE_STEPS, early, words)
        while True:
            try:
                zone = self._zone_changes.get_nowait()
            except queue.Empty:
                break
            self._say_zone(zone)
        while not self._dry_done.empty():  # this thread is the only reader
            zone = self._dry_done.get_nowait()
            label = self.zones.map.zone(zone).label
            self._notice(
                f"{label}: dry passes done. Its PRP passes wait for the PRP / HA spread "
                "step; go on to the next zone."
            )
        while True:
            try:
                depth = self._acks.get_nowait()
            except queue.Empty:
                break
            if self.depth is None or self.depth.zone == depth.zone:
                self.depth = depth  # with its ACK, for the zone panel
            self.record(EventKind.PLAN_DEPTH, _depth_row(depth))
            self._notice(_depth_words(depth))

    def _say_zone(self, zone: str) -> None:
        plan = self.plan
        step = plan.step(zone) if plan is not None else None
        if step is not None and step.note:
            self._notice(f"{self.zones.map.zone(zone).label}: {step.note}")

    def _notice(self, text: str) -> None:
        for notice in self.on_notice:
            notice(text)


def _with_ack(depth: PlanDepth, acked_um: int | None) -> PlanDepth:
    return PlanDepth(
        depth.zone, depth.plan_um, depth.requested_um, depth.ceiling_um, depth.held, acked_um
    )


def _depth_row(d: PlanDepth) -> dict[str, Any]:
    return {
        "zone": d.zone,
        "plan_um": d.plan_um,
        "requested_um": d.requested_um,
        "ceiling_um": d.ceiling_um,
        "acked_um": d.acked_um,
        "held": d.held or None,
    }


def _depth_words(d: PlanDepth) -> str:
    pen = f"{d.acked_um / 1000:.2f} mm" if d.acked_um is not None else "no answer"
    held = f" (held: {d.held})" if d.held else ""
    return f"Plan depth {d.requested_um / 1000:.2f} mm{held}; the pen set {pen}."
