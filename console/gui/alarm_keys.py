"""F9 (acknowledge) and F10 (pause audio) from every dialog of the console.

The window's own shortcuts stop at a modal dialog (a lot prompt, a question): Qt does not
fire a blocked window's shortcuts. An alarm must be answerable whatever is open, so each
dialog that takes the focus gets this filter; the keys its fields do not use (F9, F10)
reach the dialog and are answered here. Only dialogs are filtered, never every event of
the application, so the display's frames pay nothing for it. F5 is answered the same way
while the screen is locked or signed out (`stop_when_locked`): the sign-in dialog that
opens over the locked screen must not hide the way to stop the pen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from console.gui.controller import PenController


class AlarmKeys(QObject):
    def __init__(
        self,
        window: QWidget,
        controller: PenController,
        stop_when_locked: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(window)
        self._stop_when_locked = stop_when_locked  # True when it sent a STOP
        self._window = window
        self._controller = controller
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        top = new.window() if new is not None else None
        if top is not None and top is not self._window:
            top.installEventFilter(self)  # again is harmless: one filter per object

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            match event.key():
                case Qt.Key.Key_F9:
                    self._controller.acknowledge_alarms()
                    return True
                case Qt.Key.Key_F10:
                    self._controller.alarms.pause_audio()
                    return True
                case Qt.Key.Key_F5 if self._stop_when_locked is not None:
                    return self._stop_when_locked()
        return False
