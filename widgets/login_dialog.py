"""Sign-in, first-administrator and unlock dialogs. They only collect words; the checks
are console.core.accounts' and console.core.idle_lock's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)


class CredentialsDialog(QDialog):
    """Name and password, with a line for what went wrong last time."""

    def __init__(
        self,
        title: str,
        intro: str,
        *,
        confirm: bool = False,
        name: str = "",
        rule: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """`rule`: what a valid entry needs (e.g. the password length), said before typing."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        form.addRow(intro_label)
        self.rule = QLabel(rule)
        self.rule.setObjectName("passwordRule")
        self.rule.setWordWrap(True)
        self.rule.setVisible(bool(rule))
        form.addRow(self.rule)
        self.name = QLineEdit(name)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User", self.name)
        form.addRow("Password", self.password)
        self.again: QLineEdit | None = None
        if confirm:
            self.again = QLineEdit()
            self.again.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow("Password again", self.again)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ef5350; font-weight: bold;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for w in (self.name, self.password, *(b for b in [self.again] if b)):
            w.setMinimumHeight(44)

    def fields(self) -> list[QLineEdit]:
        return [self.name, self.password, *([self.again] if self.again else [])]

    def first_empty(self) -> QLineEdit:
        return next((f for f in self.fields() if not f.text()), self.password)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.first_empty().setFocus()  # each time it shows: after an error, too

    def values(self) -> tuple[str, str]:
        return self.name.text().strip(), self.password.text()

    def passwords_match(self) -> bool:
        return self.again is None or self.again.text() == self.password.text()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.password.clear()
        if self.again is not None:
            self.again.clear()
