"""The one-page aftercare sheet, drawn with the report's page cursor onto a QPdfWriter:
after the session report, or alone for the patient (`report --aftercare`). The words are
the clinic's (console/core/aftercare.py); no rules here, only layout.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPainter

from console.core.aftercare import AftercareSheet
from console.gui.pdf_page import Page, pdf_writer


def draw_aftercare(page: Page, sheet: AftercareSheet) -> None:
    page.text(sheet.clinic, 18, bold=True)
    page.text(sheet.title, 14, bold=True)
    page.text(f"Patient {sheet.patient_code} · treated on {sheet.treated_on:%d %B %Y}", 10)
    page.y += 10
    for point in sheet.points:
        page.text("•  " + point, 11)
    page.y += 10
    page.text(sheet.series.position().capitalize() + ".", 10)
    if sheet.closing:
        page.text(sheet.closing, 10)


def write_aftercare(sheet: AftercareSheet, path: Path) -> Path:
    """The aftercare sheet alone, one A4 page."""
    writer = pdf_writer(str(path), f"Aftercare · {sheet.clinic}", margin_mm=20)
    painter = QPainter(writer)
    try:
        draw_aftercare(Page(writer, painter), sheet)
    finally:
        painter.end()
    return path
