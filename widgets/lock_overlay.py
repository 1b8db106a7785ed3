"""The locked screen: says it is locked, keeps the alarms in sight, and unlocks on a touch.

A child of the main window laid over everything in it, opaque, so no patient data shows
while nobody is signed in at the cart (beyond the strip's patient code, below). It carries
its own alarm banner (bound to the same AlarmModel), so anyone may acknowledge an alarm or
pause its audio on a locked screen, as on any medical monitor; everything else but the
Stop needs the unlock. Any touch or key elsewhere on it asks for the unlock
(`unlock_requested`), every time.

Anyone may stop the pen from it too (practitioner review 6): a big "Stop pen" button and
F5 send STOP, never START, without signing in, and a read-only strip says what the pen
is doing (REC, patient code, link, motor, depth), so the one who stops it sees it stop.
The overlay is handed a `LockedPen` (the controller) for both.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from console.core.alarms import AlarmModel
from widgets.alarm_banner import AlarmBanner

LOCKED_HINT = (
    "Touch anywhere or press any key to unlock.\n"
    "Recording and the pen link carry on. Anyone may stop the pen (F5). "
    "Alarms can be acknowledged (F9) and their audio paused (F10) without unlocking.\n"
    "Someone else? Sign out / switch user: Ctrl+Shift+L (not while a session records)."
)
SIGNED_OUT_HINT = (
    "Nobody is signed in. Touch anywhere or press any key to sign in.\n"
    "The pen link carries on. Anyone may stop the pen (F5). "
    "Alarms can be acknowledged (F9) and their audio paused (F10) without signing in."
)


STOP_KEY = "F5"  # the pen controls' Start/Stop key; here it only ever stops


class LockedPen(Protocol):
    """What the locked screen may do with the pen (stop it) and show of it (one line)."""

    def stop_pen(self) -> None: ...
    def locked_strip(self) -> str: ...


class LockOverlay(QFrame):
    unlock_requested = Signal()

    def __init__(self, alarms: AlarmModel, parent: QWidget, pen: LockedPen | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.banner = AlarmBanner(alarms)
        self.banner.acknowledge_requested.connect(alarms.acknowledge_all)
        layout.addWidget(self.banner)
        self.pen = pen
        self.strip = QLabel("")  # read-only: what the pen is doing, for whoever stops it
        self.strip.setObjectName("lockStrip")
        self.strip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.strip.setWordWrap(True)
        self.stop_button = QPushButton(f"Stop pen ({STOP_KEY})")
        self.stop_button.setObjectName("lockStop")
        self.stop_button.setMinimumSize(320, 96)
        self.stop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the overlay
        self.stop_button.setVisible(pen is not None)
        if pen is not None:
            self.stop_button.clicked.connect(pen.stop_pen)
        # Only while the overlay shows (the pen controls, disabled under it, do not fire).
        self.stop_key = QShortcut(QKeySequence(STOP_KEY), self)
        self.stop_key.setContext(Qt.ShortcutContext.WindowShortcut)
        self.stop_key.activated.connect(self.stop_button.click)
        layout.addSpacing(12)
        layout.addWidget(self.strip)
        layout.addSpacing(12)
        layout.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.title = QLabel("Screen locked")
        self.title.setObjectName("lockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(LOCKED_HINT)
        self.hint.setObjectName("lockHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.notice = QLabel("")  # a refusal from the keys that work here (Ctrl+Shift+L)
        self.notice.setObjectName("lockHint")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.notice)
        layout.addStretch(2)
        parent.installEventFilter(self)
        self.hide()

    def show_signed_out(self, signed_out: bool) -> None:
        """Titled "Signed out" (anyone signs in) or "Screen locked" (its user unlocks)."""
        self.title.setText("Signed out" if signed_out else "Screen locked")
        self.hint.setText(SIGNED_OUT_HINT if signed_out else LOCKED_HINT)

    @property
    def locked(self) -> bool:
        return self.isVisible()

    def set_locked(self, locked: bool) -> None:
        if locked:
            self._cover()
            self.banner.refresh()
            self._refresh_strip()
            self.show()
            self.raise_()
            self.setFocus()
        else:
            self.hide()
        self.notice.setText("")  # said for the moment it happened; a new lock starts clean

    def say(self, text: str) -> None:
        """The window's status line is under the overlay: a refusal is said here too."""
        self.notice.setText(text)

    def refresh(self) -> None:
        if self.isVisible():
            self.banner.refresh()
            self._refresh_strip()

    def stop_when_locked(self) -> bool:
        """F5 from a dialog over the locked screen: STOP, if locked; True when sent."""
        if not self.isVisible() or self.pen is None:
            return False
        self.pen.stop_pen()
        return True

    def _refresh_strip(self) -> None:
        text = self.pen.locked_strip() if self.pen is not None else ""
        if self.strip.text() != text:
            self.strip.setText(text)

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._cover()
        return False

    # ------------------------------------------------------------ any touch or key

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.unlock_requested.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()
        self.unlock_requested.emit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.TouchBegin:
            event.accept()
            self.unlock_requested.emit()
            return True
        return super().event(event)
