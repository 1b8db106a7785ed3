"""The patient view of the review window: details, series, sessions, photo timeline.

Assembles what console/core/patients.py (`patient_overview`, through Access: REVIEW,
audited) and console/core/photos.py (`photo_timeline`) answer; no rules here. Choosing
two photos on the timeline shows them side by side (the seed: the skin keeps improving
for up to six months, so before and latest is the comparison that matters).
"""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Access
from console.core.display_text import shown_name, shown_text
from console.core.patients import PatientError, patient_overview
from console.core.photos import display_bytes, photo_timeline

STATE_COLOURS = {"overdue": "#c62828", "due": "#2e7d32", "too soon": "#616161"}
THUMB = QSize(120, 90)


class PatientView(QWidget):
    def __init__(self, access: Access, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        layout = QVBoxLayout(self)
        self.details = QLabel("Choose a session to see its patient.")
        self.details.setWordWrap(True)
        self.details.setStyleSheet("font-size: 15px;")
        self.series = QLabel("")
        self.series.setWordWrap(True)
        self.sessions = QTableWidget(0, 6)
        self.sessions.setHorizontalHeaderLabels(
            ["Date", "Status", "Plan", "Lots", "Photos", "Series"]
        )
        self.sessions.horizontalHeader().setStretchLastSection(True)
        self.sessions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.timeline = QListWidget()
        self.timeline.setViewMode(QListWidget.ViewMode.IconMode)
        self.timeline.setFlow(QListWidget.Flow.LeftToRight)
        self.timeline.setWrapping(False)
        self.timeline.setIconSize(THUMB)
        self.timeline.setFixedHeight(THUMB.height() + 48)
        self.timeline.setSelectionMode(QListWidget.SelectionMode.MultiSelection)
        self.timeline.itemSelectionChanged.connect(self._on_compare)
        self.compare = [QLabel("Choose two photos to compare"), QLabel("")]
        row = QHBoxLayout()
        for label in self.compare:
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumHeight(200)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            row.addWidget(label, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.series)
        layout.addWidget(self.sessions, 1)
        layout.addWidget(QLabel("Photo timeline (choose two to compare side by side)"))
        layout.addWidget(self.timeline)
        layout.addLayout(row, 2)

    def show_patient(self, code: str, today: date) -> None:
        try:
            view = patient_overview(self.access, code, today)
        except PatientError as exc:
            self.details.setText(str(exc))
            return
        p = view["patient"]
        darker = (
            " · types IV–VI: higher risk of hyperpigmentation" if view["darker_skin_type"] else ""
        )
        name = escape(shown_name(p["name"])) or "no name"  # typed text, never markup
        self.details.setText(
            f"<b>{escape(shown_text(p['code']))}</b> · {name} · born {p['birth_year'] or '?'} · "
            f"skin type {p['fitzpatrick'] or '?'}{darker}"
        )
        self.details.setToolTip(shown_text(p["name"]))
        state = view["series"]["state"]
        colour = STATE_COLOURS.get(state, "#000")
        self.series.setText(f"<span style='color:{colour}'>Series: {view['series_words']}</span>")
        rows = view["sessions"]
        self.sessions.setRowCount(len(rows))
        for r, s in enumerate(rows):
            cells = [
                s["started_utc"][:10],
                s["status"],
                s["plan_name"] or "",
                ", ".join(f"{x['kind']} {x['lot']}" for x in s["lots"]),
                str(s["photos"]),
                "sooner than the series allows" if s["too_soon"] else "",
            ]
            for c, text in enumerate(cells):
                self.sessions.setItem(r, c, QTableWidgetItem(text))
        self.sessions.resizeColumnsToContents()
        self._fill_timeline(code)

    def _fill_timeline(self, code: str) -> None:
        self.timeline.clear()
        self.pixmaps: dict[int, QPixmap] = {}
        for photo in photo_timeline(self.access.store, code):
            pixmap = QPixmap()
            data = self.access.store.media.photo_data(photo.id)
            pixmap.loadFromData(display_bytes(data, photo.media_type))
            self.pixmaps[photo.id] = pixmap
            item = QListWidgetItem(QIcon(pixmap), photo.label)
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            self.timeline.addItem(item)
        for label in self.compare:
            label.clear()
        self.compare[0].setText(
            "Choose two photos to compare" if self.pixmaps else "No photos yet."
        )

    def _on_compare(self) -> None:
        chosen = self.timeline.selectedItems()[-2:]
        for label, item in zip(self.compare, chosen + [None] * (2 - len(chosen)), strict=True):
            if item is None:
                label.clear()
                continue
            pixmap = self.pixmaps[item.data(Qt.ItemDataRole.UserRole)]
            label.setPixmap(
                pixmap.scaled(label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
            )  # fmt: skip
            label.setToolTip(item.text())
