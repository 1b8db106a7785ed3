"""Follow-ups in the review window: the session's outcome and complication notes, and an
"Add follow-up…" button with its small dialog.

Assembly only: adding goes through console/core/followups.py (permission, audit, the
amendment that leaves a signed hash alone); a refusal is shown as its one sentence."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Access, Refused
from console.core.followups import (
    FollowUpError,
    FollowUpKind,
    add_follow_up,
    follow_ups,
)
from console.store import StoreError


class FollowUpDialog(QDialog):
    """Kind (outcome, complication, note) and the text of one follow-up."""

    def __init__(self, session: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add follow-up")
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                f"A follow-up is added to session {session[:8]} as an amendment; "
                "a signed record stays as it was signed."
            )
        )
        self.kind = QComboBox()
        for k in FollowUpKind:
            self.kind.addItem(k.value, k)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("What was seen or reported, and when")
        form.addRow("Kind", self.kind)
        form.addRow("Note", self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[FollowUpKind, str]:
        return FollowUpKind(self.kind.currentData()), self.text.toPlainText()


class FollowUpPanel(QWidget):
    """The open session's follow-ups, oldest first, and the button to add one."""

    added = Signal(str)  # the session

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access
        self.session: str | None = None
        self.read_only = False  # a bundle viewed without importing it
        self.list = QListWidget()
        self.add_button = QPushButton("Add follow-up…")
        self.add_button.setMinimumHeight(44)
        self.add_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.add_button)
        self.add_button.clicked.connect(self.ask)

    def show_session(self, session: str) -> None:
        self.session = session
        self.add_button.setEnabled(not self.read_only)
        self.list.clear()
        for f in follow_ups(self.access.store, session):
            when = datetime.fromisoformat(f.created_utc).astimezone()  # the clinic's time
            self.list.addItem(f"{when:%Y-%m-%d %H:%M} · {f.kind.value} · {f.author}: {f.text}")
        if self.list.count() == 0:
            self.list.addItem("No follow-ups yet: add the outcome or a complication here.")

    def ask(self) -> None:
        if self.session is None:
            return
        dialog = FollowUpDialog(self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add(*dialog.chosen())

    def add(self, kind: FollowUpKind, text: str) -> bool:
        """Add the follow-up (True), or say why not in a message box (False)."""
        if self.session is None or self.read_only:
            return False
        try:
            add_follow_up(self.access, self.session, kind, text)
        except (FollowUpError, Refused, StoreError) as exc:
            QMessageBox.warning(self, "Follow-up not added", str(exc))
            return False
        self.show_session(self.session)
        self.added.emit(self.session)
        return True
