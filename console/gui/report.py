"""The session report drawn as A4 pages with QPdfWriter: layout only.

What the report says is assembled Qt-free in console/core/report_model.py. This module
draws it: the header, the zone map with its passes, per-zone depth and passes against
the plan (flagged rows in red), the procedure timeline, consent with the signature,
products and lots, photos, the series position, the depth and rate plots, alarms and
link gaps, signatures and amendments. `write_session_report` is the one entry point of
the review window's export and of `pen-console report`. Needs a QApplication (the zone
map is a widget; offscreen is fine); no network, no pyqtgraph.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from console.core.display_text import shown_name
from console.core.event_words import mm
from console.core.report_model import Report, build_report
from console.core.report_zones import ZoneResult
from console.core.review import SessionReview
from console.core.zones import available_maps
from console.gui.pdf_page import FLAG_RED, GREY, MM, PLOT_H, Page, pdf_writer

THUMB_MM = 38
_WRAP = int(Qt.TextFlag.TextWordWrap)
RATE_MIN_SPAN_HZ = 20.0  # a steady 80 Hz is a flat line, not a band (issue 12)


def write_session_report(
    review: SessionReview,
    path: str | Path,
    clinic: str | None = None,
    progress: Callable[[int], None] | None = None,
    extra: Callable[[Page], None] | None = None,
) -> Path:
    """The report of `review`'s session at `path` (the window's export and the CLI's)."""
    step = progress or (lambda _pct: None)
    report = build_report(review, clinic)
    step(30)
    return write_report(report, path, zone_map_image(report), step, extra)


def zone_map_image(report: Report) -> QImage | None:
    """The session's map with each zone's passes, as the review window shows it at the
    end (None when its zones are on no known map)."""
    from widgets.zone_map import ZoneMapWidget  # a widget: only when drawing

    zone_map = available_maps().get(report.map_id or "")
    if zone_map is None:
        return None
    view = ZoneMapWidget(zone_map, read_only=True)
    try:
        view.show_state(report.passes_done, None)
        return view.render_image(400, 520)
    finally:
        view.deleteLater()


def write_report(
    report: Report,
    path: str | Path,
    zone_map: QImage | None = None,
    progress: Callable[[int], None] | None = None,
    extra: Callable[[Page], None] | None = None,
) -> Path:
    """`report` at `path`; `extra` draws further pages (the aftercare sheet) before the
    file is closed."""
    path = Path(path)
    h = report.header
    writer = pdf_writer(str(path), f"Pen Console session {h.session}")
    painter = QPainter(writer)
    step = progress or (lambda _pct: None)
    try:
        page = Page(writer, painter)
        _header(page, report, zone_map)
        _zones(page, report.zones)
        step(45)
        _timeline(page, report)
        _consent(page, report)
        _products(page, report)
        _photos(page, report)
        step(65)
        page.heading("Depth and stroke rate")
        half = (page.width - 4 * MM) / 2
        set_x, set_y = report.depth_set_mm
        meas_x, meas_y = report.depth_meas_mm
        page.need(PLOT_H)
        page.plot(
            "Depth (blue: set, orange: measured)",
            [(set_x, set_y, "#1565c0"), (meas_x, meas_y, "#ef6c00")],
            "mm",
            width=half,
            advance=False,
        )
        page.plot(
            "Stroke rate", [(*report.rate_hz, "#2e7d32")], "Hz", RATE_MIN_SPAN_HZ, page.width - half
        )
        step(80)
        _alarms(page, report)
        _signatures(page, report)
        if extra is not None:
            extra(page)
    finally:
        painter.end()
    step(100)
    return path


def _header(page: Page, report: Report, zone_map: QImage | None) -> None:
    h = report.header
    page.text(h.clinic, 11, bold=True, colour=GREY)
    page.text("Microneedling session report", 17, bold=True)
    if h.simulated:  # H-35: not a treatment, said before anything else
        page.text(h.simulated, 12, bold=True, colour=FLAG_RED)
    code = shown_name(h.patient_code)  # no bidi controls; a long name cannot run under the map
    patient = f"{code} · {shown_name(h.patient_name)}" if h.patient_name else code
    lines = [
        f"Patient: {patient}",
        f"Date: {h.when} · duration {h.duration}",
        f"Practitioner: {h.practitioner}",
        f"Pen: {h.pen}",
        f"Cartridge: {h.cartridge}",
        f"Treatment plan: {h.plan}",
        f"Series: {report.series}",
        f"Session {h.session} · status {h.status}",
    ]
    top = page.y
    for line in lines:
        page.text(line, 9.5)
    if zone_map is not None:  # beside the header lines, at the right
        height = 62 * MM
        x = page.width - height * zone_map.width() / max(1, zone_map.height())
        below = page.y
        page.y = top
        page.image(zone_map, height, x=x, advance=False)
        page.y = max(below, top + height + 2 * MM)


