"""The review window's other two finders, beside the session list:

- "Due": the front desk's list of patients overdue or due for their next treatment
  within 14 days (console/core/review_list.py), printed or saved as PDF (no network).
- "Lot search": every session and patient that used a product lot (the recall search of
  `pen-console lots find`, console/core/lots.py). A barcode scanner types like a
  keyboard and ends with Return, which runs the search.

Choosing a row opens that session in the detail pane (`chosen`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, Qt, Signal
from PySide6.QtGui import (
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Access, Refused
from console.core.lots import LotError, find_lot
from console.core.review_list import DUE_HORIZON_DAYS, DuePatient, due_list
from console.gui.file_dialogs import SafePrintDialog, save_file_name
from console.gui.session_model import local_time
from widgets.session_table import ListTable

DUE_HEADERS = ("Patient", "Name", "State", "Treatments", "Due from", "Due by")
LOT_HEADERS = ("Patient", "Started", "Product", "Lot", "Serial", "Expiry")


def _fill(model: QStandardItemModel, rows: list[list[str]], keys: list[str] | None = None) -> None:
    model.removeRows(0, model.rowCount())
    for i, cells in enumerate(rows):
        items = [QStandardItem(c) for c in cells]
        if keys is not None:
            items[0].setData(keys[i], Qt.ItemDataRole.UserRole)
        model.appendRow(items)


def _model(headers: tuple[str, ...]) -> QStandardItemModel:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(list(headers))
    return model


class DuePage(QWidget):
    message = Signal(str)

    def __init__(self, access: Access, today: Callable[[], date] = date.today) -> None:
        super().__init__()
        self.access = access
        self.today = today
        self.due: list[DuePatient] = []
        self.model = _model(DUE_HEADERS)
        self.table = ListTable(self.model)
        self.table.fit_columns(
            {0: "P-0000", 1: "Ada Lovelace", 2: "due soon", 3: "1 of 3", 4: "2026-12-02"}
        )
        self.title = QLabel("")
        self.title.setWordWrap(True)  # its own line, above the buttons: never cut
        self.refresh_button = QPushButton("Refresh")
        self.print_button = QPushButton("Print…")
        self.pdf_button = QPushButton("Save PDF…")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.refresh_button, self.print_button, self.pdf_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.print_button.clicked.connect(self._on_print)
        self.pdf_button.clicked.connect(self._on_save_pdf)

    def refresh(self) -> list[DuePatient]:
        today = self.today()
        try:
            self.due = due_list(self.access, today)
        except Refused as exc:
            self.due = []
            self.message.emit(str(exc))
        self.title.setText(
            f"Due in the next {DUE_HORIZON_DAYS} days or overdue, as of {today:%Y-%m-%d}: "
            f"{len(self.due)}"
        )
        _fill(self.model, [self._cells(d) for d in self.due])
        return self.due

    @staticmethod
    def _cells(d: DuePatient) -> list[str]:
        s = d.status
        return [
            d.patient_code,
            d.patient_name or "",
            str(d.kind),
            f"{s.done} of {s.rule.treatments}",
            str(s.due_from or ""),
            str(s.due_by or ""),
        ]

    def document(self) -> QTextDocument:
        """The list as the front desk prints it: a title, the date and one table."""
        head = "".join(f"<th align='left'>{h}</th>" for h in DUE_HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in self._cells(d)) + "</tr>"
            for d in self.due
        )
        doc = QTextDocument()
        doc.setHtml(
            f"<h2>Patients due for treatment</h2><p>{html.escape(self.title.text())}</p>"
            f"<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<tr>{head}</tr>{body}</table>"
        )
        return doc

    def write_pdf(self, path: str | Path) -> Path:
        out = Path(path)
        writer = QPdfWriter(str(out))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        self.document().print_(writer)
        return out

    def _on_print(self) -> None:
        printer = QPrinter()
        if SafePrintDialog(printer, self).exec():
            self.document().print_(printer)

    def _on_save_pdf(self) -> None:
        default = Path.home() / f"due-{self.today():%Y-%m-%d}.pdf"
        path = save_file_name(self, "Save the due list", str(default), "PDF (*.pdf)")
        if path:
            self.message.emit(f"The due list was saved to {self.write_pdf(path)}")


class LotPage(QWidget):
    chosen = Signal(str)
    message = Signal(str)

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access
        self.lot = QLineEdit()
        self.lot.setPlaceholderText("Type or scan a lot, then Return")
        self.lot.setClearButtonEnabled(True)
        self.find_button = QPushButton("Find")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.model = _model(LOT_HEADERS)
        self.table = ListTable(self.model)
        self.table.fit_columns(
            {0: "P-0000", 1: "2026-12-02 00:00", 2: "PRP kit", 3: "PRP-2611-A00", 4: "SN-000000"}
        )
        row = QHBoxLayout()
        row.addWidget(self.lot, 1)
        row.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.result)
        layout.addWidget(self.table, 1)
        self.lot.returnPressed.connect(self.find)
        self.find_button.clicked.connect(self.find)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def find(self) -> int:
        lot = self.lot.text().strip()
        try:
            uses = find_lot(self.access, lot)
        except (LotError, Refused) as exc:
            self.result.setText(str(exc))
            _fill(self.model, [])
            return 0
        patients = {u.patient_code for u in uses}
        self.result.setText(
            f"Lot {lot}: {len(uses)} use(s) in {len({u.session for u in uses})} session(s), "
            f"{len(patients)} patient(s)"
            if uses
            else f"No session used lot {lot}. Check the lot as printed on the pack."
        )
        _fill(
            self.model,
            [
                [
                    u.patient_code or "—",
                    local_time(u.started_utc),
                    u.name or u.kind,
                    u.lot,
                    u.serial or "",
                    u.expiry or "",
                ]
                for u in uses
            ],
            [u.session for u in uses],
        )
        return len(uses)

    def _on_selection(self) -> None:
        row = self.table.selected_row()
        if row is not None:
            self.chosen.emit(str(self.model.item(row, 0).data(Qt.ItemDataRole.UserRole)))
