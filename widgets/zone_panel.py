"""The zone panel beside the live readouts: plan choice, the map, where we are in the plan,
the ceiling in force, and the pass buttons (the pen's mark button does the same).

Handed a `ZoneWork` (the console's ZoneSession, or a fake in tests) and the plans to
offer; it never loads plans or reaches into the session's parts itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QSize, Qt
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
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from console.core.ceilings import ZoneStatus, confirmation_text
from console.core.passes import PassTracker
from console.core.zones import Plan, PlanStep, ZoneMap
from widgets.zone_map import ZoneMapWidget


class ZoneWork(Protocol):
    """The zone side of a treatment, as the panel uses it."""

    @property
    def map(self) -> ZoneMap: ...
    @property
    def plan(self) -> Plan | None: ...
    @property
    def tracker(self) -> PassTracker: ...  # the map draws passes from it
    def status(self) -> ZoneStatus: ...
    # use_plan and override_ceiling raise PermissionError when the user may not.
    def use_plan(self, plan: Plan | None, edited: bool = False) -> None: ...
    def mark_pass(self) -> None: ...
    def undo_pass(self) -> None: ...
    def next_zone(self) -> None: ...
    def override_ceiling(self, zone: str, ceiling_um: int, confirmation: str) -> object: ...


class ZonePanel(QWidget):
    def __init__(
        self, zones: ZoneWork, plans: Sequence[Plan], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.zones = zones
        self.plans: dict[str, Plan] = {p.id: p for p in plans if p.map_id == zones.map.id}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plan_choice = QComboBox()
        self.plan_choice.addItem("No plan: touch a zone", None)
        for p in self.plans.values():
            self.plan_choice.addItem(p.name, p.id)
        # A styled delegate honours the rows' size (the combo's own ignores it): drop-down
        # rows as big as buttons.
        self.plan_choice.setItemDelegate(QStyledItemDelegate(self.plan_choice))
        for index in range(self.plan_choice.count()):
            self.plan_choice.setItemData(index, QSize(0, 44), Qt.ItemDataRole.SizeHintRole)
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
        self.where.setWordWrap(True)  # no minimum width from it; _fit_where keeps two lines
        self._where_parts = ("", "", "")
        self.where.installEventFilter(self)
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
        self.pass_button.clicked.connect(zones.mark_pass)
        self.undo_button.clicked.connect(zones.undo_pass)
        self.next_button.clicked.connect(zones.next_zone)
        self.override_button.clicked.connect(self.ask_override)
        self.edit_button.clicked.connect(self.edit_plan)
        self.plan_choice.currentIndexChanged.connect(self._on_plan)
        for key, button in (("F6", self.pass_button), ("F7", self.undo_button)):
            QShortcut(QKeySequence(key), self, button.click)
        self.refresh()

    def _on_plan(self, index: int) -> None:
        plan_id = self.plan_choice.itemData(index)
        if not self._allowed(self.zones.use_plan, self.plans.get(plan_id) if plan_id else None):
            current = self.zones.plan.id if self.zones.plan else None
            self.plan_choice.blockSignals(True)  # back to the plan still in force, no echo
            self.plan_choice.setCurrentIndex(max(0, self.plan_choice.findData(current)))
            self.plan_choice.blockSignals(False)
        self.refresh()

    def _allowed(self, action: Callable[..., object], *args: object, **kwargs: object) -> bool:
        """Run `action`; a refusal is shown in its one sentence and changes nothing."""
        try:
            action(*args, **kwargs)
        except PermissionError as refused:
            QMessageBox.warning(self, "Not allowed", str(refused))
            return False
        return True

    def _set_where(self, zone: str, progress: str, ceiling: str = "") -> None:
        """The zone line: the zone and its pass (and any OVER TARGET) on the first line,
        the ceiling on the second, in a label of a fixed two-line height (the style's).
        Where the width is short the zone's name is shortened, never the pass or the flag,
        and the ceiling line is elided at its end: nothing wraps into a hidden third line.
        The whole text is the tooltip."""
        self._where_parts = (zone, progress, ceiling)
        self.where.setToolTip(f"{zone}{progress} · {ceiling}" if ceiling else "")
        self._fit_where()

    def _fit_where(self) -> None:
        zone, progress, ceiling = self._where_parts
        width = self.where.contentsRect().width() - 2  # a wrap on rounding would hide line 2
        if width < 60:  # not laid out yet
            self.where.setText(f"{zone}{progress}\n{ceiling}".rstrip())
            return
        metrics = self.where.fontMetrics()
        room = width - metrics.horizontalAdvance(progress)
        first = (
            metrics.elidedText(zone, Qt.TextElideMode.ElideRight, room) + progress
            if room >= metrics.horizontalAdvance("Mm…")
            # Narrower still: the middle goes, the flag at the end stays.
            else metrics.elidedText(zone + progress, Qt.TextElideMode.ElideMiddle, width)
        )
        second = metrics.elidedText(ceiling, Qt.TextElideMode.ElideRight, width)
        self.where.setText(f"{first}\n{second}".rstrip())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.where and event.type() in (QEvent.Type.Resize, QEvent.Type.StyleChange):
            self._fit_where()
        return False

    def refresh(self) -> None:
        self.map.refresh()
        s = self.zones.status()
        pen = f" (pen: {s.pen_ceiling_um / 1000:.2f})" if s.pen_ceiling_um is not None else ""
        if s.active is None:
            # H-04: until a zone is chosen, the map's strictest ceiling is in force
            if s.ceiling_um:
                self._set_where("Touch a zone", f" · ceiling {s.ceiling_um / 1000:.2f} mm")
            else:
                self._set_where("Touch the zone you are treating", "")
        else:
            override = " OVERRIDDEN" if s.overridden else ""
            # "pass 6 of 3": flagged in words and colour; PRP passes in words of their own
            over = s.over_target if s.pass_word else s.pass_no > s.target
            words = s.pass_word or f"pass {s.pass_no} of {s.target}"
            flag = " · OVER TARGET" if over else ""
            self._set_where(
                s.active_label,
                f" · {words}{flag}",
                f"ceiling {s.ceiling_um / 1000:.2f} mm{pen}{override}",
            )
            if self.where.property("over") != over:
                self.where.setProperty("over", over)
                self.where.style().unpolish(self.where)
                self.where.style().polish(self.where)
        if not s.has_plan:
            self.plan_state.setText("No plan: each zone's passes count against its default.")
        else:
            self.plan_state.setText(
                f"Plan {s.done}/{s.planned} passes · next: {s.next_label or '—'}"
                f" · {len(s.todo)} zone(s) to do"
            )
            self.plan_state.setToolTip("To do: " + (", ".join(s.todo) or "none"))
        self.undo_button.setEnabled(s.can_undo)
        self.edit_button.setEnabled(s.has_plan)  # nothing to edit without a plan

    def edit_plan(self) -> None:
        """This session's copy of the plan: include or drop zones, change their passes."""
        plan = self.zones.plan
        if plan is None:
            return
        dialog = PlanEditor(plan, self.zones.map, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            edited = dialog.edited_plan()
            if edited.steps:
                self._allowed(self.zones.use_plan, edited, edited=True)
                self.refresh()

    def ask_override(self) -> None:
        active = self.zones.status().active
        if active is None:
            return
        zone = self.zones.map.zone(active)
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
            self._allowed(self.zones.override_ceiling, zone.id, ceiling_um, words)
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