def _zones(page: Page, zones: tuple[ZoneResult, ...]) -> None:
    page.heading("Zones: depth and passes against the plan")
    if not zones:
        page.text("No passes were marked and no plan was followed.", 9, colour=GREY)
        return
    page.table(
        [
            "Zone",
            "Passes done / plan",
            "PRP passes",
            "Depth max",
            "Depth median",
            "Plan depth",
            "Ceiling",
            "Flag",
        ],
        [
            [
                z.label,
                f"{z.passes} / {'–' if z.passes_planned is None else z.passes_planned}",
                f"{z.prp_passes} / {'–' if z.prp_planned is None else z.prp_planned}",
                mm(z.depth_max_um),
                mm(z.depth_median_um),
                mm(z.plan_um),
                mm(z.ceiling_um),
                z.flag_words(),
            ]
            for z in zones
        ],
        [0.12, 0.1, 0.08, 0.1, 0.1, 0.1, 0.1, 0.3],
        flagged=[bool(z.flags) for z in zones],
    )
    page.text(
        "Depths are measured with the needles in the skin. A median within 0.05 mm of the "
        "plan's depth is on plan; a maximum above the zone's ceiling is always flagged.",
        7.5,
        colour=GREY,
    )


def _timeline(page: Page, report: Report) -> None:
    page.heading("Procedure timeline")
    if report.timeline:
        page.table(["Time", "Step"], [[ln.at, ln.what] for ln in report.timeline], [0.14, 0.86])
    else:
        page.text("No procedure steps were recorded.", 9, colour=GREY)


def _consent(page: Page, report: Report) -> None:
    if report.consents:  # the questions, the answers and the signature on one page
        rows = len(report.consents[0].answers) + 1
        page.need(min(rows * 7 * MM + 45 * MM, page.height))
    page.heading("Consent and contraindications")
    if not report.consents:
        page.text("No consent was recorded with this session.", 9, colour=FLAG_RED)
    for c in report.consents:
        page.table(
            ["Question", "Answer", "Confirmed by the practitioner"],
            [
                [a.question, "YES (flagged)" if a.yes else "no", "confirmed" if a.confirmed else ""]
                for a in c.answers
            ],
            [0.64, 0.14, 0.22],
            flagged=[a.yes for a in c.answers],
        )
        who = f"; flagged answers confirmed by {c.confirmed_by}" if c.confirmed_by else ""
        page.text(f"{c.questionnaire}, signed by the patient {c.signed}{who}.", 8.5)
        if c.signature_png:
            image = QImage.fromData(c.signature_png)
            page.need(24 * MM)
            target = page.image(image, 22 * MM, advance=False)
            page.p.setPen(QColor(GREY))
            page.p.drawRect(target)
            page.y += 24 * MM


def _products(page: Page, report: Report) -> None:
    page.heading("Products and lots")
    if not report.products:
        page.text("None recorded.", 9, colour=GREY)
        return
    page.table(
        ["Product", "Name", "Lot", "Serial", "Expiry", "Note"],
        [
            [
                p.kind,
                p.name,
                p.lot,
                p.serial,
                p.expiry,
                "; ".join(x for x in ("EXPIRED on the day" if p.expired else "", p.override) if x),
            ]
            for p in report.products
        ],
        [0.15, 0.18, 0.15, 0.13, 0.13, 0.26],
        flagged=[p.expired for p in report.products],
    )


def _photos(page: Page, report: Report) -> None:
    page.heading("Photos")
    if not report.photos:
        page.text("None.", 9, colour=GREY)
        return
    size = THUMB_MM * MM
    page.need(size + 40)
    x = 0.0
    for photo in report.photos:
        if x + size > page.width:
            page.y += size + 40
            page.need(size + 40)
            x = 0.0
        image = QImage.fromData(photo.data)
        scale = min(size / max(1, image.width()), size / max(1, image.height()))
        target = page.image(image, image.height() * scale, x=x, advance=False)
        page.set_font(7.5)
        page.p.setPen(QColor(GREY))
        label = f"{photo.when} · {photo.zone} · {photo.date}"
        page.p.drawText(QRectF(x, target.bottom() + 4, size, 40), _WRAP, label)
        x += size + 12
    page.y += size + 40


def _alarms(page: Page, report: Report) -> None:
    page.heading("Alarms and link gaps")
    if not report.alarms:
        page.text("None.", 9)
        return
    rows = [[ln.at, ln.what] for ln in report.alarms[:60]]
    page.table(["Time", "What"], rows, [0.14, 0.86])
    if len(report.alarms) > 60:
        page.text(f"… and {len(report.alarms) - 60} more (see the CSV export)", 8)


def _signatures(page: Page, report: Report) -> None:
    page.heading("Signatures", keep_mm=16)
    if report.signatures:
        for s in report.signatures:
            page.text(s, 9)
    else:
        page.text("Not signed.", 9, colour=FLAG_RED)
    if report.amendments:
        page.heading("Amendments and follow-ups")
        for a in report.amendments:
            page.text(a, 9)
    page.text(f"Audit chain head when printed: {report.audit_head}", 7, colour=GREY)
