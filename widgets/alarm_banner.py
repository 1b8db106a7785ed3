"""The alarm banner: the top alarm in its priority colour, flashing in its rhythm.

Bound to an AlarmModel; `refresh()` is called by the display timer and only restyles
when something changed. Priority is visible across the room (colour and size); the
condition is readable at 1 m.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.core.alarms import AlarmModel, Priority

PRIORITY_NAMES = {Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}


class AlarmBanner(QFrame):
    acknowledge_requested = Signal()

    def __init__(self, alarms: AlarmModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alarms = alarms
        self.setObjectName("alarmBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 14, 8)
        text = QVBoxLayout()
        self.title = QLabel("No alarms")
        self.title.setObjectName("alarmTitle")
        self.detail = QLabel("")
        self.detail.setObjectName("alarmDetail")
        self.detail.setWordWrap(True)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        row.addLayout(text, 1)
        self.more = QLabel("")
        self.more.setObjectName("alarmMore")
        row.addWidget(self.more)
        self.ack = QPushButton("Acknowledge (F9)")
        self.pause = QPushButton("Pause audio 2:00 (F10)")
        for b in (self.ack, self.pause):
            b.setMinimumHeight(48)
            row.addWidget(b)
        self.ack.clicked.connect(self.acknowledge_requested)
        self.pause.clicked.connect(alarms.pause_audio)
        self._shown: tuple[object, ...] = ()
        self.refresh()

    def refresh(self) -> None:
        top = self.alarms.highest()
        lit = self.alarms.visual_on()
        paused = self.alarms.audio_paused_s()
        active = self.alarms.active()
        key = (
            top and (top.condition, top.detail, top.acknowledged_utc),
            lit,
            int(paused),
            len(active),
        )
        if key == self._shown:
            return
        self._shown = key
        if top is None:
            self.title.setText("No alarms")
            self.detail.setText("")
            self.more.setText("")
            level = "none"
        else:
            self.title.setText(f"{PRIORITY_NAMES[top.priority].upper()} — {top.title}")
            self.detail.setText(top.detail)
            others = len(active) - 1
            self.more.setText(f"+{others} more" if others else "")
            level = PRIORITY_NAMES[top.priority] + ("" if lit else "-dim")
        self.pause.setText(
            f"Audio paused {int(paused) // 60}:{int(paused) % 60:02d}"
            if paused
            else "Pause audio 2:00 (F10)"
        )
        self.ack.setEnabled(top is not None and top.acknowledged_utc is None)
        if self.property("level") != level:
            self.setProperty("level", level)
            for w in (self, self.title, self.detail, self.more):
                w.style().unpolish(w)
                w.style().polish(w)

    @property
    def level(self) -> str:
        return str(self.property("level"))
