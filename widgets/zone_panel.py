"""The zone panel beside the live readouts: plan choice, the map, where we are in the plan,
the ceiling in force, and the pass buttons (the pen's mark button does the same)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.core.ceilings import confirmation_text
from console.core.zone_session import ZoneSession
from console.core.zones import Plan, PlanStep, ZoneMap, available_plans
from widgets.zone_map import ZoneMapWidget


class ZonePanel(QWidget):
    def __init__(self, zones: ZoneSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zones = zones
        self.plans: dict[str, Plan] = {
            p.id: p for p in available_plans().values() if p.map_id == zones.map.id
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plan_choice = QComboBox()
        self.plan_choice.addItem("No plan: touch a zone", None)
        for p in self.plans.values():
            self.plan_choice.addItem(p.name, p.id)
        self.plan_choice.setMinimumHeight(44)
        # The longest plan name must not set the column's width: it is elided instead.
        self.plan_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.plan_choice.setMinimumContentsLength(10)
        self.edit_button = QPushButton("Edit plan…")
        self.edit_button.setMinimumHeight(44)
        self.edit_button.setToolTip("Change zones and passes for this session only")
        row = QHBoxLayout()
        row.addWidget(self.plan_choice, 1)
        row.addWidget(self.edit_button)
        layout.addLayout(row)
        self.map = ZoneMapWidget(zones.map, zones.tracker)
        layout.addWidget(self.map, 1)
        self.where = QLabel("")
        self.where.setObjectName("ceilingLabel")
        self.where.setWordWrap(True)
        self.plan_state = QLabel("")
        self.plan_state.setWordWrap(True)
        layout.addWidget(self.where)
        layout.addWidget(self.plan_state)
        grid = QGridLayout()
        self.pass_button = QPushButton("Pass done [F6]")
        self.undo_button = QPushButton("Undo [F7]")
        self.next_button = QPushButton("Next zone")
        self.override_button = QPushButton("Ceiling…")
        self.override_button.setToolTip("Override this zone's ceiling for this session")
        for i, b in enumerate(
            (self.pass_button, self.undo_button, self.next_button, self.override_button)
        ):
            b.setMinimumHeight(44)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            grid.addWidget(b, 0, i)
        layout.addLayout(grid)
        t = zones.tracker
        self.pass_button.clicked.connect(lambda: t.mark_pass(t.last_t_us))
        self.undo_button.clicked.connect(t.undo)
        self.next_button.clicked.connect(lambda: t.advance(how="touch"))
        self.override_button.clicked.connect(self.ask_override)
        self.edit_button.clicked.connect(self.edit_plan)
        self.plan_choice.currentIndexChanged.connect(self._on_plan)
        for key, button in (("F6", self.pass_button), ("F7", self.undo_button)):
            QShortcut(QKeySequence(key), self, button.click)
        self.refresh()

    def _on_plan(self, index: int) -> None:
        plan_id = self.plan_choice.itemData(index)
        self.zones.use_plan(self.plans.get(plan_id) if plan_id else None)
        self.refresh()

    def refresh(self) -> None:
        self.map.refresh()
        t = self.zones.tracker
        c = self.zones.ceilings
        if t.active is None:
            self.where.setText("Touch the zone you are treating")
        else:
            label = t.map.zone(t.active).label
            ceiling = c.ceiling_um() or 0
            pen = f" (pen: {c.in_effect_um / 1000:.2f})" if c.in_effect_um is not None else ""
            override = " OVERRIDDEN" if t.active in c.overrides else ""
            over = t.current_pass() > t.target(t.active)  # "pass 6 of 3": flagged
            flag = " · OVER TARGET" if over else ""
            self.where.setText(
                f"{label} · pass {t.current_pass()} of {t.target(t.active)}{flag} · "
                f"ceiling {ceiling / 1000:.2f} mm{pen}{override}"
            )
            if self.where.property("over") != over:
                self.where.setProperty("over", over)
                self.where.style().unpolish(self.where)
                self.where.style().polish(self.where)
        if t.plan is None:
            self.plan_state.setText("No plan: each zone's passes count against its default.")
        else:
            done, planned = t.progress()
            nxt = t.next_zone()
            todo = [t.map.zone(z).label for z in t.remaining()]
            self.plan_state.setText(
                f"Plan {done}/{planned} passes · next: {t.map.zone(nxt).label if nxt else '—'}"
                f" · {len(todo)} zone(s) to do"
            )
            self.plan_state.setToolTip("To do: " + (", ".join(todo) or "none"))
        self.undo_button.setEnabled(bool(t.done))
        self.edit_button.setEnabled(t.plan is not None)  # nothing to edit without a plan

    def edit_plan(self) -> None:
        """This session's copy of the plan: include or drop zones, change their passes."""
        plan = self.zones.plan
        if plan is None:
            return
        dialog = PlanEditor(plan, self.zones.map, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            edited = dialog.edited_plan()
            if edited.steps:
                self.zones.use_plan(edited, edited=True)
                self.refresh()

    def ask_override(self) -> None:
        t = self.zones.tracker
        if t.active is None:
            return
        zone = t.map.zone(t.active)
        mm, ok = QInputDialog.getDouble(
            self,
            "Override ceiling",
            f"New ceiling for {zone.label} (mm), this session only:",
            zone.depth_max_um / 1000,
            0.25,
            2.5,
            2,
        )
        if not ok:
            return
        ceiling_um = round(mm * 1000)
        words = confirmation_text(zone.label, ceiling_um)
        answer = QMessageBox.warning(
            self,
            "Confirm the override",
            f"{words}?\n\nThe override is recorded in the session.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.zones.ceilings.override(zone.id, ceiling_um, words)
            self.refresh()


class PlanEditor(QDialog):
    """Zones of a plan with their passes; the template on disk is never changed."""

    def __init__(self, plan: Plan, zone_map: ZoneMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"{plan.name} — this session only")
        form = QFormLayout(self)
        self.rows: list[tuple[PlanStep, QCheckBox, QSpinBox]] = []
        for step in plan.steps:
            include = QCheckBox(zone_map.zone(step.zone).label)
            include.setChecked(True)
            passes = QSpinBox()
            passes.setRange(1, 6)
            passes.setValue(step.passes)
            passes.setSuffix(" passes")
            form.addRow(include, passes)
            self.rows.append((step, include, passes))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def edited_plan(self) -> Plan:
        steps = [
            replace(step, passes=passes.value())
            for step, include, passes in self.rows
            if include.isChecked()
        ]
        return self.plan.edited(steps)
