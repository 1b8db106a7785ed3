"""One treatment at the console: the facade the live window and `pen-console record` share.

A `Treatment` owns the pen link it is given, the session record (the recorder), the zone
work (plan, zones, passes and ceilings, in a ZoneSession), and, when something watches
the screen, the live model and the alarm monitor. Every rule about a treatment lives
here or in the models it holds: how far a depth or rate step may go, what is audited
when a session starts or ends, which alarms become session events, when a patient's
series is too close together.

Every listener hears the link through one SessionClock, so a new pen, or the same pen
after a reboot, carries the session on with continuous time and strokes (issue 13).

Threads: link callbacks arrive on the link's thread. Anything they change that the
screen reads (the ceiling alarm, zone and pass marks) goes through a queue and is
applied by `tick()`, which the screen calls at display rate on its own thread. Command
answers come back as futures, so a GUI turns them into its own queued signals. Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from console.core.access import Access
from console.core.alarms import Alarm, AlarmModel, Condition
from console.core.cartridge_gate import CartridgeGate
from console.core.ceiling_alarms import CeilingAlarmFeed
from console.core.clinic_ceilings import checked_map
from console.core.continuity import SessionClock
from console.core.gui_watchdog import GuiWatchdog
from console.core.idle_lock import IdleLock
from console.core.live import Drained, LiveModel
from console.core.lots import Finding, Product
from console.core.monitor import LinkMonitor
from console.core.patient_trail import checked_skin_type
from console.core.patients import add_new_patient, new_patient_question
from console.core.pen_commands import PenCommands
from console.core.plan_run import PlanRun
from console.core.record_steps import RecordSteps
from console.core.recorder import Recorder
from console.core.records import start_session
from console.core.roles import Action, User
from console.core.series import TooSoon, record_too_soon, too_soon
from console.core.skin_depth import load_skin_rule
from console.core.zone_session import ZoneSession
from console.core.zones import Plan, ZoneMap, available_maps
from console.store import EventKind, Store
from drivers.link import Link, LinkState, StateChange
from drivers.messages import Button, EventCode, Info, Status

T = TypeVar("T")

DEFAULT_MAP = "face"


class Treatment(PenCommands, RecordSteps):
    """The session, the plan and its zones, the ceilings, the alarms and the recorder.

    `watch=True` (the live window) adds the live model and the alarm monitor, and the
    alarm model records every alarm in the session; `watch=False` (the headless
    recorder) has neither, and the ceiling alarm is recorded by the zone session itself.
    `track_zones=False` (a bench recording with no plan) leaves zones out of the record.
    """

    def __init__(
        self,
        store: Store | None,
        *,
        plan: Plan | None = None,
        zone_map: ZoneMap | None = None,
        watch: bool = True,
        track_zones: bool = True,
        user: User | None = None,
    ) -> None:
        self.store = store
        # Who acts: the permission checks and the audit rows go through this one door.
        self.access = Access(store, user) if store is not None else None
        self.recorder = Recorder(store) if store is not None else None
        # Called with the session's id once it ended and its last samples were written
        # (the automatic backups hang here).
        self.after_session_end: list[Callable[[str], None]] = []
        self.link: Link | None = None
        self.session: str | None = None
        shipped = zone_map or available_maps()[plan.map_id if plan else DEFAULT_MAP]
        zone_map, self.ceiling_problems = checked_map(store, shipped)
        self.zones = ZoneSession(zone_map, plan, None, record_alarms=not watch)
        self.track_zones = track_zones
        if self.recorder is not None and track_zones:
            self.recorder.annotator = self.zones.tracker
        self.zones.access = self.access
        self.clock = SessionClock()
        self.on_notice: list[Callable[[str], None]] = []  # one sentence for the status line
        if self.recorder is not None:
            self.clock.subscribe(self.recorder)
            recorder = self.recorder  # the hook runs on the link thread
            self.clock.on_break.append(
                lambda b: recorder.add_console_event(b.kind.value, b.data(), t_us=b.t_us)
            )
        self.watched = watch
        self.live = LiveModel()
        self.alarms = AlarmModel()
        self.monitor = LinkMonitor(self.alarms)
        self.cartridge = CartridgeGate(self.alarms)
        self._ceiling_alarms = CeilingAlarmFeed()  # link thread -> screen thread
        self.watchdog = GuiWatchdog()  # armed once a GUI feeds it (H-02)
        if self.recorder is not None:
            rec = self.recorder  # the hook runs on the link thread
            self.watchdog.record = lambda data, t_us: rec.add_console_event(
                EventKind.WATCHDOG_STOP, data, t_us=t_us
            )
        if self.ceiling_problems:  # a tampered ceiling was refused: say so, loudly
            self.alarms.raise_(Condition.CEILINGS_TAMPERED, " ".join(self.ceiling_problems))
        # The plan as the script (issue 11): steps, the gate on needling, plan depths.
        self.plan_run = PlanRun(self.zones)
        self.plan_run.record = self._record_step
        self.plan_run.on_notice.append(self._notice)
        self.zones.on_plan.append(self._plan_chosen)
        self._held_steps: list[tuple[EventKind, dict[str, Any]]] = []
        self._start_in_flight = False  # a START sent, not yet seen running nor refused
        self.depth_note = ""  # why the last depth press went less far (clamped or held)
        if watch:
            self._watch()

    def _watch(self) -> None:
        live = self.live
        self.clock.subscribe(live)
        self.clock.on_break.append(live.on_break)
        if self.recorder is not None:
            self.recorder.add_listener(live)
        self.zones.alarm_hooks.append(self._ceiling_alarms.depth)
        self.zones.ceilings.on_unconfirmed = self._ceiling_alarms.unconfirmed
        zone_map = self.zones.map
        self.zones.tracker.on_zone.append(
            lambda zone, how: live.on_marker("zone", zone_map.zone(zone).label)
        )
        self.zones.tracker.on_pass.append(
            lambda rec, undone: live.on_marker(
                "pass", f"{'undo ' if undone else ''}{rec.zone} pass {rec.pass_no}"
            )
        )
        self.alarms.on_raised.append(self._record_alarm)
        self.alarms.on_cleared.append(self._record_alarm)
        self.idle_lock: IdleLock | None = None  # the screen's, when it has one

    # ------------------------------------------------------------ who acts

    def acknowledge_alarms(self) -> None:
        """F9 or Acknowledge: every alarm sounding now, in the name of who is at the screen
        (`IdleLock.operator`: nobody over the locked screen), else of the signed-in user."""
        if self.idle_lock is None:
            who = self.user
        else:
            operator = self.idle_lock.operator()
            who = operator.name if operator is not None else None
        self.alarms.acknowledge_all(who or "")

    def sign_in(self, user: User | None) -> None:
        """From now on, actions are checked against and recorded under `user`."""
        if self.store is not None:
            self.access = self.zones.access = Access(self.store, user)

    @property
    def user(self) -> str | None:
        """The signed-in user's name (None in a demo database or with nobody signed in)."""
        access = self.access
        return access.user.name if access is not None and access.user is not None else None

    def _require(self, action: Action, obj: str) -> None:
        """Raises Refused (audited) unless the signed-in user may; no store, no accounts."""
        if self.access is not None:
            self.access.require(action, obj)

    def _record(self, event: str, obj: str, old: object, new: object) -> None:
        if self.access is not None:
            self.access.record(event, obj, old, new)

    # ------------------------------------------------------------ the link

    @property
    def state(self) -> LinkState:
        return self.link.state if self.link else LinkState.DISCONNECTED

    @property
    def info(self) -> Info | None:
        return self.link.info if self.link else None

    @property
    def simulated(self) -> bool:
        # By its URL: the virtual pen is a pyserial URL handler like any other port.
        return self.link is not None and self.link.url.startswith("virtual://")

    def attach(self, link: Link) -> None:
        """Listen to `link` (not yet started) through the session clock: the live model,
        the recorder, then the zone work."""
        self.detach()
        self.link = link
        link.subscribe(self.clock)
        self.watchdog.watch(link)
        if self.recorder is not None:
            self.recorder.simulated = self.simulated  # by the link's URL (H-35)
            if self.simulated and self.session is not None and self.store is not None:
                self.store.update_session(self.session, simulated=1)  # started before the link
        if self.track_zones:
            self.zones.attach(link, self.recorder, source=self.clock)

    def connect_to(self, url: str) -> Link:
        self.attach(Link(url))
        assert self.link is not None
        self.link.start()
        return self.link

    def detach(self) -> Link | None:
        """Close the link, if any; the screen hears that it went on purpose."""
        link, self.link = self.link, None
        self.watchdog.watch(None)
        if link is not None:
            link.close()
            if self.watched:
                self.live.on_state(
                    StateChange(
                        LinkState.DISCONNECTED, link.state, f"disconnected from {link.name}", 0
                    )
                )
        return link

    def close(self) -> None:
        if self.session is not None:
            self.end_session()
        self.detach()
        if self.recorder is not None:
            self.recorder.close()

    # ------------------------------------------------------------ commands

    def record_lot(self, product: Product, override_reason: str | None = None) -> list[Finding]:
        """A product used in this session (console/core/cartridge_gate.py)."""
        if self.access is None or self.session is None or self.store is None:
            raise RuntimeError("start a session first: lots are recorded with a session")
        patient = self.store.session(self.session)["patient_code"] or ""
        return self.cartridge.record(
            self.access, self.session, patient, product, date.today(), override_reason
        )

    # ------------------------------------------------------------ the plan's steps

    def override_start(self, confirmation: str) -> None:
        """Start allowed with required steps missing: confirmed, recorded and audited."""
        self._require(Action.OPERATE_PEN, "procedure")
        missing = [s.id for s in self.plan_run.procedure.missing_required()]
        self.plan_run.override_start(confirmation, self.user)
        self._record("procedure.start_override", "procedure", None, {"missing": missing})

    # ------------------------------------------------------------ sessions

    def too_soon(self, patient_code: str) -> TooSoon | None:
        """Ask before starting: the finding when the patient's last treatment is more
        recent than the plan's series allows (console/core/series.py is the one rule)."""
        if self.store is None:
            return None
        plan = self.zones.plan.name if self.zones.plan else None
        return too_soon(self.store, patient_code.strip(), datetime.now(UTC), plan)

    def new_patient_question(self, patient_code: str) -> str | None:
        """H-22: "P-1O is not a known patient. Add as new patient?" (None: known)."""
        return None if self.access is None else new_patient_question(self.access, patient_code)

    def add_new_patient(self, patient_code: str) -> None:
        if self.access is not None:
            add_new_patient(self.access, patient_code, date.today())

    def series_warning(self, patient_code: str) -> str | None:
        found = self.too_soon(patient_code)
        return None if found is None else found.words()

    def record_too_soon(self, finding: TooSoon, reason: str) -> None:
        """Keep the practitioner's reason with the session just started."""
        if self.access is not None and self.session is not None:
            record_too_soon(self.access, self.session, finding, reason)

    def start_session(self, patient_code: str, practitioner: str, plan: str | None = None) -> str:
        """Start recording; returns the session's uuid.

        Raises RuntimeError with no database, Refused when the user may not record,
        ValueError for an empty code or name, StoreError when the database refuses."""
        if self.recorder is None or self.access is None:
            raise RuntimeError("no database is open, so nothing can be recorded")
        if self.session is not None:
            raise RuntimeError("a session is already being recorded; end it first")
        plan = plan or (self.zones.plan.name if self.zones.plan else None)
        # The plan's first zone is in force before the session opens, so its very first
        # sample is attributed to it; the zone is then written into the opened record.
        self.zones.tracker.reset()  # a new session starts with no passes
        self.depth_note = ""  # and nothing said about the zone before it
        if self.zones.ceilings.clear_overrides():  # and no override from before it (H-05)
            self._notice("Ceiling overrides made outside a session were cleared.")
        self.cartridge.reset()  # and with the single-use gate open
        skin = self._skin_rule(patient_code)  # before the first zone's depth goes out
        self.zones.start()
        try:  # with accounts, the session's practitioner is the signed-in user
            self.session = start_session(
                self.access, self.recorder, patient_code, practitioner=practitioner, plan_name=plan
            )
        except BaseException:
            self.plan_run.skin = None  # refused: no patient's rule stays in force
            raise
        if self.live.latest.has(Status.CARTRIDGE_PRESENT):  # fitted before: its lot is asked
            self.cartridge.inserted()
        self.zones.record_zone()
        self.live.mark_session_start()
        if skin is not None:
            self._record_step(EventKind.SKIN_TYPE_DEPTH, skin)
            self._notice(skin["words"][:1].upper() + skin["words"][1:] + ".")
        held, self._held_steps = self._held_steps, []
        for kind, data in held:  # steps done before the session opened
            self._record_step(kind, data)
        for alarm in self.alarms.active():  # what was already sounding when it opened
            self._record_alarm(alarm)
        return self.session

    def _plan_chosen(self, plan: Plan | None) -> None:
        """A plan chosen mid-session is the session's plan: its report says so (review 4)."""
        if self.store is not None and self.session is not None:
            self.store.update_session(self.session, plan_name=plan.name if plan else None)

    def _skin_rule(self, patient_code: str) -> dict[str, Any] | None:
        """The clinic's skin type rule for this patient, put on the plan run; its record."""
        self.plan_run.skin = None
        skin, tampered = (
            checked_skin_type(self.store, patient_code) if self.store is not None else (None, None)
        )
        # a register row changed behind the console's back: the trail's skin type is used
        self.alarms.set_condition(
            Condition.PATIENT_NOT_IN_TRAIL, tampered is not None, tampered or ""
        )
        rule = load_skin_rule()
        if skin is None or not rule.applies(skin):
            return None
        self.plan_run.skin = (skin, rule)
        return {
            "skin_type": skin.value,
            "percent": rule.percent,
            "max_um": rule.max_um,
            "zone_max_um": rule.zone_max_um,
            "words": rule.words(skin),
        }

    def end_session(self) -> str | None:
        session = self.session
        if session is not None and self.zones.tracker.open_pass_has_work():
            self.zones.mark_pass(closed_at_end=True)  # closed, and flagged as no mark
        if self.recorder is not None and session is not None:
            self.recorder.end_session()
            self._record("session.end", f"session:{session}", None, None)
            for hook in self.after_session_end:
                hook(session)
        self.session = None
        self.zones.ceilings.clear_overrides()  # never carried to the next patient (H-05)
        self.zones.tracker.clear_counts()  # the idle screen shows no one's passes
        self.depth_note = ""  # a clamp said for that patient's zone is over
        self.live.end_session()
        if session is not None:  # the next patient starts gated again, with sound
            self.plan_run.reset()
            self._held_steps = []
            self.alarms.resume_audio()
        return session

    def _record_alarm(self, alarm: Alarm) -> None:
        if self.recorder is not None and self.session is not None:
            t_us = self.live.latest.t_us
            self.recorder.add_console_event(
                "alarm",
                {
                    "condition": alarm.condition.value,
                    "priority": alarm.priority.name.lower(),
                    "detail": alarm.detail,
                    "state": "raised" if alarm.active else "cleared",
                },
                t_us=t_us or None,
            )

    def _record_step(self, kind: EventKind, data: dict[str, Any]) -> None:
        """A procedure event into the record; held until a session opens."""
        if self.recorder is None:
            return
        if self.session is None:
            self._held_steps.append((kind, data))
            return
        t_us = self.live.latest.t_us or self.zones.tracker.last_t_us
        self.recorder.add_console_event(kind, data, t_us=t_us or None)

    def _notice(self, text: str) -> None:
        for notice in self.on_notice:
            notice(text)

    # ------------------------------------------------------------ display tick

    def tick(self) -> Drained:
        """What arrived since the last tick; the alarms brought up to date. Screen thread."""
        self._ceiling_alarms.apply(self.alarms)
        for trip in self.watchdog.take_trips():
            self.alarms.raise_(Condition.SCREEN_FROZE, trip.words())
            self.alarms.set(Condition.SCREEN_FROZE, False)  # past: latched until seen
        drained = self.live.drain()
        stats = self.link.stats if self.link else None
        discards = stats.discarded.get("total", 0) if stats else 0
        recording = self.session is not None
        self.monitor.update(drained, self.state, self.live.latest, discards, recording)
        running = self.live.latest.has(Status.MOTOR_RUNNING)
        if recording and any(e.code == EventCode.CARTRIDGE_INSERTED for e in drained.events):
            self.cartridge.inserted()  # its lot is asked for (the live window's prompt)
        pressed = any(
            e.code in (EventCode.BUTTON_SHORT, EventCode.BUTTON_LONG) and e.arg == Button.RUN_STOP
            for e in drained.events
        )
        self.hold_gate(running, pressed)
        self.plan_run.tick(self.alarms, running)
        return drained
