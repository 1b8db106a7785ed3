"""Regression guard: PySide6 6.12.0 on CPython 3.11 drops a reference to None on every
QPainter call and aborts with `none_dealloc` after ~10k calls. pyproject pins below it;
this test fails if a build with that leak is ever installed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLineF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_none_refcount_stays_flat_over_100k_qpainter_calls() -> None:
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    pen = QPen(QColor(Qt.GlobalColor.red))
    line = QLineF(0, 0, 63, 63)
    try:
        for _ in range(100):  # warm up caches before measuring
            painter.setPen(pen)
            painter.drawLine(line)
        before = sys.getrefcount(None)
        for _ in range(50_000):
            painter.setPen(pen)
            painter.drawLine(line)
        after = sys.getrefcount(None)
    finally:
        painter.end()
    # 100k calls; a leaking build loses 100k references. Allow a little noise.
    assert abs(after - before) < 100, (before, after)
