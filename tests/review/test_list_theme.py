"""Tables with alternating rows stay readable in both themes: the alternate row's
background is the theme's, not Qt's near-white default under pale dark-theme text."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel

from console.gui.settings import stylesheet
from widgets.session_table import ListTable


@pytest.mark.parametrize(("theme", "dark"), [("dark", True), ("light", False)])
def test_alternate_rows_keep_the_theme_background(qtbot, theme: str, dark: bool) -> None:
    model = QStandardItemModel(4, 2)
    for r in range(4):
        model.setItem(r, 0, QStandardItem(""))
    table = ListTable(model)
    table.setStyleSheet(stylesheet(theme))
    table.resize(300, 200)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    image = table.viewport().grab().toImage()
    for row in range(4):
        y = table.rowViewportPosition(row) + table.rowHeight(row) // 2
        lightness = QColor(image.pixel(10, y)).lightness()
        assert (lightness < 90) if dark else (lightness > 200), (theme, row, lightness)
