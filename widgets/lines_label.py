"""A word-wrapped label that always takes the height of a set number of lines.

A sentence that grows from one line to two (a refusal, a step's notes) must not move the
buttons below or beside it: at the cart a target that jumps under a gloved finger is a
wrong press. The height follows the label's own font, so a theme's size is respected.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class LinesLabel(QLabel):
    def __init__(self, lines: int, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.lines = lines
        self.setWordWrap(True)
        # Up to `lines` high, down to one on a screen too small for more: the height
        # follows the window, never the text, so a sentence never moves anything.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)

    def _height(self, lines: int | None = None) -> int:
        m = self.contentsMargins()
        n = self.lines if lines is None else lines
        return self.fontMetrics().lineSpacing() * n + m.top() + m.bottom() + 2

    def hasHeightForWidth(self) -> bool:
        return False  # the height never follows the text

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._height(1))
