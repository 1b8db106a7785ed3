"""The lot prompt: a product's lot typed or scanned (a scanner types, then Enter).

A GS1 scan is never saved straight from the scanner's Enter: the dialog shows what it
read (GTIN, lot, expiry, serial) and one touch on "Record" saves it, so a lot merged with
the serial (a group separator lost on the way) is seen before it is kept. The separator
(ASCII 29, which scanners send as Ctrl+]) is kept in the field by a key filter: a
QLineEdit drops control characters typed into it.

Holds no rule: the scan is parsed by console/core/lots.py and recorded through the
`record` callable it is handed (the treatment's `record_lot`). A cartridge already used
on another patient shows the HIGH refusal in red and the way on: insert a new cartridge
and scan it, or a supervisor's override with a reason. An expired product shows the
MEDIUM warning in yellow; the product is recorded either way.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Refused
from console.core.lots import (
    Finding,
    FindingKind,
    LotError,
    Product,
    ProductKind,
    parse_scan,
)
from console.gui.gs1_keys import keep_group_separator

HIGH_STYLE = "background: #c62828; color: white; font-size: 17px; font-weight: bold; padding: 10px;"
MEDIUM_STYLE = "background: #f9a825; color: black; font-size: 15px; padding: 8px;"

Record = Callable[[Product, str | None], list[Finding]]


class LotDialog(QDialog):
    def __init__(
        self,
        record: Record,
        kind: ProductKind = ProductKind.CARTRIDGE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._record = record
        self.product: Product | None = None
        self.pending: Product | None = None  # a scan read and shown, not yet recorded
        self.setWindowTitle("Product lot")
        layout = QVBoxLayout(self)
        heading = QLabel("Scan the package, or type its lot")
        heading.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(heading)
        form = QFormLayout()
        self.kind = QComboBox()
        for k in ProductKind:
            self.kind.addItem(k.words.capitalize(), k)
        self.kind.setCurrentIndex(list(ProductKind).index(kind))
        self.code = QLineEdit()
        self.code.setPlaceholderText("GS1 barcode, or LOT or LOT:SERIAL")
        self.code.setMinimumHeight(44)
        keep_group_separator(self.code)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. 12-needle cartridge, 32 G")
        form.addRow("Product", self.kind)
        form.addRow("Lot", self.code)
        form.addRow("Name", self.name)
        layout.addLayout(form)
        self.parsed = QLabel("")
        layout.addWidget(self.parsed)
        self.alarm = QLabel("")
        self.alarm.setWordWrap(True)
        self.alarm.setVisible(False)
        layout.addWidget(self.alarm)
        self.override = QGroupBox("Supervisor override (recorded with its reason)")
        row = QHBoxLayout(self.override)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why this cartridge may be used")
        self.override_button = QPushButton("Override")
        self.override_button.setMinimumSize(140, 44)
        row.addWidget(self.reason, 1)
        row.addWidget(self.override_button)
        self.override.setVisible(False)
        layout.addWidget(self.override)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        cancel = QPushButton("Cancel")
        self.record_button = QPushButton("Record lot")
        for b in (cancel, self.record_button):
            b.setMinimumSize(160, 48)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.record_button)
        layout.addLayout(buttons)
        self.code.returnPressed.connect(self._on_record)  # a scanner ends with Enter
        self.code.textChanged.connect(self._on_code_changed)
        self.record_button.clicked.connect(self._on_record)
        self.override_button.clicked.connect(self._on_override)
        cancel.clicked.connect(self.reject)

    def _show(self, text: str, style: str) -> None:
        self.alarm.setText(text)
        self.alarm.setStyleSheet(style)
        self.alarm.setVisible(bool(text))

    def _on_code_changed(self, _text: str) -> None:
        if self.pending is not None:  # what was shown is no longer what is in the field
            self.pending = None
            self.parsed.setText("")
            self.record_button.setText("Record lot")

    def _on_record(self) -> None:
        if self.pending is not None:  # the scan was shown: this touch records it
            product, self.pending = self.pending, None
            self.record_button.setText("Record lot")
            self._submit(product, None)
            return
        try:
            kind = ProductKind(self.kind.currentData())
            product = parse_scan(kind, self.code.text(), self.name.text())
        except LotError as exc:
            self._show(str(exc), MEDIUM_STYLE)
            return
        self.product = product
        gtin = f"GTIN {product.gtin}, " if product.gtin else ""
        expiry = f", expires {product.expiry}" if product.expiry else ""
        serial = f", serial {product.serial}" if product.serial else ""
        self.parsed.setText(f"{gtin}Lot {product.lot}{serial}{expiry}")
        if product.gtin is not None or product.expiry is not None:  # read from a barcode
            self.pending = product
            self.parsed.setText(f"Scanned: {self.parsed.text()}. Check it, then Record.")
            self.record_button.setText("Record")
            return
        self._submit(product, None)

    def _on_override(self) -> None:
        if self.product is not None:
            self._submit(self.product, self.reason.text().strip() or None)

    def _submit(self, product: Product, reason: str | None) -> None:
        try:
            findings = self._record(product, reason)
        except Refused as refused:  # the single-use refusal, or no right to override
            reused = self.product is not None and product.kind is ProductKind.CARTRIDGE
            self._show(f"HIGH · {refused}", HIGH_STYLE)
            self.override.setVisible(reused)
            return
        expired = [f for f in findings if f.kind is FindingKind.EXPIRED]
        if expired:
            self.override.setVisible(False)
            self._show(f"MEDIUM · {expired[0].sentence}. Recorded.", MEDIUM_STYLE)
            self.record_button.setText("Done")
            self.record_button.clicked.disconnect()
            self.record_button.clicked.connect(self.accept)
            return
        self.accept()
