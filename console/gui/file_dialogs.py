"""The console's "Save as" dialog: one that never opens the files it lists.

Qt's own file dialog (and GTK's, when Qt uses the desktop's) finds each listed file's
type and icon by reading its first bytes. When the folder holds the live database, that
opens and closes pc.db, pc.db-wal and pc.db-shm inside the console's process, and POSIX
(fcntl) locks belong to the process: closing any descriptor of a file drops every lock
the process holds on it, SQLite's included (sqlite.org/howtocorrupt.html, 2.2). The next
`pen-console` command that closed the database then took the exclusive lock, thought it
was the last user and deleted the WAL and its index while the console still wrote to
them: sessions saved after that were invisible to every other process until the console
closed (practitioner review finding 1, hazard H-41).

So every file dialog of the console is Qt's widget dialog (never the desktop's, which
runs inside this process too) with an icon provider that names types from the file name
alone. Windows ask through `save_file_name`, never `QFileDialog.getSaveFileName`, and
print through `SafePrintDialog`, whose "print to file" name field completes paths through a
file model of its own (tests/gui/test_file_dialogs.py checks them).
"""

from __future__ import annotations

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QFileSystemModel, QWidget


class NameOnlyIcons(QFileIconProvider):
    """Icons and type names from the file name (its extension), never its content; the
    icons are the style's generic file and folder ones.

    Qt calls it on its file-information thread; it holds nothing and touches no widget."""

    def __init__(self) -> None:
        super().__init__()
        self._mime = QMimeDatabase()

    def icon(self, what: QFileInfo | QAbstractFileIconProvider.IconType) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = (
                QAbstractFileIconProvider.IconType.Folder
                if what.isDir()
                else QAbstractFileIconProvider.IconType.File
            )
            return super().icon(kind)
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        by_extension = QMimeDatabase.MatchMode.MatchExtension
        by_name = self._mime.mimeTypeForFile(info.fileName(), by_extension)
        return by_name.comment() or by_name.name()


class SafeFileDialog(QFileDialog):
    """Qt's widget file dialog that lists files without reading them."""

    def __init__(self, parent: QWidget | None, caption: str, directory: str, filter_: str) -> None:
        super().__init__(parent, caption, directory, filter_)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self._icons = NameOnlyIcons()  # the dialog does not own it: kept as long as it
        self.setIconProvider(self._icons)


def save_file_name(parent: QWidget | None, caption: str, suggested: str, filter_: str) -> str:
    """Where to save (the path chosen), or "" when cancelled."""
    dialog = SafeFileDialog(parent, caption, suggested, filter_)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return ""
        return dialog.selectedFiles()[0]
    finally:
        dialog.deleteLater()


class SafePrintDialog(QPrintDialog):
    """Qt's print dialog, its "print to file" path completion given the same icons."""

    def __init__(self, printer: QPrinter, parent: QWidget | None) -> None:
        super().__init__(printer, parent)
        self._icons = NameOnlyIcons()  # the models do not own it: kept as long as they
        for model in self.findChildren(QFileSystemModel):
            model.setIconProvider(self._icons)
