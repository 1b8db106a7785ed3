"""The Treatment facade with no window: the rules the live screen and `record` share."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.core.access import Access, Refused
from console.core.accounts import Accounts, Role
from console.core.audit import AuditLog
from console.core.ceilings import confirmation_text
from console.core.pen_commands import MOTOR_FRESH_S
from console.core.pen_steps import depth_target_um, rate_target_dhz
from console.core.treatment import Treatment
from console.core.zones import find_plan
from console.store import Store
from drivers.link import Link, LinkClosed, LinkState
from drivers.messages import Button, Info, MsgType, Status
from drivers.virtual.endpoints import wait_until
from drivers.virtual.pen import VirtualPen

INFO = Info(
    seq=0,
    protocol_major=1,
    protocol_minor=0,
    fw_major=1,
    fw_minor=0,
    fw_patch=0,
    serial="SN",
    model="M",
    depth_min_um=0,
    depth_max_um=2500,
    depth_step_um=50,
    rate_min_dhz=300,
    rate_max_dhz=1500,
    telemetry_hz=200,
    telemetry_max_hz=2000,
    needles=12,
    gauge=33,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "treatment.db")
    yield s
    s.close()


def test_depth_steps_are_the_pens_own_and_stay_in_its_range() -> None:
    assert depth_target_um(1000, +1, INFO) == 1050
    assert depth_target_um(1000, -3, INFO) == 850
    assert depth_target_um(2480, +1, INFO) == 2500
    assert depth_target_um(20, -1, INFO) == 0


def test_rate_steps_are_5_hz_from_the_pens_minimum_when_it_reports_none() -> None:
    assert rate_target_dhz(1000, +1, INFO) == 1050
    assert rate_target_dhz(0, +1, INFO) == 350  # stopped: from the minimum
    assert rate_target_dhz(1480, +1, INFO) == 1500
    assert rate_target_dhz(320, -1, INFO) == 300


def test_commands_without_a_pen_fail_at_once_with_the_reason(store: Store) -> None:
    treatment = Treatment(store)
    try:
        for future in (treatment.step_depth(1), treatment.step_rate(-1), treatment.toggle_motor()):
            assert future.done()
            error = future.exception()
            assert isinstance(error, LinkClosed) and "connect one first" in str(error)
    finally:
        treatment.close()


def test_session_is_audited_and_the_series_warning_is_one_rule(store: Store) -> None:
    earlier = store.create_session("P-T", "Dr A")
    when = datetime.now(UTC) - timedelta(days=20)
    store.update_session(earlier, started_utc=when.isoformat(timespec="milliseconds"))
    admin = Accounts(store).add("it", Role.ADMIN, "admin pass phrase")
    lee = Accounts(store).add(
        "dr.lee", Role.PRACTITIONER, "battery staple", access=Access(store, admin)
    )
    treatment = Treatment(store, plan=find_plan("Full face — PRP"), user=lee)
    try:
        assert treatment.user == "dr.lee"
        warning = treatment.series_warning(" P-T ")
        assert warning is not None and "20 days ago" in warning
        assert treatment.series_warning("P-NEW") is None
        session = treatment.start_session("P-T", "Dr Lee")
        assert store.session(session)["plan_name"] == "Full face — PRP"
        assert treatment.end_session() == session
        rows = [
            (e.user, e.action, e.object)
            for e in AuditLog(store).entries()
            if e.action.startswith("session.") and e.action != "session.seal"
        ]
        assert rows == [
            ("dr.lee", "session.start", f"session:{session}"),
            ("dr.lee", "session.end", f"session:{session}"),
        ]
    finally:
        treatment.close()


def test_what_the_role_may_not_do_is_refused_and_audited(store: Store) -> None:
    admin = Accounts(store).add("it", Role.ADMIN, "admin pass phrase")
    nobody = Treatment(store)  # accounts exist, nobody signed in
    treatment = Treatment(store, plan=find_plan("Full face — PRP"), user=admin)
    try:
        with pytest.raises(Refused, match="sign in"):
            nobody.start_session("P-1", "Dr A")
        zones = treatment.zones
        zones.tracker.start()
        with pytest.raises(Refused, match="may not choose or change the treatment plan"):
            zones.use_plan(None)
        assert zones.plan is not None and zones.plan.name == "Full face — PRP"
        zone = zones.status().active
        assert zone is not None
        words = confirmation_text(zones.map.zone(zone).label, 900)
        with pytest.raises(Refused, match="may not override"):
            zones.override_ceiling(zone, 900, words)
        assert not zones.status().overridden
        refused = [e for e in AuditLog(store).entries() if e.action == "refused"]
        assert [e.user for e in refused] == ["(not signed in)", "it", "it"]
    finally:
        nobody.close()
        treatment.close()


def test_no_database_means_nothing_is_recorded() -> None:
    treatment = Treatment(None)
    try:
        with pytest.raises(RuntimeError, match="no database"):
            treatment.start_session("P-1", "Dr A")
        assert treatment.series_warning("P-1") is None
    finally:
        treatment.close()


def test_zone_status_follows_the_plan(store: Store) -> None:
    treatment = Treatment(store, plan=find_plan("Fine lines — forehead and periorbital"))
    try:
        zones = treatment.zones
        assert zones.status().active is None
        zones.tracker.start()
        status = zones.status()
        assert (status.active, status.pass_no, status.target) == ("forehead", 1, 3)
        assert status.has_plan and status.planned == 7 and status.done == 0
        assert status.ceiling_um == zones.map.zone("forehead").depth_max_um
        assert not status.can_undo
        zones.mark_pass()
        assert zones.status().done == 1 and zones.status().can_undo
        zones.next_zone()
        assert zones.status().active == "periorbital_right"
    finally:
        treatment.close()


def test_a_step_up_past_the_zone_ceiling_is_clamped_and_said(store: Store) -> None:
    treatment = Treatment(store, plan=find_plan("Fine lines — forehead and periorbital"))
    said: list[str] = []
    treatment.on_notice.append(said.append)
    try:
        treatment.zones.tracker.start()  # forehead
        ceiling = treatment.zones.status().ceiling_um
        assert treatment.depth_step_target(ceiling - 50, +1, INFO) == ceiling
        assert said == []
        assert treatment.depth_step_target(ceiling, +1, INFO) == ceiling
        assert said == [f"Depth clamped to the forehead ceiling, {ceiling / 1000:.2f} mm."]
        assert treatment.depth_step_target(ceiling + 200, -1, INFO) == ceiling + 150  # down
    finally:
        treatment.close()


def test_end_session_leaves_an_idle_screen_with_no_counts_and_no_clamp_note(store: Store):
    """Review 10: after End, the zone counts and plan progress are the next patient's (none),
    and a clamp said in the ended session is not carried over; the zone in force stays."""
    treatment = Treatment(store, plan=find_plan("Fine lines — forehead and periorbital"))
    try:
        treatment.start_session("P-IDLE", "Dr A")
        zones = treatment.zones
        zones.mark_pass()
        ceiling = zones.status().ceiling_um
        treatment.depth_step_target(ceiling, +1, INFO)
        assert zones.status().done == 1 and treatment.depth_note
        treatment.end_session()
        status = zones.status()
        assert (status.done, status.pass_no, status.can_undo) == (0, 1, False)
        assert status.active == "forehead" and treatment.depth_note == ""
    finally:
        treatment.close()


def test_a_plan_chosen_mid_session_is_the_sessions_plan(store: Store) -> None:
    """Review 4: the report said "Treatment plan: none" yet printed the plan's depths."""
    treatment = Treatment(store)
    try:
        session = treatment.start_session("P-MID", "Dr A")
        assert store.session(session)["plan_name"] is None
        plan = find_plan("Fine lines — forehead and periorbital")
        treatment.zones.use_plan(plan)
        assert store.session(session)["plan_name"] == plan.name
        treatment.end_session()
        treatment.zones.use_plan(None)  # between sessions: no record changes
        assert store.session(session)["plan_name"] == plan.name
    finally:
        treatment.close()


