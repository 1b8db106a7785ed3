"""Depth ceilings per zone: sent to the pen on every zone change, and never silent.

When a zone becomes active the pen gets SET_DEPTH_LIMIT with that zone's maximum at once
(from whichever thread changed the zone; the link's command API is thread-safe), and the
ceiling the pen says is in effect is kept for display. A DEPTH_CLAMPED event from the pen,
or any measured depth above the ceiling plus one depth step, raises the high alarm
"depth above the active zone's ceiling". An override needs an explicit confirmation that
names the zone and the new ceiling, applies to this session only, and is recorded.

With no zone active (H-04) the strictest ceiling of the map is in force: it is sent to the
pen and measured depth is checked against it, so needling before a zone is touched is
never unbounded. When the pen does not confirm a SET_DEPTH_LIMIT (H-06: refused, no ACK
after the link's resends, or an ACK naming another value) an alarm says so and what to
do; it is high when the limit the pen may be using is above the ceiling (or unknown).
Qt-free.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from console.core.passes import PRP_PASS_BASE, PassTracker, is_prp_pass
from drivers.link import CommandResult, Link, LinkClosed
from drivers.messages import Event, EventCode, Status, TelemetryBatch

CLAMP_ALARM_S = 5.0  # a clamp keeps the alarm up this long after the last one
AlarmHook = Callable[[bool, str], None]  # (active, detail)
# (active, high, detail): the pen has not confirmed the ceiling (H-06)
UnconfirmedHook = Callable[[bool, bool, str], None]
EventHook = Callable[[str, dict[str, object]], None]  # (kind, data) for the session record


@dataclass(frozen=True, slots=True)
class Override:
    zone: str
    ceiling_um: int
    confirmation: str


@dataclass(frozen=True, slots=True)
class ZoneStatus:
    """What the zone panel shows: where we are, the ceiling in force, the plan's progress."""

    active: str | None
    active_label: str
    pass_no: int
    target: int
    ceiling_um: int
    pen_ceiling_um: int | None  # what the pen's ACK said is in effect
    overridden: bool
    has_plan: bool
    done: int
    planned: int
    next_label: str | None
    todo: tuple[str, ...]  # labels of zones with passes still to do
    can_undo: bool
    pass_word: str = ""  # "pass 2 of 2" or "PRP pass 1 of 1" (issue 11)
    over_target: bool = False


def confirmation_text(zone_label: str, ceiling_um: int) -> str:
    """The exact words the operator confirms; they name the zone and the new ceiling."""
    return f"Raise the {zone_label} ceiling to {ceiling_um / 1000:.2f} mm for this session"


