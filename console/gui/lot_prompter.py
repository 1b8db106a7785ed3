"""Asks for the cartridge's lot when the pen reports a cartridge inserted mid-session, and
keeps asking until one is entered.

Watches the controller's display ticks (never the link thread). It opens the lot prompt
without blocking (show, not exec: the screen and the heartbeat go on) on a
CARTRIDGE_INSERTED event, and again while the treatment's single-use gate says the lot is
missing (`cartridge.lot_missing`): at once when the pen's run/stop button is pressed or
the console refuses a start, and otherwise every REASK_S after the prompt was put away.
A cartridge already fitted when the session starts counts as inserted then (the treatment
marks it). The prompt records through the treatment (`record_lot`), so the gate and its
alarms are the core's. Outside a session there is nothing to record the lot to, and an
open prompt is put away when the session ends or the window closes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from console.core.live import Drained
from console.gui.controller import PenController
from console.gui.lot_dialog import LotDialog
from drivers.messages import EventCode

REASK_S = 20.0  # a prompt put away with no lot comes back after this


class LotPrompter(QObject):
    def __init__(
        self,
        controller: PenController,
        window: QWidget,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self._clock = clock
        self._closed_s: float | None = None  # when a prompt was last put away
        self.dialog: LotDialog | None = None
        controller.frame.connect(self._on_frame)

    def _on_frame(self, drained: Drained) -> None:
        if self.controller.session is None:
            self.close()  # the session ended: nothing left to record a lot to
            return
        codes = {e.code for e in drained.events}
        if EventCode.CARTRIDGE_INSERTED in codes:
            self.ask()
            return
        if not self.controller.treatment.cartridge.lot_missing or self._showing():
            return
        pressed = bool(codes & {EventCode.BUTTON_SHORT, EventCode.BUTTON_LONG})
        waited = self._closed_s is None or self._clock() - self._closed_s >= REASK_S
        if pressed or waited:
            self.ask()

    def _showing(self) -> bool:
        return self.dialog is not None and self.dialog.isVisible()

    def ask(self) -> None:
        if self._showing():
            return  # one prompt at a time, already in front of the practitioner
        self.dialog = LotDialog(self.controller.treatment.record_lot, parent=self.window)
        self.dialog.setWindowTitle("Cartridge inserted: its lot")
        self.dialog.finished.connect(self._on_closed)
        self.dialog.show()

    def close(self) -> None:
        if self._showing() and self.dialog is not None:
            self.dialog.reject()

    def _on_closed(self, _result: int) -> None:
        self._closed_s = self._clock()