def _streaming(store: Store) -> tuple[Treatment, VirtualPen]:
    treatment = Treatment(store)
    link = Link("virtual://idle?telemetry_hz=500")
    treatment.attach(link)
    link.start()
    assert link.wait_for_state(LinkState.STREAMING, 5)
    pen = link.virtual_pen
    assert pen is not None
    for step in ("consent", "cleanse"):  # every session's steps before needling (review 4)
        treatment.plan_run.mark_done(step, None)
    return treatment, pen


def _tick_until(treatment: Treatment, condition: Callable[[], bool]) -> bool:
    def ticked() -> bool:
        treatment.tick()
        return condition()

    return wait_until(ticked, 5)


def test_f5_sends_stop_when_the_status_is_stale_even_if_it_said_stopped(store: Store) -> None:
    """H-37: the pen started from its own button while the screen's status went stale."""
    treatment, pen = _streaming(store)
    try:
        assert _tick_until(treatment, lambda: treatment.live.latest.rx_monotonic > 0)
        latest = treatment.live.latest
        assert not latest.has(Status.MOTOR_RUNNING)
        assert not treatment.motor_may_be_running(now=latest.rx_monotonic)  # fresh, stopped
        assert treatment.motor_may_be_running(now=latest.rx_monotonic + MOTOR_FRESH_S + 0.1)
        pen.press(Button.RUN_STOP)  # the pen's own button; the console has not drained it
        assert pen.motor_on
        assert wait_until(
            lambda: time.monotonic() - treatment.live.latest.rx_monotonic > MOTOR_FRESH_S, 5
        )
        assert treatment.toggle_motor().result(2).ok  # STOP, never START
        assert wait_until(lambda: not pen.motor_on, 3)
    finally:
        treatment.close()


