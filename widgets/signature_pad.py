"""A pad the patient signs on with a finger, stylus or mouse.

Handed the strokes model it draws into (`Strokes`, below; console/core/consent.py's
`SignatureStrokes` is one), in the pad's own 0..1 coordinates so the signature does not
depend on the window size. Touch and stylus reach it as the mouse events Qt synthesises
from them. `signature_png` renders a model to a PNG with a white background, for the
record. Imports nothing from console.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#0d2a6b")


class Strokes(Protocol):
    strokes: list[list[tuple[float, float]]]

    def begin(self, p: tuple[float, float]) -> None: ...
    def extend(self, p: tuple[float, float]) -> None: ...
    def clear(self) -> None: ...


def _draw(painter: QPainter, model: Strokes, rect: QRectF, width_px: float) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(INK, width_px)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    for stroke in model.strokes:
        points = [
            QPointF(rect.x() + x * rect.width(), rect.y() + y * rect.height()) for x, y in stroke
        ]
        if len(points) == 1:
            painter.drawPoint(points[0])
        else:
            painter.drawPolyline(points)


def signature_png(model: Strokes, width: int = 600, height: int = 200) -> bytes:
    """The signature as PNG bytes (white background, dark ink)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        _draw(painter, model, QRectF(0, 0, width, height), 3.0)
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class SignaturePad(QWidget):
    changed = Signal()  # a stroke was drawn or the pad cleared

    def __init__(self, model: Strokes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setMinimumSize(480, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Signature pad: sign here")

    def clear(self) -> None:
        self.model.clear()
        self.update()
        self.changed.emit()

    def _at(self, event: QMouseEvent) -> tuple[float, float]:
        p = event.position()
        w, h = max(1, self.width()), max(1, self.height())
        return (min(max(p.x() / w, 0.0), 1.0), min(max(p.y() / h, 0.0), 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.model.begin(self._at(event))
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.model.extend(self._at(event))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("white"))
            painter.setPen(QPen(QColor("#9e9e9e"), 1, Qt.PenStyle.DashLine))
            baseline = self.height() * 0.78
            painter.drawLine(QPointF(16, baseline), QPointF(self.width() - 16, baseline))
            painter.drawText(QPointF(16, baseline + 18), "Sign above the line")
            _draw(painter, self.model, QRectF(self.rect()), 3.0)
        finally:
            painter.end()
