"""Keeps the GS1 group separator in a line edit that a barcode scanner types into.

Keyboard-wedge scanners send the separator (ASCII 29, FNC1 between variable-length
fields) as Ctrl+] or as a key whose text is that character; a QLineEdit drops control
characters, which would merge the lot with the serial after it. Used by the lot prompt
and the review's Lot search.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit

from console.core.lots import GROUP_SEPARATOR


class _KeepGroupSeparator(QObject):
    """Inserts the GS1 group separator the line edit would drop (Ctrl+], or a key event
    whose text is ASCII 29, as keyboard-wedge scanners send it)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            key = cast(QKeyEvent, event)
            ctrl = key.modifiers() & Qt.KeyboardModifier.ControlModifier
            if key.text() == GROUP_SEPARATOR or (ctrl and key.key() == Qt.Key.Key_BracketRight):
                watched.insert(GROUP_SEPARATOR)
                return True
        return False


def keep_group_separator(field: QLineEdit) -> None:
    """Install the filter on `field` (it is parented to the field, and lives with it)."""
    field.installEventFilter(_KeepGroupSeparator(field))