def test_a_start_in_flight_makes_f5_a_stop_and_stop_never_starts(store: Store) -> None:
    treatment, pen = _streaming(store)
    try:
        assert _tick_until(treatment, lambda: treatment.live.latest.rx_monotonic > 0)
        assert treatment.stop_motor().result(2).ok  # stop on a stopped pen: still STOP
        assert not pen.motor_on
        assert treatment.start_motor().result(2).ok
        assert wait_until(lambda: pen.motor_on, 3)
        now = treatment.live.latest.rx_monotonic  # the drained status is fresh and "stopped"
        assert not treatment.live.latest.has(Status.MOTOR_RUNNING)
        assert treatment.motor_may_be_running(now=now)  # but a START is unconfirmed
        assert treatment.toggle_motor().result(2).ok
        assert wait_until(lambda: not pen.motor_on, 3)
        assert _tick_until(
            treatment,
            lambda: (
                time.monotonic() - treatment.live.latest.rx_monotonic < MOTOR_FRESH_S / 2
                and not treatment.motor_may_be_running()
            ),
        )
        assert treatment.toggle_motor().result(2).ok  # fresh and stopped: F5 starts
        assert wait_until(lambda: pen.motor_on, 3)
        assert _tick_until(treatment, lambda: treatment.live.latest.has(Status.MOTOR_RUNNING))
        assert treatment.toggle_motor().result(2).ok  # running: F5 stops
        assert wait_until(lambda: not pen.motor_on, 3)
    finally:
        treatment.close()


def test_a_ceiling_override_ends_with_its_session_and_the_pen_gets_the_default_back(
    store: Store,
) -> None:
    """H-05: the next patient never inherits an override."""
    treatment = Treatment(store, plan=find_plan("Full face — PRP"))
    link = Link("virtual://idle?telemetry_hz=200")
    treatment.attach(link)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        pen = link.virtual_pen
        assert pen is not None
        zones = treatment.zones

        def limits() -> list[int]:
            return [
                c.argument
                for c in pen.commands_of(MsgType.SET_DEPTH_LIMIT)
                if c.argument is not None
            ]

        treatment.start_session("P-1", "Dr A")
        zone = zones.status().active
        assert zone is not None
        default = zones.map.zone(zone).depth_max_um
        deeper = default + 200
        zones.override_ceiling(zone, deeper, confirmation_text(zones.map.zone(zone).label, deeper))
        assert wait_until(lambda: limits()[-1:] == [deeper], 3)
        treatment.end_session()
        assert zones.ceilings.ceiling_um(zone) == default and not zones.status().overridden
        assert wait_until(lambda: limits()[-1:] == [default], 3)  # the pen is lowered again

        zones.override_ceiling(zone, deeper, confirmation_text(zones.map.zone(zone).label, deeper))
        treatment.start_session("P-2", "Dr A")  # one made between patients does not carry
        assert zones.ceilings.ceiling_um(zone) == default and not zones.status().overridden
        assert wait_until(lambda: limits()[-1:] == [default], 3)
        treatment.end_session()
    finally:
        treatment.close()


def test_an_acknowledgement_names_who_is_at_the_screen_and_nobody_over_the_lock(
    store: Store,
) -> None:
    from console.core.alarms import Condition
    from console.core.idle_lock import IdleLock

    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    lee = accounts.add("dr.lee", Role.PRACTITIONER, "battery staple", access=Access(store, admin))
    accounts.add("sup.ray", Role.SUPERVISOR, "supervisor phrase", access=Access(store, admin))
    treatment, demo = Treatment(store, user=lee), Treatment(None)

    def acknowledged_by(t: Treatment, condition: Condition) -> str | None:
        t.alarms.set(condition, True, "now")
        t.acknowledge_alarms()
        alarm = t.alarms.history[-1]
        assert alarm.acknowledged_utc is not None
        t.alarms.set(condition, False)
        return alarm.acknowledged_by

    try:
        assert acknowledged_by(treatment, Condition.PEN_FAULT) == "dr.lee"  # no screen lock
        now = [0.0]
        treatment.idle_lock = lock = IdleLock(900, clock=lambda: now[0])
        lock.sign_in(lee)
        assert acknowledged_by(treatment, Condition.BATTERY_LOW) == "dr.lee"
        now[0] += 901  # the idle timeout has passed; the screen's poll has not run yet
        assert not lock.locked and acknowledged_by(treatment, Condition.PEN_FAULT) is None
        assert lock.lock_now()  # anyone at the cart may answer it now: no name
        assert acknowledged_by(treatment, Condition.PEN_FAULT) is None
        assert lock.unlock(accounts, "sup.ray", "supervisor phrase") is not None
        assert acknowledged_by(treatment, Condition.BATTERY_LOW) == "sup.ray"  # not dr.lee
        lock.sign_out()
        assert acknowledged_by(treatment, Condition.PEN_FAULT) is None
        assert acknowledged_by(demo, Condition.BATTERY_LOW) is None  # nobody signs in here
    finally:
        treatment.close()
        demo.close()
