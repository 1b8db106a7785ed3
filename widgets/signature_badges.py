"""The signed state of a session as badges in the review's detail header.

Handed the badges' words (console.core.signature_words): one green badge per signature,
"✔ Approved by dr.lee, 2 Dec 2026 14:03", or one grey "Not signed". The colours read on
both themes, so they do not follow them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

SIGNED_STYLE = (
    "QLabel { background: #2e7d32; color: white; border-radius: 10px; padding: 3px 10px;"
    " font-weight: bold; }"
)
UNSIGNED_STYLE = (
    "QLabel { background: transparent; color: #78909c; border: 1px solid #78909c;"
    " border-radius: 10px; padding: 2px 10px; }"
)


class SignatureBadges(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.labels: list[QLabel] = []

    def set_badges(self, signed: Sequence[str], unsigned_text: str = "Not signed") -> None:
        """One badge per signature in `signed`; `unsigned_text` when there is none."""
        for label in self.labels:
            self._row.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for text in signed or [unsigned_text]:
            label = QLabel(text)
            label.setObjectName("signedBadge" if signed else "unsignedBadge")
            label.setStyleSheet(SIGNED_STYLE if signed else UNSIGNED_STYLE)
            if signed:
                label.setToolTip("Signed electronically; the signature binds the session's content")
            self._row.insertWidget(len(self.labels), label)
            self.labels.append(label)

    def texts(self) -> list[str]:
        return [label.text() for label in self.labels]