class CeilingController:
    def __init__(
        self,
        tracker: PassTracker,
        link: Link | None,
        *,
        on_alarm: AlarmHook | None = None,
        on_event: EventHook | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tracker = tracker
        self.link = link
        self.on_alarm = on_alarm or (lambda active, detail: None)
        self.record_event = on_event or (lambda kind, data: None)
        self._clock = clock
        self._lock = threading.Lock()
        self.overrides: dict[str, Override] = {}
        self.requested_um: int | None = None
        self.in_effect_um: int | None = None  # what the pen's ACK said
        self.step_um = 50
        self._last_clamp: float | None = None
        self._over_meas = False
        self.alarm_active = False
        self.detail = ""
        self.on_unconfirmed: UnconfirmedHook = lambda active, high, detail: None
        self.unconfirmed = ""  # the detail while the pen has not confirmed the ceiling
        tracker.on_zone.append(self._on_zone)

    # ------------------------------------------------------------ ceilings

    def ceiling_um(self, zone: str | None = None) -> int | None:
        """The zone's ceiling; with no zone active, the strictest of the map (H-04)."""
        zone = zone or self.tracker.active
        if zone is None:
            return self.no_zone_ceiling_um()
        if zone in self.overrides:
            return self.overrides[zone].ceiling_um
        return self.tracker.map.zone(zone).depth_max_um

    def no_zone_ceiling_um(self) -> int | None:
        """Until a zone is chosen the pen may be over any of them: the map's strictest
        default ceiling (overrides are for a named zone, so they never raise it)."""
        ceilings = [z.depth_max_um for z in self.tracker.map.zones]
        return min(ceilings) if ceilings else None

    def _where(self) -> str:
        zone = self.tracker.active
        return zone if zone is not None else "no zone (the strictest ceiling applies)"

    def set_link(self, link: Link | None) -> None:
        self.link = link
        if link is not None and link.info is not None:
            self.step_um = link.info.depth_step_um
        self.send()

    def send(self) -> Future[CommandResult] | None:
        ceiling = self.ceiling_um()
        link = self.link
        if ceiling is None or link is None:
            return None
        self.requested_um = ceiling
        future = link.set_depth_limit(ceiling)
        future.add_done_callback(lambda f: self._on_ack(f, ceiling))
        return future

    def _on_ack(self, future: Future[CommandResult], asked: int) -> None:
        """Runs on the link's thread. Anything but an ACK at the value asked for is said
        (H-06); a later confirmation clears it. An answer to a request since replaced by
        another (a quick zone change) only updates what the pen says is in effect."""
        exc = future.exception()
        result = future.result() if exc is None else None
        if result is not None and result.ok:
            self.in_effect_um = result.value
        if asked != self.requested_um or isinstance(exc, LinkClosed):
            return  # a lost link has its own alarm, and the ceiling is resent on reconnect
        if result is not None and result.ok and result.value == asked:
            if self.unconfirmed:
                self.unconfirmed = ""
                self.on_unconfirmed(False, False, "")
            return
        if result is not None and result.ok:
            why = f"it answered {result.value / 1000:.2f} mm"
        elif result is not None:
            why = f"it refused ({getattr(result.result, 'name', result.result)})"
        else:
            why = f"it did not answer ({exc})"
        effect = self.in_effect_um
        high = effect is None or effect > asked
        self.unconfirmed = (
            f"the pen did not confirm the {asked / 1000:.2f} mm ceiling for {self._where()}: "
            f"{why}. Stop needling, check the pen's connection, and choose the zone again "
            "to resend it."
        )
        self.record_event("ceiling_unconfirmed", {"requested_um": asked, "why": why})
        self.on_unconfirmed(True, high, self.unconfirmed)

    def _on_zone(self, zone: str, how: str) -> None:
        self.in_effect_um = None
        self.send()
        self.record_zone(zone, how)

    def record_zone(self, zone: str, how: str) -> None:
        """The session record's zone_change event, with the ceiling now in force."""
        self.record_event(
            "zone_change", {"zone": zone, "how": how, "ceiling_um": self.ceiling_um(zone)}
        )

    def override(self, zone: str, ceiling_um: int, confirmation: str) -> Override:
        label = self.tracker.map.zone(zone).label
        expected = confirmation_text(label, ceiling_um)
        if confirmation != expected:
            raise ValueError(f"not confirmed: the confirmation must read “{expected}”")
        o = Override(zone, ceiling_um, confirmation)
        self.overrides[zone] = o
        self.record_event(
            "ceiling_override",
            {
                "zone": zone,
                "ceiling_um": ceiling_um,
                "default_um": self.tracker.map.zone(zone).depth_max_um,
            },
        )
        if zone == self.tracker.active:
            self.send()
        return o

    def clear_overrides(self) -> list[str]:
        """Drop every override (H-05: an override is for one patient's session) and give
        the pen the active zone's default ceiling again if it had an override. Returns the
        zones that had one."""
        cleared = list(self.overrides)
        self.overrides.clear()
        if self.tracker.active in cleared:
            self.in_effect_um = None
            self.send()
        return cleared

    def status(self) -> ZoneStatus:
        t = self.tracker
        active = t.active
        done, planned = t.progress() if t.plan is not None else (0, 0)
        nxt = t.next_zone() if t.plan is not None else None
        return ZoneStatus(
            active=active,
            active_label=t.map.zone(active).label if active is not None else "",
            pass_no=t.current_pass() if active is not None else 0,
            target=t.target(active) if active is not None else 0,
            ceiling_um=self.ceiling_um() or 0,
            pen_ceiling_um=self.in_effect_um,
            overridden=active is not None and active in self.overrides,
            has_plan=t.plan is not None,
            done=done,
            planned=planned,
            next_label=t.map.zone(nxt).label if nxt else None,
            todo=tuple(t.map.zone(z).label for z in t.remaining()) if t.plan else (),
            can_undo=bool(t.done),
            **_pass_words(t),
        )

    # ------------------------------------------------------------ watching the pen

    def pen_event(self, event: Event) -> None:
        if event.code == EventCode.DEPTH_CLAMPED:
            self._last_clamp = self._clock()
            self.detail = (
                f"the pen refused {event.arg / 1000:.2f} mm in {self._where()}: the ceiling is "
                f"{(self.ceiling_um() or 0) / 1000:.2f} mm"
            )
            self._update()

    def telemetry(self, batch: TelemetryBatch) -> None:
        ceiling = self.ceiling_um()
        if ceiling is None or not len(batch):
            return
        running = (batch.status & Status.MOTOR_RUNNING) != 0
        meas = batch.depth_meas_um[running]
        over = bool(meas.size) and int(meas.max()) > ceiling + self.step_um
        if over:
            self.detail = (
                f"measured {int(np.max(meas)) / 1000:.2f} mm in {self._where()}: the "
                f"ceiling is {ceiling / 1000:.2f} mm"
            )
        if over != self._over_meas:
            self._over_meas = over
        self._update()

    def _update(self) -> None:
        recent_clamp = (
            self._last_clamp is not None and self._clock() - self._last_clamp < CLAMP_ALARM_S
        )
        active = self._over_meas or recent_clamp
        if active != self.alarm_active:
            self.alarm_active = active
            self.on_alarm(active, self.detail)


def _pass_words(t: PassTracker) -> dict[str, Any]:
    """The pass in progress in words, PRP passes apart from the dry ones."""
    zone = t.active
    if zone is None:
        return {}
    number = t.current_pass()
    if is_prp_pass(number):
        n, target = number - PRP_PASS_BASE, t.prp_target(zone)
        return {"pass_word": f"PRP pass {n} of {target}", "over_target": n > target}
    target = t.target(zone)
    if t.prp_target(zone) and number > target and not t.prp_ready():
        return {  # dry passes done; PRP passes are counted once PRP is spread
            "pass_word": f"{target} of {target} done · PRP after the spread",
            "over_target": t.passes_done(zone) > target,
        }
    return {"pass_word": f"pass {number} of {target}", "over_target": number > target}
