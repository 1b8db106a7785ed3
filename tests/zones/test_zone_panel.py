"""The zone panel driven through a fake ZoneWork: it offers the plans it is handed for its
map, says what the status says, and sends each action to the model."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from console.core.ceilings import ZoneStatus, confirmation_text
from console.core.passes import PassTracker
from console.core.zones import Plan, PlanStep, ZoneMap, available_maps
from widgets.zone_panel import ZonePanel

FACE = available_maps()["face"]
NOWHERE = ZoneStatus(
    active=None,
    active_label="",
    pass_no=0,
    target=0,
    ceiling_um=0,
    pen_ceiling_um=None,
    overridden=False,
    has_plan=False,
    done=0,
    planned=0,
    next_label=None,
    todo=(),
    can_undo=False,
)
FOREHEAD = replace(
    NOWHERE,
    active="forehead",
    active_label="Forehead",
    pass_no=2,
    target=3,
    ceiling_um=1000,
    pen_ceiling_um=1000,
    has_plan=True,
    done=4,
    planned=7,
    next_label="Periorbital (right)",
    todo=("Forehead", "Periorbital (right)"),
    can_undo=True,
)


def _plan(plan_id: str, map_id: str) -> Plan:
    return Plan(plan_id, f"Plan {plan_id}", map_id, (PlanStep("forehead", 3, 800),))


@dataclass
class FakeZones:
    map: ZoneMap = FACE
    plan: Plan | None = None
    now: ZoneStatus = NOWHERE
    calls: list[tuple[object, ...]] = field(default_factory=list)
    refuse: str = ""  # when set, plan changes and overrides are refused with these words

    def __post_init__(self) -> None:
        self.tracker = PassTracker(self.map)

    def status(self) -> ZoneStatus:
        return self.now

    def use_plan(self, plan: Plan | None, edited: bool = False) -> None:
        if self.refuse:
            raise PermissionError(self.refuse)
        self.plan = plan
        self.calls.append(("use_plan", plan.id if plan else None, edited))

    def mark_pass(self) -> None:
        self.calls.append(("mark_pass",))

    def undo_pass(self) -> None:
        self.calls.append(("undo_pass",))

    def next_zone(self) -> None:
        self.calls.append(("next_zone",))

    def override_ceiling(self, zone: str, ceiling_um: int, confirmation: str) -> None:
        self.calls.append(("override", zone, ceiling_um, confirmation))


@pytest.fixture
def panel(qtbot) -> tuple[ZonePanel, FakeZones]:
    zones = FakeZones()
    widget = ZonePanel(zones, [_plan("a", "face"), _plan("b", "body"), _plan("c", "face")])
    qtbot.addWidget(widget)
    return widget, zones


def test_offers_only_the_plans_for_its_map_and_switches_plan(panel) -> None:
    widget, zones = panel
    offered = [widget.plan_choice.itemData(i) for i in range(widget.plan_choice.count())]
    assert offered == [None, "a", "c"]
    widget.plan_choice.setCurrentIndex(2)
    assert zones.calls[-1] == ("use_plan", "c", False)
    widget.plan_choice.setCurrentIndex(0)
    assert zones.calls[-1] == ("use_plan", None, False)


def test_says_what_the_status_says(panel) -> None:
    widget, zones = panel
    assert widget.where.text() == "Touch the zone you are treating"
    zones.now = replace(NOWHERE, ceiling_um=300, pen_ceiling_um=300)  # the strictest (H-04)
    widget.refresh()
    assert widget.where.text() == "Touch a zone · ceiling 0.30 mm"
    zones.now = NOWHERE
    widget.refresh()
    assert widget.plan_state.text().startswith("No plan")
    assert not widget.undo_button.isEnabled()
    zones.now = FOREHEAD
    widget.refresh()
    assert widget.where.text() == "Forehead · pass 2 of 3\nceiling 1.00 mm (pen: 1.00)"
    assert widget.plan_state.text() == (
        "Plan 4/7 passes · next: Periorbital (right) · 2 zone(s) to do"
    )
    assert widget.undo_button.isEnabled()
    zones.now = replace(FOREHEAD, ceiling_um=1200, pen_ceiling_um=None, overridden=True)
    widget.refresh()
    assert widget.where.text().endswith("ceiling 1.20 mm OVERRIDDEN")


def test_pass_buttons_and_keys_go_to_the_model(qtbot, panel) -> None:
    widget, zones = panel
    zones.now = FOREHEAD
    widget.refresh()
    for button in (widget.pass_button, widget.undo_button, widget.next_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert zones.calls == [("mark_pass",), ("undo_pass",), ("next_zone",)]


def test_override_sends_the_exact_confirmation_only_when_confirmed(panel, monkeypatch) -> None:
    widget, zones = panel
    widget.ask_override()  # no active zone: nothing to override
    assert zones.calls == []
    zones.now = FOREHEAD
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (1.2, True))
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: next(answers))
    widget.ask_override()
    assert zones.calls == []  # cancelled at the confirmation
    widget.ask_override()
    words = confirmation_text(FACE.zone("forehead").label, 1200)
    assert zones.calls == [("override", "forehead", 1200, words)]


def test_a_refused_plan_change_is_said_and_the_plan_in_force_stays_chosen(
    panel, monkeypatch
) -> None:
    widget, zones = panel
    widget.plan_choice.setCurrentIndex(1)  # plan "a"
    zones.refuse = "it (admin) may not choose or change the treatment plan."
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: said.append(text))
    widget.plan_choice.setCurrentIndex(2)  # plan "c": refused
    assert said == [zones.refuse]
    assert widget.plan_choice.currentData() == "a" and zones.plan is not None
    assert zones.plan.id == "a"


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform's, once per window
def test_the_zone_line_never_clips_at_the_carts_width(qtbot, panel) -> None:
    """Finding 13: "PRP pass 2 of 1 · OVER TARGET · ceiling…" was cut off. Two lines of
    the fixed-height label, each elided to fit; the flag stays in sight; all in the tooltip."""
    widget, zones = panel
    widget.where.setStyleSheet("font-size: 20px; font-weight: bold;")  # the carts' style
    widget.show()
    qtbot.waitExposed(widget)
    zones.now = replace(
        FOREHEAD,
        active_label="Periorbital (right)",
        pass_word="PRP pass 2 of 1",
        over_target=True,
        overridden=True,
    )
    widget.refresh()
    full = "Periorbital (right) · PRP pass 2 of 1 · OVER TARGET"
    assert widget.where.toolTip().startswith(full)

    def lines() -> list[str]:
        return widget.where.text().split("\n")

    def fits() -> bool:
        room = widget.where.contentsRect().width()
        advance = widget.where.fontMetrics().horizontalAdvance
        return len(lines()) == 2 and all(advance(line) <= room for line in lines())

    for width in (widget.minimumSizeHint().width(), 400):  # the narrowest, the 1280 column
        widget.resize(width, 700)
        qtbot.waitUntil(lambda w=width: abs(widget.width() - w) < 2 and fits(), timeout=2000)
        assert lines()[0].startswith("Peri") and lines()[0].endswith("OVER TARGET")
        assert "…" in "".join(lines())  # it did not fit whole: elided, not cut
    widget.resize(560, 700)  # room for the pass: only the zone's name is shortened
    qtbot.waitUntil(lambda: fits() and lines()[0].endswith(" · PRP pass 2 of 1 · OVER TARGET"))
    widget.resize(900, 700)  # wider: whole again
    qtbot.waitUntil(lambda: fits() and "…" not in widget.where.text(), timeout=2000)
