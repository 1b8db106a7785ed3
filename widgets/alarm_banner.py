"""The alarm banner: the top alarm in its priority colour, flashing in its rhythm.

Bound to an AlarmModel; `refresh()` is called by the display timer and only restyles
when something changed. Priority is visible across the room (colour and size); the
condition is readable at 1 m. Its height is fixed and the detail is one elided line (the
whole text in the tooltip), so an alarm coming or going never moves the screen below. The
title is never cut (practitioner review 8: "…NEEDLING R"): one that does not fit its line
wraps to two, and the detail gives up its line to it (the detail stays in the tooltip and
the alarm list).
A latched alarm (cause gone, not yet acknowledged) says so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.core.alarms import AlarmModel, Priority

PRIORITY_NAMES = {Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}
BANNER_HEIGHT_PX = 84


class AlarmBanner(QFrame):
    acknowledge_requested = Signal()

    def __init__(self, alarms: AlarmModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alarms = alarms
        self.setObjectName("alarmBanner")
        self.setFixedHeight(BANNER_HEIGHT_PX)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 14, 6)
        text = QVBoxLayout()
        text.setSpacing(0)
        self.title = QLabel("No alarms")
        self.title.setObjectName("alarmTitle")
        self.detail = QLabel("")
        self.detail.setObjectName("alarmDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self.title, self.detail):  # long words never widen the window
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
            top and (top.condition, top.detail, top.acknowledged_utc, top.latched),
            self.title.width(),
            lit,
            int(paused),
            len(active),
        )
        if key == self._shown:
            return
        self._shown = key
        if top is None:
            self.title.setText("No alarms")
            self.title.setWordWrap(False)
            self.detail.setText("")
            self.detail.setVisible(True)
            self.more.setText("")
            level = "none"
        else:
            gone = " · cause gone" if top.latched else ""  # short: the title never clips
            title = f"{PRIORITY_NAMES[top.priority].upper()} — {top.title}{gone}"
            self.title.setText(title)
            width = max(self.title.width(), 200)
            self.title.ensurePolished()  # the style sheet's size, before measuring with it
            fits = self.title.fontMetrics().horizontalAdvance(title) <= width
            self.title.setWordWrap(not fits)
            self.detail.setVisible(fits)
            metrics = self.detail.fontMetrics()
            self.detail.setText(metrics.elidedText(top.said, Qt.TextElideMode.ElideRight, width))
            self.detail.setToolTip(top.detail)  # the engineer's words; the list keeps them
            self.title.setToolTip(top.said if not fits else "")
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
