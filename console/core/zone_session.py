"""One treatment's zone work, wired to a link and a recorder: the same in the GUI and in
`pen-console record --plan`.

It owns the PassTracker (zones, passes, sample attribution) and the CeilingController
(SET_DEPTH_LIMIT on every zone change, the ceiling alarm), subscribes them to the link
in stream order, and sends passes, zone changes and overrides to the session record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from console.core.access import Access
from console.core.ceilings import CeilingController, Override, ZoneStatus
from console.core.passes import PassRecord, PassTracker
from console.core.recorder import Recorder
from console.core.roles import Action
from console.core.zones import Plan, ZoneMap, available_maps, available_plans, find_plan
from drivers.link import Link, LinkState, StateChange
from drivers.messages import Event, Info, TelemetryBatch


class ZoneSession:
    def __init__(
        self, zone_map: ZoneMap, plan: Plan | None, link: Link | None, record_alarms: bool = True
    ) -> None:
        self.record_alarms = record_alarms  # the GUI's alarm model records them itself
        self.map = zone_map
        self.plan = plan
        self.tracker = PassTracker(zone_map, plan)
        self.ceilings = CeilingController(self.tracker, link, on_event=self._event)
        self.link = link
        self.recorder: Recorder | None = None
        self.alarm_hooks: list[Callable[[bool, str], None]] = []
        self.on_plan: list[Callable[[Plan | None], None]] = []  # after a plan is chosen
        self.ceilings.on_alarm = self._alarm
        self.tracker.on_pass.append(self._on_pass)
        self._annotate_here = True
        # The signed-in user's door: choosing or editing a plan (EDIT_PLAN) and overriding
        # a ceiling (OVERRIDE_CEILING) are checked and audited through it. None in tests
        # and benchmarks that have no store.
        self.access: Access | None = None
        # (user-facing action, object, old, new) -> the audit trail, when `access` is None
        self.audit: Callable[[str, str, object, object], None] = lambda *a: None

    # ------------------------------------------------------------ wiring

    def attach(self, link: Link, recorder: Recorder | None, source: Any = None) -> None:
        """Subscribe to `link` (or to `source`, a relay of it such as the session clock);
        with a recorder, samples are attributed as it stores them."""
        self.link = link
        self.ceilings.link = link
        self.recorder = recorder
        if link.state is LinkState.STREAMING:
            self.ceilings.send()  # already streaming: no state change will send it (H-04)
        self._annotate_here = recorder is None or recorder.annotator is not self.tracker
        (source if source is not None else link).subscribe(self)

    def start(self, session: str | None = None) -> None:
        self.tracker.start()

    def record_zone(self) -> None:
        """Record the zone already in force, for a session opened after it was chosen."""
        active = self.tracker.active
        if active is not None:
            self.ceilings.record_zone(active, "start")

    def use_plan(self, plan: Plan | None, edited: bool = False) -> None:
        """Switch plan (or none) and start over at its first zone; passes are kept.
        Raises Refused (a PermissionError) when the signed-in user may not."""
        if self.access is not None:
            self.access.require(Action.EDIT_PLAN, f"plan:{plan.id if plan else 'none'}")
        old = self.plan
        if edited and old is not None and plan is not None:
            self._audit(
                "plan.edit",
                f"plan:{plan.id}",
                [(s.zone, s.passes) for s in old.steps],
                [(s.zone, s.passes) for s in plan.steps],
            )
        self.plan = plan
        self.tracker.plan = plan
        self.tracker.start()
        for hook in self.on_plan:
            hook(plan)

    # ------------------------------------------------------------ the zone panel's actions

    def status(self) -> ZoneStatus:
        return self.ceilings.status()

    def mark_pass(self, *, closed_at_end: bool = False) -> None:
        self.tracker.mark_pass(self.tracker.last_t_us, closed_at_end=closed_at_end)

    def undo_pass(self) -> None:
        self.tracker.undo()

    def next_zone(self) -> None:
        self.tracker.advance(how="touch")

    def override_ceiling(self, zone: str, ceiling_um: int, confirmation: str) -> Override:
        """A deeper ceiling for one zone in this session: OVERRIDE_CEILING, audited.
        Raises ValueError unless `confirmation` is the exact confirmation_text()."""
        if self.access is not None:
            self.access.require(Action.OVERRIDE_CEILING, f"zone:{zone}")  # Refused if not
        return self.ceilings.override(zone, ceiling_um, confirmation)

    def plans(self) -> list[Plan]:
        """The plan templates drawn on this session's map."""
        return [p for p in available_plans().values() if p.map_id == self.map.id]

    # ------------------------------------------------------------ the record

    def _audit(self, action: str, obj: str, old: object, new: object) -> None:
        if self.access is not None:
            self.access.record(action, obj, old, new)
        else:
            self.audit(action, obj, old, new)

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "ceiling_override":
            self._audit(
                "zone.ceiling_override",
                f"zone:{data['zone']}",
                {"ceiling_um": data.get("default_um")},
                {"ceiling_um": data["ceiling_um"]},
            )
        if self.recorder is not None:
            self.recorder.add_console_event(kind, data, t_us=self.tracker.last_t_us)

    def _on_pass(self, record: PassRecord, undone: bool) -> None:
        if self.recorder is not None:
            self.recorder.add_pass(record.row(), undone=undone)
            self._event("pass_undone" if undone else "pass_marked", record.row())

    def _alarm(self, active: bool, detail: str) -> None:
        if self.record_alarms:
            state = "raised" if active else "cleared"
            data = {"condition": "depth_above_ceiling", "priority": "high", "state": state}
            self._event("alarm", {**data, "detail": detail})
        for hook in self.alarm_hooks:
            hook(active, detail)

    # ------------------------------------------------------------ link listener

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        if self._annotate_here:
            self.tracker.annotate(batch)
        self.ceilings.telemetry(batch)

    def on_event(self, event: Event) -> None:
        self.tracker.on_event(event)
        self.ceilings.pen_event(event)

    def on_info(self, info: Info) -> None:
        self.ceilings.step_um = info.depth_step_um

    def on_state(self, change: StateChange) -> None:
        if change.state is LinkState.STREAMING:
            # A (re)connected pen gets the ceiling in force again: the active zone's, or
            # with none chosen yet the map's strictest (H-04).
            self.ceilings.send()


def build_zone_session(
    plan_name: str | None, link: Link | None, store: object = None, map_id: str = "face"
) -> ZoneSession:
    """A zone session for a plan (by name or id), or for a bare map without a plan."""
    plan = find_plan(plan_name) if plan_name else None
    maps = available_maps()
    zone_map = maps[plan.map_id if plan else map_id]
    if store is not None:
        from console.core.clinic_ceilings import effective_map

        zone_map = effective_map(store, zone_map)  # type: ignore[arg-type]
    return ZoneSession(zone_map, plan, link)
