"""A read-only, sortable, row-selecting table view for a list handed to it as a model
(the review window's sessions, the due list, the lot search). Headers resize by hand;
the last column (or the one named) stretches; a sort indicator shows the order the model
was asked for."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget


class ListTable(QTableView):
    def __init__(
        self,
        model: QAbstractItemModel,
        *,
        sortable: bool = False,
        sort_column: int = 0,
        descending: bool = False,
        stretch_column: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("listTable")  # the themes' denser font for the review's lists
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        if stretch_column is None:
            header.setStretchLastSection(True)
        else:  # this column takes what the others leave (and gives when they widen)
            header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        if sortable:
            # The indicator first, then sorting on: setSortingEnabled asks the model to
            # sort by the indicator's column at once.
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(sort_column, order)
            self.setSortingEnabled(True)

    def fit_columns(self, samples: dict[int, str]) -> None:
        """Each column wide enough for its sample text and its header (the last one
        stretches): widths follow the font, so nothing that matters is cut off."""
        self._samples = dict(samples)
        self.ensurePolished()  # the style sheet's font, not the default one, sets widths
        self.horizontalHeader().ensurePolished()
        cells, heads = self.fontMetrics(), self.horizontalHeader().fontMetrics()
        model = self.model()
        for column, sample in samples.items():
            head = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(cells.horizontalAdvance(sample), heads.horizontalAdvance(head))
            self.setColumnWidth(column, width + 8)

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None
