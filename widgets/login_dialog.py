"""Sign-in, first-administrator and unlock dialogs. They only collect words; the checks
are console.core.accounts' and console.core.idle_lock's."""

from __future__ import annotations

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        form.addRow(intro_label)
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
            w.setMinimumHeight(40)
        (self.password if name else self.name).setFocus()

    def values(self) -> tuple[str, str]:
        return self.name.text().strip(), self.password.text()

    def passwords_match(self) -> bool:
        return self.again is None or self.again.text() == self.password.text()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.password.clear()
        if self.again is not None:
            self.again.clear()
