"""The procedure model on an injected clock: steps, timers, the gate, the alarms. No pen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from console.core.alarms import AlarmModel, Condition, Priority
from console.core.passes import PassTracker, pass_label
from console.core.plan_run import PlanRun
from console.core.procedure import Procedure, StepError
from console.core.zone_session import ZoneSession
from console.core.zones import available_maps, available_plans, find_plan, plan_row
from console.store import EventKind

FACE_PLANS = [p for p in available_plans().values() if p.map_id == "face"]
SEED_KINDS = [
    "consent",
    "cleanse",
    "anaesthetic",
    "prp_prep",
    "anaesthetic_removed",
    "treatment_passes",
    "spread",
    "prp_passes",
    "aftercare",
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _recorded(procedure: Procedure) -> list[tuple[EventKind, dict[str, Any]]]:
    events: list[tuple[EventKind, dict[str, Any]]] = []
    procedure.on_event.append(lambda kind, data: events.append((kind, data)))
    return events


@pytest.mark.parametrize("plan", FACE_PLANS, ids=lambda p: p.id)
def test_face_plans_carry_the_seed_steps_with_a_dwell_timer(plan) -> None:
    assert [s.kind.value for s in plan.procedure] == SEED_KINDS
    dwell = next(s for s in plan.procedure if s.id == "anaesthetic")
    assert dwell.timer_s and dwell.timer_s >= 600 and dwell.required
    prp = next(s for s in plan.procedure if s.id == "prp_prep")
    assert prp.timer_s and prp.lot
    assert {s.id for s in plan.procedure if s.required} == {
        "consent",
        "cleanse",
        "anaesthetic",
        "anaesthetic_removed",
    }


def test_a_timer_runs_on_the_clock_and_ends_once() -> None:
    clock = Clock()
    plan = find_plan("Full face — PRP")
    procedure = Procedure(plan.procedure, clock=clock)
    events = _recorded(procedure)
    procedure.mark_done("consent", "nurse.kim")
    state = procedure.mark_done("anaesthetic", "nurse.kim", lot="LIDO-42")
    assert procedure.remaining_s(state) == 1800
    clock.now += 1799
    assert procedure.tick() == [] and procedure.remaining_s(state) == pytest.approx(1)
    clock.now += 1
    assert [s.spec.id for s in procedure.tick()] == ["anaesthetic"]
    assert procedure.tick() == []  # recorded once
    kinds = [k for k, _ in events]
    assert kinds == [EventKind.STEP_DONE, EventKind.STEP_DONE, EventKind.STEP_TIMER_DONE]
    done = events[1][1]
    assert (done["user"], done["lot"], done["timer_s"]) == ("nurse.kim", "LIDO-42", 1800)


def test_undo_takes_a_step_back_and_is_recorded() -> None:
    procedure = Procedure(find_plan("Full face — PRP").procedure, clock=Clock())
    events = _recorded(procedure)
    procedure.mark_done("Skin cleansed", "a")  # by label, as a touch names it
    assert procedure.current() is not None and procedure.current().spec.id == "consent"
    procedure.undo("cleanse", "a")
    assert events[-1][0] is EventKind.STEP_UNDONE and events[-1][1]["was_done_utc"]
    with pytest.raises(StepError, match="nothing to undo"):
        procedure.undo("cleanse", "a")
    with pytest.raises(StepError, match="its steps are"):
        procedure.mark_done("teleport", "a")


def _run(plan_name: str, clock: Clock) -> tuple[PlanRun, AlarmModel, list[Any]]:
    plan = find_plan(plan_name)
    zones = ZoneSession(available_maps()[plan.map_id], plan, None)
    run = PlanRun(zones, clock=clock)
    events: list[Any] = []
    run.record = lambda kind, data: events.append((kind, data))
    return run, AlarmModel(clock=clock), events


def test_the_gate_refuses_start_names_the_steps_and_records_an_override() -> None:
    run, _, events = _run("Full face — PRP", Clock())
    refusal = run.start_refusal()
    assert refusal is not None and "anaesthetic removed" in refusal
    words = run.override_confirmation()
    assert words is not None and "consent confirmed" in words
    with pytest.raises(ValueError, match="must read"):
        run.override_start("yes", "nurse.kim")
    run.override_start(words, "nurse.kim")
    assert run.start_refusal() is None
    kind, data = events[-1]
    assert kind is EventKind.START_OVERRIDE and data["user"] == "nurse.kim"
    assert "anaesthetic_removed" in data["missing"]


def test_required_steps_done_open_the_gate() -> None:
    run, _, _ = _run("Full face — PRP", Clock())
    for step in ("consent", "cleanse", "anaesthetic", "anaesthetic_removed"):
        run.mark_done(step, "a")
    assert run.start_refusal() is None


def test_a_running_motor_before_the_steps_raises_the_medium_alarm() -> None:
    clock = Clock()
    run, alarms, _ = _run("Full face — PRP", clock)
    run.tick(alarms, motor_running=False)
    assert alarms.highest() is None
    run.tick(alarms, motor_running=True)
    alarm = alarms.highest()
    assert alarm is not None and alarm.condition is Condition.STARTED_BEFORE_STEPS
    assert alarm.priority is Priority.MEDIUM
    assert alarm.detail.startswith("started before:") and "anaesthetic removed" in alarm.detail


def test_a_finished_dwell_raises_the_low_alarm() -> None:
    clock = Clock()
    run, alarms, events = _run("Full face — PRP", clock)
    run.mark_done("anaesthetic", "a")
    run.tick(alarms, motor_running=False)
    assert not alarms.is_active(Condition.STEP_TIMER_DONE)
    clock.now += 1800
    run.tick(alarms, motor_running=False)
    alarm = alarms.highest()
    assert alarm is not None and alarm.condition is Condition.STEP_TIMER_DONE
    assert alarm.priority is Priority.LOW and alarm.detail == "anaesthetic dwell complete"
    assert events[-1][0] is EventKind.STEP_TIMER_DONE
    alarms.acknowledge(Condition.STEP_TIMER_DONE)
    run.tick(alarms, motor_running=False)
    assert not alarms.is_active(Condition.STEP_TIMER_DONE)


def test_depth_above_the_threshold_is_held_until_the_anaesthetic_steps() -> None:
    run, _, _ = _run("Acne scars — cheeks", Clock())
    held = run.target_for("cheek_right")
    assert held is not None and held.plan_um == 1500
    assert held.requested_um == 1000 and "anaesthetic removed" in held.held
    run.mark_done("anaesthetic", "a")
    run.mark_done("anaesthetic_removed", "a")
    free = run.target_for("cheek_right")
    assert free is not None and free.requested_um == min(1500, free.ceiling_um)


def test_presets_hold_each_zone_in_their_band() -> None:
    run, _, _ = _run("Full face — PRP", Clock())
    run.select_preset("light")
    cheek = run.target_for("cheek_left")
    assert cheek is not None and cheek.requested_um == 500  # plan 1.0 mm, light caps 0.5
    for step in ("anaesthetic", "anaesthetic_removed"):
        run.mark_done(step, "a")
    run.select_preset("deep")
    deep = run.target_for("cheek_left")
    assert deep is not None and deep.requested_um == deep.ceiling_um
    with pytest.raises(ValueError, match="no preset"):
        run.select_preset("extreme")


def test_prp_passes_are_counted_apart_after_the_dry_ones() -> None:
    plan = find_plan("Full face — PRP")
    tracker = PassTracker(available_maps()["face"], plan)
    tracker.start()
    numbers = [tracker.mark_pass(0).pass_no for _ in range(3)]  # type: ignore[union-attr]
    assert [pass_label(n) for n in numbers] == ["1", "2", "prp1"]
    assert (tracker.passes_done("forehead"), tracker.prp_done("forehead")) == (2, 1)
    assert "forehead" not in tracker.remaining()
    assert tracker.progress() == (3, 3 * len(plan.steps))


def test_plans_listing_has_zones_with_prp_passes_and_steps() -> None:
    row = plan_row(find_plan("Full face — PRP"))
    assert row["zones"][0] == {
        "zone": "forehead",
        "depth_um": 500,
        "target_passes": 2,
        "prp_passes": 1,
        "note": "",
    }
    assert [s["kind"] for s in row["steps"]] == SEED_KINDS
    assert {p["id"] for p in row["presets"]} == {"light", "deep"}


def test_a_plan_chosen_later_gates_its_depths_at_once() -> None:
    zones = ZoneSession(available_maps()["face"], None, None)
    run = PlanRun(zones, clock=Clock())
    zones.plan = find_plan("Acne scars — cheeks")  # as use_plan sets it, before any tick
    held = run.target_for("cheek_left")
    assert held is not None and held.requested_um == 1000 and held.held


def test_anaesthetic_removed_during_the_dwell_is_asked_recorded_early_and_stops_it() -> None:
    clock = Clock()
    procedure = Procedure(find_plan("Full face — PRP").procedure, clock=clock)
    events = _recorded(procedure)
    assert procedure.early_question("anaesthetic_removed") is None  # no dwell running
    procedure.mark_done("anaesthetic", "nurse.kim")
    clock.now += 1800 - 754.2
    assert procedure.early_question("anaesthetic_removed") == (
        "Anaesthetic dwell 12:35 left — remove early?"
    )
    assert procedure.early_question("consent") is None
    removed = procedure.mark_done("anaesthetic_removed", "nurse.kim")
    assert removed.early_left_s == pytest.approx(754.2)
    assert events[-1][1]["early"] == {"timer_step": "anaesthetic", "left_s": 754}
    assert procedure.running_timers() == []  # the countdown stopped
    clock.now += 2000
    assert procedure.tick() == []  # and never "completes" later


def test_all_marks_only_the_steps_needed_before_needling() -> None:
    procedure = Procedure(find_plan("Full face — PRP").procedure, clock=Clock())
    marked = [s.spec.id for s in procedure.mark_required("bench")]
    assert marked == ["consent", "cleanse", "anaesthetic", "anaesthetic_removed"]
    assert procedure.start_refusal() is None
    assert not procedure.state("aftercare").done and not procedure.state("spread").done


def test_prp_passes_wait_for_the_spread_step() -> None:
    run, alarms, _ = _run("Full face — PRP", Clock())
    said: list[str] = []
    run.on_notice.append(said.append)
    zones = run.zones
    tracker = zones.tracker
    tracker.start()  # forehead
    numbers = [tracker.mark_pass(0).pass_no for _ in range(3)]  # type: ignore[union-attr]
    assert [pass_label(n) for n in numbers] == ["1", "2", "3"]  # no PRP pass before the spread
    assert tracker.prp_done("forehead") == 0
    run.tick(alarms, motor_running=False)
    assert said[-1].startswith("Forehead: dry passes done. Its PRP passes wait")
    assert said.count(said[-1]) == 1  # said once, at the zone's last dry pass
    assert "PRP after the spread" in zones.status().pass_word
    assert "forehead" not in tracker.remaining()  # next zone: the dry round goes on
    assert tracker.next_zone() != "forehead"
    run.mark_done("spread", "nurse.kim")
    assert "forehead" in tracker.remaining()
    assert zones.status().pass_word == "PRP pass 1 of 1"
    assert pass_label(tracker.mark_pass(0).pass_no) == "prp1"  # type: ignore[union-attr]


def test_every_session_needs_consent_and_cleansing_plan_or_not() -> None:
    """Review 4: with no plan ("No plan: touch a zone") Start is gated on consent and skin
    cleansed as with one; a plan whose list leaves them out gets them, required."""
    zones = ZoneSession(available_maps()["face"], None, None)
    run = PlanRun(zones, clock=Clock())
    assert [s.spec.kind.value for s in run.procedure.states] == ["consent", "cleanse", "aftercare"]
    refusal = run.start_refusal()
    assert refusal is not None and "consent confirmed" in refusal.lower()
    alarms = AlarmModel(clock=Clock())
    run.tick(alarms, motor_running=True)  # the pen's own button, before consent
    alarm = alarms.highest()
    assert alarm is not None and alarm.condition is Condition.STARTED_BEFORE_STEPS
    for step in ("consent", "cleanse"):
        run.mark_done(step, "a")
    assert run.start_refusal() is None

    plan = find_plan("Fine lines — forehead and periorbital")
    bare = replace(plan, procedure=tuple(s for s in plan.procedure if s.kind.value != "consent"))
    zones.use_plan(bare)
    run.sync_plan()
    kinds = [s.spec.kind.value for s in run.procedure.states]
    assert kinds[0] == "consent" and kinds.count("consent") == 1 and "anaesthetic" in kinds
    assert run.procedure.state("consent").spec.required


def test_left_words_say_the_passes_and_steps_not_done() -> None:
    """Review 5: the End confirmation says how much of the plan is left."""
    run, _, _ = _run("Fine lines — forehead and periorbital", Clock())
    run.zones.tracker.start()
    run.zones.mark_pass()
    words = run.left_words()
    assert words.startswith("1 of 7 passes done; steps not done: consent confirmed, skin")
    assert words.endswith("aftercare given")
    for state in run.procedure.states:
        run.mark_done(state.spec.id, "a")
    assert run.left_words() == "1 of 7 passes done"
