"""The pen commands of a treatment: depth and rate steps within the pen's range, the
active zone's ceiling and the plan's anaesthesia rule; a Stop that always stops (H-37);
a Start through the single-use gate and the plan's steps; and the gate held against the
pen's own run button (H-13): a motor the pen reports running while the gate is closed is
stopped, with the HIGH alarm saying why. `Treatment` has these through
`PenCommands`; the state they read (link, live model, plan run, zones, cartridge gate)
is the treatment's. Qt-free.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from console.core.access import Refused
from console.core.cartridge_gate import CartridgeGate
from console.core.live import LiveModel
from console.core.pen_steps import depth_target_um, rate_target_dhz
from console.core.plan_run import PlanRun, StartRefused
from console.core.procedure import missing_words
from console.core.roles import Action
from console.core.zone_session import ZoneSession
from drivers.link import CommandResult, Link, LinkClosed, LinkState
from drivers.messages import Info, Status

T = TypeVar("T")

MOTOR_FRESH_S = 0.5  # an older status cannot say the motor is stopped (H-37)
RUN_BUTTON_RECENT_S = 1.0  # a start this soon after the run button press was that press
GATE_STOP_REPEAT_S = 0.25  # a STOP the pen has not yet obeyed is sent again after this


def take_all(waiting: queue.SimpleQueue[T]) -> list[T]:
    """Everything queued so far, oldest first, without waiting (the screen's side)."""
    out: list[T] = []
    while True:
        try:
            out.append(waiting.get_nowait())
        except queue.Empty:
            return out


def failed(error: Exception) -> Future[CommandResult]:
    """A command that never left: its future already holds the reason."""
    future: Future[CommandResult] = Future()
    future.set_exception(error)
    return future


class PenCommands:
    """The treatment's commands to the pen (mixed into `Treatment`)."""

    link: Link | None
    live: LiveModel
    plan_run: PlanRun
    zones: ZoneSession
    cartridge: CartridgeGate
    depth_note: str
    _start_in_flight: bool
    _gate_stop_s: float = float("-inf")  # when the gate last stopped the pen
    _run_button_s: float = float("-inf")  # when the pen last reported its run/stop button

    @property
    def info(self) -> Info | None:
        raise NotImplementedError  # the treatment's: the connected pen's INFO

    def _require(self, action: Action, obj: str) -> None:
        raise NotImplementedError  # the treatment's access check

    def _notice(self, text: str) -> None:
        raise NotImplementedError  # the treatment's notice line

    def _command(
        self, send: Callable[[Link, Info], Future[CommandResult]]
    ) -> Future[CommandResult]:
        """`send` on a streaming link with the pen's ranges, when the user may operate the
        pen; else a future holding why not."""
        link, info = self.link, self.info
        if link is None:
            return failed(LinkClosed("no pen is connected: connect one first"))
        if info is None or link.state is not LinkState.STREAMING:
            return failed(LinkClosed(f"the pen link is {link.state}; wait until it is connected"))
        try:
            self._require(Action.OPERATE_PEN, "pen")
        except Refused as refused:
            return failed(refused)
        return send(link, info)

    def step_depth(self, steps: int) -> Future[CommandResult]:
        """Move the set depth by whole steps of the pen's own size (from INFO), never up
        past the active zone's ceiling: a press that would is clamped, and said so."""
        depth_um, self.depth_note = self.live.latest.depth_set_um, ""
        return self._command(
            lambda link, info: link.set_depth(self.depth_step_target(depth_um, steps, info))
        )

    def depth_step_target(self, depth_um: int, steps: int, info: Info) -> int:
        """The depth a step asks for: the pen's range, then the active zone's ceiling."""
        target = depth_target_um(depth_um, steps, info)
        cap = self.plan_run.depth_cap_um()  # deeper needs the anaesthetic steps done
        if cap is not None and target > cap and steps > 0:
            target = max(cap - cap % info.depth_step_um, info.depth_min_um)
            missing = missing_words(self.plan_run.procedure.missing_for_depth())
            self.depth_note = f"Depth held at {cap / 1000:.2f} mm until done: {missing}."
        ceiling = self.zones.ceilings.ceiling_um()
        if ceiling is not None and target > ceiling and steps > 0:
            zone = self.zones.tracker.active
            label = self.zones.map.zone(zone).label.lower() if zone else "zone"
            target = max(ceiling - ceiling % info.depth_step_um, info.depth_min_um)
            self.depth_note = f"Depth clamped to the {label} ceiling, {ceiling / 1000:.2f} mm."
        if self.depth_note:
            self._notice(self.depth_note)
        return target

    def step_rate(self, steps: int) -> Future[CommandResult]:
        rate_dhz = self.live.latest.rate_dhz
        return self._command(
            lambda link, info: link.set_rate(rate_target_dhz(rate_dhz, steps, info))
        )

    def motor_may_be_running(self, now: float | None = None) -> bool:
        """Whether the pen may be needling, as far as the console can know (H-37).

        The safe rule: yes when the newest status says the motor runs, OR that status is
        older than MOTOR_FRESH_S (or there is none: a stall, a lost link, a pen started
        from its own button a moment ago), OR a START was sent and not yet seen running
        nor answered with a refusal. Only a fresh status saying "stopped" with no start
        in flight means stopped. Wrongly "may be running" costs one press (a STOP the pen
        did not need); wrongly "stopped" would turn Stop into START."""
        latest = self.live.latest
        now = time.monotonic() if now is None else now
        if latest.has(Status.MOTOR_RUNNING):
            self._start_in_flight = False  # confirmed: from here the status decides
            return True
        fresh = latest.rx_monotonic > 0 and now - latest.rx_monotonic <= MOTOR_FRESH_S
        return not fresh or self._start_in_flight

    def toggle_motor(self) -> Future[CommandResult]:
        """F5: STOP whenever the pen may be running (`motor_may_be_running`), else Start."""
        return self.stop_motor() if self.motor_may_be_running() else self.start_motor()

    def stop_motor(self) -> Future[CommandResult]:
        """Always motor off, whatever the screen last saw: no gate, plan or permission can
        refuse a stop; only a missing link can."""
        self._start_in_flight = False
        link = self.link
        if link is None:
            return failed(LinkClosed("no pen is connected: connect one first"))
        try:
            return link.motor(False)
        except Exception as error:  # a closing link: said, never raised at the screen
            return failed(error)

    def start_motor(self) -> Future[CommandResult]:
        """Motor on, through the single-use gate and the plan's steps."""
        blocked = self.cartridge.blocking()
        if blocked is not None:  # single use: no needling
            return failed(Refused(blocked, Action.OPERATE_PEN))
        refusal = self.plan_run.start_refusal()
        if refusal is not None:  # Start before the required steps: refused, with why
            return failed(StartRefused(refusal))
        self._start_in_flight = True  # until seen running; a refusal clears it at once
        future = self._command(lambda link, _: link.motor(True))
        future.add_done_callback(self._start_answered)
        return future

    def _start_answered(self, future: Future[CommandResult]) -> None:
        """A refused or failed START leaves nothing in flight (link thread; one bool)."""
        if future.cancelled() or future.exception() is not None or not future.result().ok:
            self._start_in_flight = False

    def hold_gate(self, motor_running: bool, pressed: bool, now: float | None = None) -> bool:
        """While the single-use gate is closed, a running motor (the pen's own run button,
        which the console cannot refuse) is stopped and the HIGH alarm says why. Called on
        each tick; True when a STOP was sent now."""
        why = self.cartridge.blocking()
        now = time.monotonic() if now is None else now
        if pressed:  # the event may come a tick before the status that says "running"
            self._run_button_s = now
        if not motor_running:  # seen stopped: the next start is stopped at once
            self._gate_stop_s = float("-inf")
            return False
        if why is None or now - self._gate_stop_s < GATE_STOP_REPEAT_S:
            return False
        self._gate_stop_s = now
        self.stop_motor()
        by_button = now - self._run_button_s <= RUN_BUTTON_RECENT_S
        how = "the pen's own run/stop button started it" if by_button else "it was running"
        self.cartridge.stopped_pen(f"{how}, and {why}")
        return True

    def clear_fault(self) -> Future[CommandResult]:
        return self._command(lambda link, _: link.clear_fault())
