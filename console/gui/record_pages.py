"""PDF pages of the patient's record: consent, products and lots, photos, the series,
and the one-page aftercare sheet. Drawn with the session report's page cursor
(console/gui/report.py) onto a QPdfWriter; no rules here, only layout.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from console.core.aftercare import AftercareSheet, status_after
from console.core.consent import load_questionnaire
from console.core.photos import display_bytes
from console.gui.report import DPI, MM, _Page
from console.store import Store

THUMB_MM = 38


def new_page(page: _Page) -> None:
    page.writer.newPage()
    page.y = 0.0


def draw_patient_record(page: _Page, store: Store, session: str) -> None:
    """Consent (answers and signature), products and lots, photos, series position."""
    new_page(page)
    meta = store.session(session)
    page.text(f"Patient record · {meta['patient_code']}", 14, bold=True)
    page.text(f"Series: {status_after(store, session).position()}")
    page.text("Consent and contraindications", 11, bold=True)
    consents = store.media.consents(session)
    texts = {q.id: q.text for q in load_questionnaire().questions}
    for c in consents:
        answers = json.loads(c.answers)
        page.table(
            ["Question", "Answer", "Confirmed"],
            [
                [
                    texts.get(q, q),
                    "YES (flagged)" if a["answer"] else "no",
                    "yes" if a["confirmed"] else "",
                ]
                for q, a in answers.items()
            ],
            [0.7, 0.15, 0.15],
        )
        who = f", flagged answers confirmed by {c.confirmed_by}" if c.confirmed_by else ""
        page.text(f"{c.questionnaire}, signed {c.signed_utc[:16].replace('T', ' ')} UTC{who}", 8)
        if c.signature_png:
            image = QImage.fromData(c.signature_png)
            h = 22 * MM
            page.need(h)
            page.p.drawImage(QRectF(0, page.y, h * 3, h), image)
            page.y += h + 8
    if not consents:
        page.text("No consent was recorded with this session.", 9, colour="#b71c1c")
    page.text("Products and lots", 11, bold=True)
    products = store.products.for_session(session)
    if products:
        page.table(
            ["Product", "Lot", "Serial", "Expiry", "Override"],
            [
                [
                    p.kind.replace("_", " "),
                    p.lot,
                    p.serial or "",
                    p.expiry or "",
                    p.override_reason or "",
                ]
                for p in products
            ],
            [0.22, 0.2, 0.16, 0.14, 0.28],
        )
    else:
        page.text("None recorded.", 9)
    _draw_photos(page, store, session)


def _draw_photos(page: _Page, store: Store, session: str) -> None:
    page.text("Photos", 11, bold=True)
    photos = store.media.photos(session)
    if not photos:
        page.text("None.", 9)
        return
    size = THUMB_MM * MM
    page.need(size + 40)
    x = 0.0
    for photo in photos:
        if x + size > page.width:
            page.y += size + 40
            page.need(size + 40)
            x = 0.0
        image = QImage.fromData(display_bytes(store.media.photo_data(photo.id), photo.media_type))
        scale = min(size / max(1, image.width()), size / max(1, image.height()))
        target = QRectF(x, page.y, image.width() * scale, image.height() * scale)
        page.p.drawImage(target, image)
        label = f"{photo.taken} · {photo.zone or 'no zone'} · {(photo.exif_date or '')[:10]}"
        page.p.setFont(QFont("DejaVu Sans", 7))
        page.p.drawText(QRectF(x, target.bottom() + 4, size, 30), 0, label)
        x += size + 12
    page.y += size + 40


def draw_aftercare(page: _Page, sheet: AftercareSheet) -> None:
    page.text(sheet.clinic, 18, bold=True)
    page.text(sheet.title, 14, bold=True)
    page.text(f"Patient {sheet.patient_code} · treated on {sheet.treated_on:%d %B %Y}", 10)
    page.y += 10
    for point in sheet.points:
        paragraph(page, "•  " + point, 11)
    page.y += 10
    paragraph(page, sheet.series.position().capitalize() + ".", 10)
    if sheet.closing:
        paragraph(page, sheet.closing, 10)


def paragraph(page: _Page, text: str, size: int) -> None:
    """Text wrapped to the page width (the report's `text` is one line)."""
    font = QFont("DejaVu Sans", size)
    page.p.setFont(font)
    page.p.setPen(QColor("#000"))
    flags = int(Qt.TextFlag.TextWordWrap)
    box = QFontMetricsF(font, page.writer).boundingRect(
        QRectF(0, 0, page.width, page.height), flags, text
    )
    h = box.height() + size * DPI / 72 * 0.5
    page.need(h)
    page.p.drawText(QRectF(0, page.y, page.width, h), flags, text)
    page.y += h


def write_aftercare(sheet: AftercareSheet, path: Path) -> Path:
    """The aftercare sheet alone, one A4 page."""
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)
    writer.setTitle(f"Aftercare · {sheet.clinic}")
    writer.setCreator("Pen Console")
    painter = QPainter(writer)
    try:
        draw_aftercare(_Page(writer, painter), sheet)
    finally:
        painter.end()
    return path
