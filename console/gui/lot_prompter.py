"""Asks for the cartridge's lot when the pen reports a cartridge inserted mid-session.

Watches the controller's display ticks (never the link thread) for CARTRIDGE_INSERTED
and opens the lot prompt without blocking (show, not exec: the screen and the heartbeat
go on). The prompt records through the treatment (`record_lot`), so the single-use gate
and its alarms are the core's. Outside a session there is nothing to record the lot to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from console.core.live import Drained
from console.gui.controller import PenController
from console.gui.lot_dialog import LotDialog
from drivers.messages import EventCode


class LotPrompter(QObject):
    def __init__(self, controller: PenController, window: QWidget) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.dialog: LotDialog | None = None
        controller.frame.connect(self._on_frame)

    def _on_frame(self, drained: Drained) -> None:
        inserted = any(e.code == EventCode.CARTRIDGE_INSERTED for e in drained.events)
        if inserted and self.controller.session is not None:
            self.ask()

    def ask(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one prompt at a time, already in front of the practitioner
        self.dialog = LotDialog(self.controller.treatment.record_lot, parent=self.window)
        self.dialog.setWindowTitle("Cartridge inserted: its lot")
        self.dialog.show()
