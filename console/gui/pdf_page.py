"""A cursor down A4 pages of a QPdfWriter: headings, wrapped lines, tables, images, plots.

Layout only; what goes on the page is decided in console/core (report_model.py,
aftercare.py). Needs a QGuiApplication (offscreen is fine).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

DPI = 150
MM = DPI / 25.4
FONT = "DejaVu Sans"
FLAG_RED = "#b71c1c"
GREY = "#444"
_WRAP = int(Qt.TextFlag.TextWordWrap)
PLOT_H = 48 * MM


def pdf_writer(path: str, title: str, margin_mm: float = 15) -> QPdfWriter:
    writer = QPdfWriter(path)
    writer.setResolution(DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(*[margin_mm] * 4), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Pen Console")
    return writer


class Page:
    """A cursor down an A4 page, in device pixels; a new page when the next piece
    does not fit."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer = writer
        self.p = painter
        self.width = writer.width()
        self.height = writer.height()
        self.y = 0.0

    def need(self, h: float) -> None:
        if self.y + h > self.height:
            self.new_page()

    def new_page(self) -> None:
        self.writer.newPage()
        self.y = 0.0

    def set_font(self, size: float, bold: bool = False) -> QFont:
        font = QFont(FONT)
        font.setPointSizeF(size)
        font.setBold(bold)
        self.p.setFont(font)
        return font

    def text(self, s: str, size: float = 10, bold: bool = False, colour: str = "#000") -> None:
        """A paragraph, wrapped to the page width."""
        font = self.set_font(size, bold)
        self.p.setPen(QColor(colour))
        box = QFontMetricsF(font, self.writer).boundingRect(
            QRectF(0, 0, self.width, self.height), _WRAP, s
        )
        h = box.height() + size * DPI / 72 * 0.35
        self.need(h)
        self.p.drawText(QRectF(0, self.y, self.width, h), _WRAP, s)
        self.y += h

    def heading(self, s: str, keep_mm: float = 30) -> None:
        """A section title, on a new page unless `keep_mm` of the section fit below it."""
        self.need(keep_mm * MM)  # a heading never ends a page alone
        self.y += 2 * MM
        self.text(s, 11.5, bold=True)

    def table(
        self,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        flagged: list[bool] | None = None,
    ) -> None:
        """Rows as tall as their longest wrapped cell; flagged rows in red."""
        x_positions = np.cumsum([0, *widths[:-1]]) * self.width
        flags = flagged or [False] * len(rows)
        pad = 4.0
        for r, cells in enumerate([headers, *rows]):
            font = self.set_font(8.5, bold=r == 0 or (r > 0 and flags[r - 1]))
            metrics = QFontMetricsF(font, self.writer)
            h = (
                max(
                    metrics.boundingRect(
                        QRectF(0, 0, w * self.width - 2 * pad, 1e4), _WRAP, c
                    ).height()
                    for w, c in zip(widths, cells, strict=True)
                )
                + 2 * pad
            )
            if self.y + h > self.height:
                self.new_page()
                if r > 0:  # the header again on the new page
                    self.table(headers, [], widths)
                    self.set_font(8.5, bold=flags[r - 1])
            if r == 0:
                self.p.fillRect(QRectF(0, self.y, self.width, h), QColor("#dde3ea"))
            elif r % 2 == 0:
                self.p.fillRect(QRectF(0, self.y, self.width, h), QColor("#f0f3f6"))
            self.p.setPen(QColor(FLAG_RED if r > 0 and flags[r - 1] else "#000"))
            for x, w, cell in zip(x_positions, widths, cells, strict=True):
                rect = QRectF(x + pad, self.y + pad, w * self.width - 2 * pad, h - 2 * pad)
                self.p.drawText(rect, _WRAP | int(Qt.AlignmentFlag.AlignTop), cell)
            self.y += h
        if rows or not headers:
            self.y += 2 * MM

    def image(self, image: QImage, h: float, x: float = 0.0, advance: bool = True) -> QRectF:
        """An image scaled to height `h` (keeping its shape), at x."""
        w = h * image.width() / max(1, image.height())
        target = QRectF(x, self.y, w, h)
        self.p.drawImage(target, image)
        if advance:
            self.y += h + 2 * MM
        return target

    def plot(
        self,
        title: str,
        series: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], str]],
        unit: str,
        min_span: float = 0.0,
        x0: float = 0.0,
        width: float | None = None,
        advance: bool = True,
    ) -> None:
        """Lines over a shared x (seconds), y from 0, in a frame from x0 of `width` (the
        page's by default); `min_span` keeps a flat trace flat."""
        w = self.width - x0 if width is None else width
        h = PLOT_H
        self.need(h)
        top = self.y
        self.set_font(10, bold=True)
        self.p.setPen(QColor("#000"))
        self.p.drawText(QRectF(x0, top, w, 20 * DPI / 72), 0, title)
        frame = QRectF(x0 + 60, top + 18 * DPI / 72, w - 70, h - 20 - 18 * DPI / 72)
        self.p.setPen(QPen(QColor("#9aa5b1"), 1))
        self.p.drawRect(frame)
        xs = [x for x, _, _ in series if len(x)]
        ys = [y[np.isfinite(y)] for _, y, _ in series if len(y)]
        ys = [y for y in ys if len(y)]
        if xs and ys:
            x_max = max(float(x[-1]) for x in xs) or 1.0
            y_max = max(max(float(y.max()) for y in ys) * 1.1, min_span) or 1.0
            for x, y, colour in series:
                self.p.setPen(QPen(QColor(colour), 1))
                px = frame.left() + x / x_max * frame.width()
                py = frame.bottom() - np.nan_to_num(y, nan=-1) / y_max * frame.height()
                ok = np.isfinite(y)
                for i in range(1, len(px)):
                    if ok[i] and ok[i - 1]:
                        self.p.drawLine(QPointF(px[i - 1], py[i - 1]), QPointF(px[i], py[i]))
            self.p.setPen(QColor("#333"))
            self.set_font(7)
            self.p.drawText(QPointF(x0 + 2, frame.top() + 12), f"{y_max:.1f} {unit}")
            self.p.drawText(QPointF(x0 + 2, frame.bottom()), f"0 {unit}")
            self.p.drawText(QPointF(frame.right() - 90, frame.bottom() + 16), f"{x_max:.0f} s")
        else:
            self.set_font(8)
            self.p.drawText(frame, int(Qt.AlignmentFlag.AlignCenter), "No samples recorded.")
        if advance:
            self.y = top + h
