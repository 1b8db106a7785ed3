"""The review window's action panel: sign the session, export it as PDF or CSV.

Each export suggests "<patient>_<date>_<kind>" in the documents folder, asks where
(unless told), is allowed and audited by the access service, writes with a progress bar,
and says where the file went (or, in one sentence, why it did not). Signing checks the
signer through the same door and names the role that may sign when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
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
from console.core.accounts import Accounts, User
from console.core.export import write_csv
from console.core.export_names import (
    ExportKind,
    default_export_path,
    export_file_name,
    write_failure,
)
from console.core.records import exported
from console.core.review import SessionReview
from console.core.safe_files import (
    UnsafeDestination,
    check_destination,
    private_output,
    private_path,
)
from console.core.signature_words import sign_refusal
from console.core.signing import MEANINGS, SigningError, sign
from console.gui.file_dialogs import save_file_name
from console.gui.report import write_session_report


class SignDialog(QDialog):
    """Name, password and meaning. `note` says who may sign when the person signed in at
    the console may not (a supervisor standing by can still sign with their own name)."""

    def __init__(
        self, session: str, parent: QWidget | None = None, *, name: str = "", note: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign session")
        form = QFormLayout(self)
        form.addRow(QLabel(f"Signing session {session[:8]}. Your signature binds its content."))
        self.note = QLabel(note)
        self.note.setObjectName("signNote")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        form.addRow(self.note)
        self.name = QLineEdit(name)
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
        (self.password if name else self.name).setFocus()


class SessionActions(QWidget):
    """Sign, Export PDF, Export CSV for the session the window has open."""

    signed = Signal(str)  # the session, once signed
    notice = Signal(str)  # one sentence for the window's status bar (where an export went)

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

    def sign_dialog(self, review: SessionReview) -> SignDialog:
        """The dialog, filled for the person signed in, or saying who may sign instead."""
        user = self.access.user if isinstance(self.access.user, User) else None
        note = "" if self.access.demo else (sign_refusal(user) or "")
        if note:
            note += " A supervisor can sign here with their own name and password."
        name = user.name if user is not None and not note else ""
        return SignDialog(review.session, self.window_, name=name, note=note)

    def ask_sign(self, review: SessionReview | None) -> None:
        if review is None:
            return
        dialog = self.sign_dialog(review)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.sign_as(
            review, dialog.name.text(), dialog.password.text(), dialog.meaning.currentText()
        )

    def sign_as(self, review: SessionReview, name: str, password: str, meaning: str) -> bool:
        """Sign as `name`; a refusal is one sentence in a warning (naming who may sign)."""
        signer = Accounts(self.store).find(name.strip())
        try:
            if signer is None:
                raise SigningError("the name or password is wrong; the session was not signed")
            sign(Access(self.store, signer), review.session, meaning, password)
        except Refused as exc:
            refusal = sign_refusal(signer, you=self._is_signed_in(signer))
            QMessageBox.warning(self.window_, "Not signed", refusal or _sentence(str(exc)))
            return False
        except SigningError as exc:
            QMessageBox.warning(self.window_, "Not signed", _sentence(str(exc)))
            return False
        self.signed.emit(review.session)
        return True

    def _is_signed_in(self, user: User | None) -> bool:
        me = self.access.user
        return isinstance(me, User) and user is not None and me.name == user.name

    # ------------------------------------------------------------ export

    def export_pdf(self, review: SessionReview | None, path: str | None = None) -> Path | None:
        return self._export(review, ExportKind.REPORT, "PDF", path, self._write_pdf)

    def export_csv(self, review: SessionReview | None, path: str | None = None) -> Path | None:
        return self._export(review, ExportKind.SAMPLES, "CSV", path, self._write_csv)

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
        kind: ExportKind,
        label: str,
        path: str | None,
        write: Callable[[SessionReview, str, QProgressDialog], None],
    ) -> Path | None:
        """Ask where (unless told), pass the access check (which audits it), then write."""
        if review is None:
            return None
        asked = path is None
        if path is None:
            path = save_file_name(
                self.window_,
                f"Export {label}",
                str(suggested_path(review, kind)),
                f"{label} (*.{kind.suffix})",
            )
            if not path:
                return None
        try:
            check_destination(Path(path), db=self.store.path, force=True)
            exported(self.access, review.session, kind.suffix, path)
        except (Refused, UnsafeDestination) as exc:
            self._not_exported(_sentence(str(exc)))
            return None
        progress = QProgressDialog(f"Writing the {label}…", "", 0, 100, self.window_)
        progress.setCancelButton(None)
        progress.setMinimumDuration(0)
        try:
            write(review, path, progress)
        except UnsafeDestination as exc:
            self._not_exported(_sentence(str(exc)))
            return None
        except OSError as exc:
            self._not_exported(write_failure(path, exc))
            return None
        finally:
            progress.setValue(100)
            progress.close()
        done = Path(path)
        self.notice.emit(f"The {label} was saved as {done.name} in {done.parent}.")
        if asked:  # a scripted export (a path given) needs no dialog
            self._confirm(label, done)
        return done

    def _not_exported(self, sentence: str) -> None:
        self.notice.emit(f"Not exported: {sentence}")
        QMessageBox.warning(self.window_, "Not exported", sentence)

    def _confirm(self, label: str, done: Path) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Exported",
            f"The {label} was saved as {done.name} in {done.parent}.",
            QMessageBox.StandardButton.Ok,
            self.window_,
        )
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        box.exec()
        if box.clickedButton() is show:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(done.parent)))


def suggested_path(review: SessionReview, kind: ExportKind) -> Path:
    """ "<patient code>_<YYYY-MM-DD>_<kind>.<suffix>" in the documents folder (the home
    folder without one): never the database's folder, so a hurried "Save" cannot land
    beside (or on) the records."""
    m = review.meta
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = export_file_name(m.get("patient_code"), m.get("started_utc"), m.get("tz"), kind)
    return default_export_path(documents or None, Path.home(), name)


def _sentence(text: str) -> str:
    """A core message ("the password is wrong; ...") as a sentence for a dialog."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
