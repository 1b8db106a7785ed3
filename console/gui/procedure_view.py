"""The live window's part of the procedure (issue 11): the checklist as the first tab beside
the zone map, its countdown in the tab's title, and the override asked for when Start is
refused before the required steps. Assembly and dialogs only; the rules are in
console.core.plan_run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QTabWidget

from console.core.plan_run import StartRefused
from console.gui.step_screens import StepScreens
from widgets.checklist import ROW_PX, Checklist, countdown_words

if TYPE_CHECKING:
    from console.gui.controller import PenController
    from console.gui.main_window import MainWindow

TAB_TITLE = "Steps"


class ProcedureView:
    def __init__(self, window: MainWindow, tabs: QTabWidget) -> None:
        self.window = window
        self.controller: PenController = window.controller
        self.tabs = tabs
        self.checklist = Checklist(self.controller)
        self.screens = StepScreens(self.controller, self.checklist, window)  # consent, aftercare
        # The plan's depth presets ("light", "deep"), above the steps.
        self.preset_choice = QComboBox()
        self.preset_choice.setMinimumHeight(ROW_PX)
        self.preset_choice.setToolTip(
            "Hold every zone's plan depth in a band, never above its ceiling"
        )
        self.preset_choice.activated.connect(self._on_preset)
        self._presets: list[tuple[str, str]] = []
        self._waiting = False  # required steps not done yet (what a refused Start named)
        self.checklist.layout().insertWidget(0, self.preset_choice)
        # The skin type rule, when it lowers this patient's depths (docs/zones.md).
        self.skin_note = QLabel("")
        self.skin_note.setObjectName("skinNote")
        self.skin_note.setWordWrap(True)
        self.skin_note.setStyleSheet("font-weight: bold; color: #f9a825;")
        self.skin_note.setVisible(False)
        self.checklist.layout().insertWidget(1, self.skin_note)
        tabs.insertTab(0, self.checklist, TAB_TITLE)
        self.override_box: QMessageBox | None = None  # for tests
        # Every session has steps (consent, skin cleansed: review 4); a plan chosen brings
        # its own, and then the tab comes to the front.
        self._step_ids = [r.id for r in self.controller.step_rows()]
        self.controller.command_answered.connect(self._on_answer)

    def _on_preset(self, index: int) -> None:
        try:
            self.controller.select_preset(self.preset_choice.itemData(index))
        except ValueError as exc:
            self.window.notice.setText(str(exc))

    def _sync_presets(self) -> None:
        presets = self.controller.presets()
        if presets == self._presets:
            return
        self._presets = presets
        self.preset_choice.clear()
        self.preset_choice.addItem("Depth: the plan's, zone by zone", None)
        for preset_id, label in presets:
            self.preset_choice.addItem(f"Depth: {label}", preset_id)
        self.preset_choice.setVisible(bool(presets))

    def refresh(self) -> None:
        self._sync_presets()
        skin = self.controller.skin_words()
        if skin != self.skin_note.text():
            self.skin_note.setText(skin)
            self.skin_note.setVisible(bool(skin))
        self.checklist.refresh()
        rows = self.checklist.rows
        ids, self._step_ids = self._step_ids, [r.id for r in rows]
        waiting = any(r.required and r.status != "done" for r in rows)
        if self._waiting and not waiting:  # "motor refused: Not yet: …" is answered now
            self.window.controls.clear_unsent()
        self._waiting = waiting
        if ids != self._step_ids and waiting:  # a plan chosen, steps to do: show them
            self.tabs.setCurrentWidget(self.checklist)
        running = [r.countdown_s for r in rows if r.countdown_s is not None]
        title = f"{TAB_TITLE} {countdown_words(min(running))}" if running else TAB_TITLE
        index = self.tabs.indexOf(self.checklist)
        if self.tabs.tabText(index) != title:
            self.tabs.setTabText(index, title)

    def _on_answer(self, name: str, outcome: object) -> None:
        if name == "motor" and isinstance(outcome, StartRefused):
            self.tabs.setCurrentWidget(self.checklist)  # show what is missing
            words = self.controller.override_words()
            if words is not None and self.confirm_override(str(outcome), words):
                try:
                    self.controller.override_start(words)
                except (ValueError, PermissionError) as exc:
                    self.window.notice.setText(str(exc))

    def confirm_override(self, reason: str, words: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Start before the steps?",
            f"{reason}\n\n{words}? The override is recorded with your name.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Start anyway")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        for b in box.buttons():
            b.setMinimumSize(160, ROW_PX)
        self.override_box = box
        try:
            return box.exec() == QMessageBox.StandardButton.Yes
        finally:
            self.override_box = None
