"""The review window's action panel: sign the session, export it as PDF or CSV.

Each export asks where (unless told), is allowed and audited by the access service, then
writes with a progress bar; signing checks the signer through the same door."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from console.core.access import Access, Refused
from console.core.accounts import Accounts
from console.core.export import write_csv
from console.core.records import exported
from console.core.review import SessionReview
from console.core.safe_files import (
    UnsafeDestination,
    check_destination,
    private_output,
    private_path,
)
from console.core.signing import MEANINGS, SigningError, sign
from console.gui.report import write_session_report


class SignDialog(QDialog):
    def __init__(self, session: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign session")
        form = QFormLayout(self)
        form.addRow(QLabel(f"Signing session {session[:8]}. Your signature binds its content."))
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.meaning = QComboBox()
        self.meaning.addItems(list(MEANINGS))
        form.addRow("Supervisor", self.name)
        form.addRow("Password", self.password)
        form.addRow("Meaning", self.meaning)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SessionActions(QWidget):
    """Sign, Export PDF, Export CSV for the session the window has open."""

    signed = Signal(str)  # the session, once signed

    def __init__(self, access: Access, window: QWidget) -> None:
        super().__init__()
        self.access = access
        self.store = access.store
        self.window_ = window  # dialogs are parented to the window
        self.review: SessionReview | None = None
        self.sign_button = QPushButton("Sign…")
        self.pdf_button = QPushButton("Export PDF…")
        self.csv_button = QPushButton("Export CSV…")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.sign_button, self.pdf_button, self.csv_button):
            b.setMinimumHeight(44)
            row.addWidget(b)
        row.addStretch(1)
        self.sign_button.clicked.connect(lambda: self.ask_sign(self.review))
        self.pdf_button.clicked.connect(lambda: self.export_pdf(self.review))
        self.csv_button.clicked.connect(lambda: self.export_csv(self.review))

    def show_review(self, review: SessionReview) -> None:
        self.review = review

    def ask_sign(self, review: SessionReview | None) -> None:
        if review is None:
            return
        dialog = SignDialog(review.session, self.window_)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        signer = Accounts(self.store).find(dialog.name.text())
        try:
            if signer is None:
                raise SigningError("the name or password is wrong; the session was not signed")
            sign(
                Access(self.store, signer),
                review.session,
                dialog.meaning.currentText(),
                dialog.password.text(),
            )
        except (SigningError, Refused) as exc:
            QMessageBox.warning(self.window_, "Not signed", str(exc))
            return
        self.signed.emit(review.session)

    # ------------------------------------------------------------ export

    def export_pdf(self, review: SessionReview | None, path: str | None = None) -> Path | None:
        return self._export(review, "PDF", "pdf", path, self._write_pdf)

    def export_csv(self, review: SessionReview | None, path: str | None = None) -> Path | None:
        return self._export(review, "CSV", "csv", path, self._write_csv)

    # Both writers go through a scratch file and a rename, and refuse the database's own
    # files: the save dialog's "replace?" is the only overwrite consent (force=True).

    def _write_pdf(self, review: SessionReview, path: str, progress: QProgressDialog) -> None:
        with private_path(path, db=self.store.path, force=True) as scratch:
            write_session_report(review, scratch, progress=progress.setValue)

    def _write_csv(self, review: SessionReview, path: str, progress: QProgressDialog) -> None:
        progress.setValue(10)
        with private_output(path, db=self.store.path, force=True) as out:
            write_csv(self.store, review.session, out)

    def _export(
        self,
        review: SessionReview | None,
        label: str,
        suffix: str,
        path: str | None,
        write: Callable[[SessionReview, str, QProgressDialog], None],
    ) -> Path | None:
        """Ask where (unless told), pass the access check (which audits it), then write."""
        if review is None:
            return None
        asked = path is None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.window_,
                f"Export {label}",
                str(default_export_path(review, suffix)),
                f"{label} (*.{suffix})",
            )
            if not path:
                return None
        try:
            check_destination(Path(path), db=self.store.path, force=True)
            exported(self.access, review.session, suffix, path)
        except (Refused, UnsafeDestination) as exc:
            QMessageBox.warning(self.window_, "Not exported", str(exc))
            return None
        progress = QProgressDialog(f"Writing the {label}…", "", 0, 100, self.window_)
        progress.setCancelButton(None)
        progress.setMinimumDuration(0)
        try:
            write(review, path, progress)
        except (OSError, UnsafeDestination) as exc:
            QMessageBox.warning(self.window_, "Not exported", f"Could not write {path}: {exc}")
            return None
        finally:
            progress.setValue(100)
            progress.close()
        if asked:  # say where it went; a scripted export (a path given) needs no dialog
            QMessageBox.information(self.window_, "Exported", f"The {label} was saved to {path}.")
        return Path(path)


def default_export_path(review: SessionReview, suffix: str) -> Path:
    """The documents folder, named by patient code, date and session: never the
    database's folder, so a hurried "Save" cannot land beside (or on) the records."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    patient = "".join(
        c for c in str(review.meta.get("patient_code") or "") if c.isalnum() or c in "-_"
    )
    day = str(review.meta.get("started_utc") or "")[:10]
    name = "-".join(p for p in (patient, day, review.session[:8]) if p)
    return Path(folder or Path.home()) / f"{name}.{suffix}"
