"""The live screen's adapter around one Treatment: a display timer, and Qt signals.

Every rule lives in the Qt-free `console.core.treatment.Treatment`. This class only turns
its futures and ticks into signals. A command answer that completes on the link's thread
is put on a plain queue (the link thread holds no Qt object, not even a bound method) and
signalled on the next display tick.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import Future

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.aftercare import AftercareSheet, aftercare_sheet
from console.core.alarms import AlarmModel
from console.core.consent import ConsentForm
from console.core.continuity import SessionClock
from console.core.live import Drained, LiveModel
from console.core.pen_commands import take_all
from console.core.pen_strip import strip_words
from console.core.plan_steps import StepRow
from console.core.procedure import StepError
from console.core.record_steps import AftercareHow
from console.core.roles import User
from console.core.series import TooSoon
from console.core.treatment import Treatment
from console.core.zone_session import ZoneSession
from console.store import Store
from drivers.link import CommandResult, Link, LinkState
from drivers.messages import Info

DISPLAY_HZ = 60


class PenController(QObject):
    command_answered = Signal(str, object)  # command name, CommandResult | Exception
    frame = Signal(object)  # Drained, after each display tick
    link_replaced = Signal()
    notice = Signal(str)  # one sentence for the status line (e.g. why a press was clamped)
    depth_note = Signal(str)  # why a depth press went less far, shown beside its ACK

    def __init__(self, store: Store | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.treatment = Treatment(store)
        # The treatment is reachable from worker threads, so it holds only a queue's put,
        # never this object's signal (style.md); notices are signalled on the next tick.
        self._notices: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.treatment.on_notice.append(self._notices.put)
        self._answers: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / DISPLAY_HZ))
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._strip_patient: tuple[str | None, str] = (None, "")  # (session, its code)

    # The models the widgets are handed.

    @property
    def store(self) -> Store | None:
        return self.treatment.store

    @property
    def live(self) -> LiveModel:
        return self.treatment.live

    @property
    def alarms(self) -> AlarmModel:
        return self.treatment.alarms

    @property
    def clock(self) -> SessionClock:
        return self.treatment.clock

    @property
    def zones(self) -> ZoneSession:
        return self.treatment.zones

    @property
    def link(self) -> Link | None:
        return self.treatment.link

    @property
    def state(self) -> LinkState:
        return self.treatment.state

    @property
    def info(self) -> Info | None:
        return self.treatment.info

    @property
    def simulated(self) -> bool:
        return self.treatment.simulated

    @property
    def session(self) -> str | None:
        return self.treatment.session

    @property
    def user(self) -> str | None:
        return self.treatment.user

    @property
    def demo(self) -> bool:
        """A database with no accounts (or none at all): codes are free text."""
        access = self.treatment.access
        return access is None or access.demo

    def sign_in(self, user: User | None) -> None:
        self.treatment.sign_in(user)

    def acknowledge_alarms(self) -> None:
        self.treatment.acknowledge_alarms()

    # ------------------------------------------------------------ connection

    def connect_to(self, url: str) -> None:
        self.treatment.connect_to(url)
        self.link_replaced.emit()

    def disconnect_pen(self) -> None:
        if self.treatment.detach() is not None:
            self.link_replaced.emit()

    def close(self) -> None:
        self.timer.stop()
        self.treatment.watchdog.disarm()
        self.treatment.close()

    # ------------------------------------------------------------ commands

    def _send(self, name: str, future: Future[CommandResult]) -> None:
        if future.done():  # refused before it left (no pen): say so at once
            self.command_answered.emit(name, _outcome(future))
            return
        # Never wait on the future here: the answer comes back on a display tick.
        answers = self._answers
        future.add_done_callback(lambda f: answers.put((name, _outcome(f))))

    def step_depth(self, steps: int) -> None:
        future = self.treatment.step_depth(steps)
        self.depth_note.emit(self.treatment.depth_note)  # "" after a press not clamped
        self._send("set_depth", future)

    def step_rate(self, steps: int) -> None:
        self._send("set_rate", self.treatment.step_rate(steps))

    def toggle_motor(self) -> None:
        self._send("motor", self.treatment.toggle_motor())

    def clear_fault(self) -> None:
        self._send("clear_fault", self.treatment.clear_fault())

    def stop_pen(self) -> None:
        """STOP only, never a Start: the locked and signed-out screens' F5 and button."""
        self._send("motor", self.treatment.stop_motor())

    def locked_strip(self) -> str:
        """The locked screen's read-only line (console/core/pen_strip.py)."""
        session = self.session
        if session is not None and self._strip_patient[0] != session:
            self._strip_patient = (session, self.patient_code())  # one query per session
        code = None if session is None else self._strip_patient[1]
        return strip_words(code, self.state, self.live.latest, time.monotonic())

    # ------------------------------------------------------------ sessions

    def series_warning(self, patient_code: str) -> str | None:
        return self.treatment.series_warning(patient_code)

    def known_patients(self) -> list[str]:
        """Patient codes for the start screen's completer (codes only: no names)."""
        store = self.treatment.store
        return [] if store is None else [p.code for p in store.patients.all()]

    def new_patient_question(self, patient_code: str) -> str | None:
        return self.treatment.new_patient_question(patient_code)

    def add_new_patient(self, patient_code: str) -> None:
        self.treatment.add_new_patient(patient_code)

    def too_soon(self, patient_code: str) -> TooSoon | None:
        return self.treatment.too_soon(patient_code)

    def record_too_soon(self, finding: TooSoon, reason: str) -> None:
        self.treatment.record_too_soon(finding, reason)

    def start_session(self, patient_code: str, practitioner: str, plan: str | None = None) -> str:
        return self.treatment.start_session(patient_code, practitioner, plan)

    def end_session(self) -> None:
        self.treatment.end_session()

    # ------------------------------------------------------------ the plan's steps

    def step_rows(self) -> list[StepRow]:
        self.treatment.plan_run.sync_plan()
        return self.treatment.plan_run.procedure.rows()

    def mark_step(self, step: str, lot: str | None = None) -> None:
        self.treatment.mark_step(step, lot)

    def undo_step(self, step: str) -> None:
        self.treatment.undo_step(step)

    def consent_form(self) -> ConsentForm:
        return self.treatment.consent_form()

    def complete_consent(self, form: ConsentForm, signature_png: bytes) -> None:
        self.treatment.complete_consent(form, signature_png)

    def give_aftercare(self, how: AftercareHow, detail: str) -> None:
        self.treatment.give_aftercare(how, detail)

    def aftercare_sheet(self) -> AftercareSheet:
        """The sheet of the open session (StepError without one)."""
        self.treatment.check_aftercare()  # a session, and consent before aftercare
        store, session = self.treatment.store, self.treatment.session
        if store is None or session is None:
            raise StepError("start the session first: the aftercare sheet is the patient's")
        return aftercare_sheet(store, session)

    def patient_code(self) -> str:
        store, session = self.treatment.store, self.treatment.session
        if store is None or session is None:
            return ""
        return str(store.session(session)["patient_code"] or "")

    def step_question(self, step: str) -> str | None:
        """What to ask before marking `step` (the anaesthetic dwell cut short), if anything."""
        return self.treatment.plan_run.procedure.early_question(step)

    def skin_words(self) -> str:
        """ "Depth lowered for skin type V: …" while the clinic's rule lowers this session."""
        skin = self.treatment.plan_run.skin
        words = "" if skin is None else skin[1].words(skin[0])
        return words[:1].upper() + words[1:]

    def presets(self) -> list[tuple[str, str]]:
        """(id, label) of the plan's depth presets."""
        plan = self.treatment.zones.plan
        return [(p.id, p.label) for p in plan.presets] if plan is not None else []

    def select_preset(self, preset_id: str | None) -> None:
        self.treatment.plan_run.select_preset(preset_id)

    def override_words(self) -> str | None:
        return self.treatment.plan_run.override_confirmation()

    def override_start(self, confirmation: str) -> None:
        """Confirmed by the operator: recorded, then Start is sent."""
        self.treatment.override_start(confirmation)
        self._send("motor", self.treatment.start_motor())  # a Start, never the toggle

    # ------------------------------------------------------------ display tick

    def tick(self) -> Drained:
        self.treatment.watchdog.feed()  # the GUI runs: the pen may go on needling (H-02)
        for name, outcome in take_all(self._answers):
            self.command_answered.emit(name, outcome)
        while not self._notices.empty():
            self.notice.emit(self._notices.get_nowait())
        drained = self.treatment.tick()
        self.frame.emit(drained)
        return drained


def _outcome(future: Future[CommandResult]) -> object:
    error = future.exception()
    return error if error is not None else future.result()
