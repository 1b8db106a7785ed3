"""The live screen's controller: one pen link, its models, the recorder and the alarms.

The only Qt here is plumbing: a display timer, and signals that carry command answers
from the link thread back to the GUI thread. Rules live in the Qt-free models it holds
(LiveModel, AlarmModel, LinkMonitor, Recorder).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.alarms import Alarm, AlarmModel, Condition
from console.core.audit import AuditLog
from console.core.clinic_ceilings import effective_map
from console.core.live import Drained, LiveModel
from console.core.monitor import LinkMonitor
from console.core.recorder import Recorder
from console.core.zone_session import ZoneSession
from console.core.zones import available_maps
from console.store import Store
from drivers.link import CommandResult, Link, LinkClosed, LinkState, StateChange
from drivers.messages import Info, Status

log = logging.getLogger(__name__)

DISPLAY_HZ = 60
RATE_STEP_DHZ = 50  # 5 Hz: the pen reports no rate step of its own


class PenController(QObject):
    command_answered = Signal(str, object)  # command name, CommandResult | Exception
    frame = Signal(object)  # Drained, after each display tick
    link_replaced = Signal()
    zone_alarm = Signal(bool, str)  # the ceiling alarm, hopped from the link thread
    zone_mark = Signal(str, str)  # ("zone" | "pass", label) for the plot's markers

    def __init__(self, store: Store | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.live = LiveModel()
        self.alarms = AlarmModel()
        self.monitor = LinkMonitor(self.alarms)
        self.recorder = Recorder(store) if store is not None else None
        if self.recorder is not None:
            self.recorder.add_listener(self.live)
        self.link: Link | None = None
        self.session: str | None = None
        self.user: str | None = None  # who signed in, for the audit trail
        face = effective_map(store, available_maps()["face"])  # with the clinic's ceilings
        self.zones = ZoneSession(face, None, None, record_alarms=False)
        if self.recorder is not None:
            self.recorder.annotator = self.zones.tracker
        self.zones.alarm_hooks.append(self.zone_alarm.emit)
        self.zones.audit = self._audit_zones
        self.zones.tracker.on_zone.append(
            lambda zone, how: self.zone_mark.emit("zone", self.zones.map.zone(zone).label)
        )
        self.zones.tracker.on_pass.append(
            lambda rec, undone: self.zone_mark.emit(
                "pass", f"{'undo ' if undone else ''}{rec.zone} pass {rec.pass_no}"
            )
        )
        self.zone_alarm.connect(self._on_zone_alarm)
        self.zone_mark.connect(self.live.add_marker)
        self.alarms.on_raised.append(self._record_alarm)
        self.alarms.on_cleared.append(self._record_alarm)
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / DISPLAY_HZ))
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    # ------------------------------------------------------------ connection

    @property
    def state(self) -> LinkState:
        return self.link.state if self.link else LinkState.DISCONNECTED

    @property
    def info(self) -> Info | None:
        return self.link.info if self.link else None

    @property
    def simulated(self) -> bool:
        return self.link is not None and self.link.url.startswith("virtual://")

    def connect_to(self, url: str) -> None:
        self.disconnect()
        self.link = Link(url)
        self.link.subscribe(self.live)
        if self.recorder is not None:
            self.link.subscribe(self.recorder)
        self.zones.attach(self.link, self.recorder)
        self.link.start()
        self.link_replaced.emit()

    def disconnect(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.close()
            # The closed link no longer publishes: tell the screen it is gone on purpose.
            self.live.on_state(
                StateChange(LinkState.DISCONNECTED, link.state, f"disconnected from {link.name}", 0)
            )
            self.link_replaced.emit()

    def close(self) -> None:
        self.timer.stop()
        if self.session is not None:
            self.end_session()
        self.disconnect()
        if self.recorder is not None:
            self.recorder.close()

    # ------------------------------------------------------------ commands

    def _send(self, name: str, future: Future[CommandResult]) -> None:
        # Never wait on the future here: the answer comes back as a queued signal.
        future.add_done_callback(lambda f: self.command_answered.emit(name, _outcome(f)))

    def _ready(self, name: str) -> tuple[Link, Info] | None:
        """The link and the pen's ranges, or None after telling the screen why not."""
        link, info = self.link, self.info
        if link is None or info is None or link.state is not LinkState.STREAMING:
            why = (
                "no pen is connected: connect one first"
                if link is None
                else (f"the pen link is {link.state}; wait until it is connected")
            )
            self.command_answered.emit(name, LinkClosed(why))
            return None
        return link, info

    def step_depth(self, steps: int) -> None:
        """Move the set depth by whole steps of the pen's own size (from INFO)."""
        ready = self._ready("set_depth")
        if ready is None:
            return
        link, info = ready
        target = self.live.latest.depth_set_um + steps * info.depth_step_um
        target = min(max(target, info.depth_min_um), info.depth_max_um)
        self._send("set_depth", link.set_depth(target))

    def step_rate(self, steps: int) -> None:
        ready = self._ready("set_rate")
        if ready is None:
            return
        link, info = ready
        current = self.live.latest.rate_dhz or info.rate_min_dhz
        target = min(max(current + steps * RATE_STEP_DHZ, info.rate_min_dhz), info.rate_max_dhz)
        self._send("set_rate", link.set_rate(target))

    def toggle_motor(self) -> None:
        ready = self._ready("motor")
        if ready is not None:
            running = self.live.latest.has(Status.MOTOR_RUNNING)
            self._send("motor", ready[0].motor(not running))

    def clear_fault(self) -> None:
        ready = self._ready("clear_fault")
        if ready is not None:
            self._send("clear_fault", ready[0].clear_fault())

    # ------------------------------------------------------------ sessions

    def start_session(self, patient_code: str, practitioner: str, plan: str | None = None) -> str:
        if self.recorder is None:
            raise RuntimeError("no database is open, so nothing can be recorded")
        plan = plan or (self.zones.plan.name if self.zones.plan else None)
        self.session = self.recorder.start_session(patient_code, practitioner, plan_name=plan)
        self.zones.tracker.reset()  # a new session starts with no passes
        self.zones.start()
        self.live.mark_session_start()
        self._audit(practitioner, "session.start", {"patient": patient_code, "plan": plan})
        return self.session

    def end_session(self) -> None:
        if self.recorder is not None and self.session is not None:
            self.recorder.end_session()
            self._audit(self.user or "console", "session.end", None)
        self.session = None

    def series_warning(self, patient_code: str) -> str | None:
        """A warning when this patient's previous session is under four weeks old."""
        if self.store is None:
            return None
        from datetime import UTC, datetime

        from console.core.review import patient_series

        earlier = [
            s for s in patient_series(self.store, patient_code.strip()) if s["uuid"] != self.session
        ]
        if not earlier:
            return None
        days = (datetime.now(UTC) - datetime.fromisoformat(earlier[-1]["started_utc"])).days
        if days >= 28:
            return None
        return (
            f"Recording. Note: {patient_code} was last treated {days} days ago; "
            "treatments are usually 6–8 weeks apart."
        )

    def _audit_zones(self, action: str, obj: str, old: object, new: object) -> None:
        if self.store is not None:
            where = f"{obj} session:{self.session}" if self.session else obj
            AuditLog(self.store).append(self.user or "console", action, where, old, new)

    def _audit(self, user: str, action: str, new: object) -> None:
        if self.store is not None and self.session is not None:
            AuditLog(self.store).append(user, action, f"session:{self.session}", None, new)

    def _on_zone_alarm(self, active: bool, detail: str) -> None:
        self.alarms.set_condition(Condition.DEPTH_ABOVE_CEILING, active, detail)

    def _record_alarm(self, alarm: Alarm) -> None:
        if self.recorder is not None and self.session is not None:
            self.recorder.add_console_event(
                "alarm",
                {
                    "condition": alarm.condition.value,
                    "priority": alarm.priority.name.lower(),
                    "detail": alarm.detail,
                    "state": "raised" if alarm.active else "cleared",
                },
                t_us=self.live.latest.t_us or None,
            )

    # ------------------------------------------------------------ display tick

    def tick(self) -> Drained:
        drained = self.live.drain()
        stats = self.link.stats if self.link else None
        discards = stats.discarded.get("total", 0) if stats else 0
        self.monitor.update(drained, self.state, self.live.latest, discards)
        self.frame.emit(drained)
        return drained


def _outcome(future: Future[CommandResult]) -> object:
    error = future.exception()
    return error if error is not None else future.result()
