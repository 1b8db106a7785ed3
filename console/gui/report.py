"""The session report: one or two A4 pages drawn with QPdfWriter.

Patient code, practitioner, date and duration; pen and cartridge; the zone map with its
passes (when a map image is given); the per-zone table; depth and rate plots; alarms and
gaps; signatures. Needs a QGuiApplication (offscreen is fine); no network, no pyqtgraph.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from console.core.review import SessionReview, step_words
from console.core.signing import signatures
from console.core.simulated import WORDS, is_simulated
from console.core.trust import head_words

DPI = 150
MM = DPI / 25.4


class _Page:
    """A cursor down an A4 page, in device pixels."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer = writer
        self.p = painter
        self.width = writer.width()
        self.height = writer.height()
        self.y = 0.0

    def need(self, h: float) -> None:
        if self.y + h > self.height:
            self.writer.newPage()
            self.y = 0.0

    def text(self, s: str, size: int = 10, bold: bool = False, colour: str = "#000") -> None:
        font = QFont("DejaVu Sans", size)
        font.setBold(bold)
        self.p.setFont(font)
        self.p.setPen(QColor(colour))
        h = size * DPI / 72 * 1.5
        self.need(h)
        self.p.drawText(QRectF(0, self.y, self.width, h), Qt.AlignmentFlag.AlignLeft, s)
        self.y += h

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        x_positions = np.cumsum([0, *widths[:-1]]) * self.width
        size = 9
        h = size * DPI / 72 * 1.5
        for r, cells in enumerate([headers, *rows]):
            self.need(h)
            font = QFont("DejaVu Sans", size)
            font.setBold(r == 0)
            self.p.setFont(font)
            if r % 2 == 1:
                self.p.fillRect(QRectF(0, self.y, self.width, h), QColor("#f0f3f6"))
            self.p.setPen(QColor("#000"))
            for x, w, cell in zip(x_positions, widths, cells, strict=True):
                rect = QRectF(x + 4, self.y, w * self.width - 8, h)
                self.p.drawText(rect, Qt.AlignmentFlag.AlignVCenter, cell)
            self.y += h
        self.y += h / 2

    def plot(self, title: str, series: list[tuple[np.ndarray, np.ndarray, str]], unit: str) -> None:
        h = 42 * MM
        self.need(h + 20)
        self.text(title, 10, bold=True)
        frame = QRectF(60, self.y, self.width - 70, h - 20)
        self.p.setPen(QPen(QColor("#9aa5b1"), 1))
        self.p.drawRect(frame)
        xs = [x for x, _, _ in series if len(x)]
        ys = [y[np.isfinite(y)] for _, y, _ in series if len(y)]
        ys = [y for y in ys if len(y)]
        if xs and ys:
            x_max = max(float(x[-1]) for x in xs) or 1.0
            y_max = max(float(y.max()) for y in ys) * 1.1 or 1.0
            for x, y, colour in series:
                self.p.setPen(QPen(QColor(colour), 1))
                px = frame.left() + x / x_max * frame.width()
                py = frame.bottom() - np.nan_to_num(y, nan=-1) / y_max * frame.height()
                ok = np.isfinite(y)
                for i in range(1, len(px)):
                    if ok[i] and ok[i - 1]:
                        self.p.drawLine(QPointF(px[i - 1], py[i - 1]), QPointF(px[i], py[i]))
            self.p.setPen(QColor("#333"))
            self.p.setFont(QFont("DejaVu Sans", 7))
            self.p.drawText(QPointF(2, frame.top() + 12), f"{y_max:.1f} {unit}")
            self.p.drawText(QPointF(2, frame.bottom()), f"0 {unit}")
            self.p.drawText(QPointF(frame.right() - 90, frame.bottom() + 16), f"{x_max:.0f} s")
        self.y += h


def write_report(
    review: SessionReview,
    path: str | Path,
    zone_map: QImage | None = None,
    progress: Callable[[int], None] | None = None,
    extra: Callable[[_Page], None] | None = None,
) -> Path:
    """The report at `path`; `extra` draws further pages (the patient's record, the
    aftercare sheet: console/gui/record_pages.py) before the file is closed."""
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle(f"Pen Console session {review.session}")
    writer.setCreator("Pen Console")
    painter = QPainter(writer)
    step = progress or (lambda _pct: None)
    try:
        page = _Page(writer, painter)
        m = review.meta
        page.text("Microneedling session report", 16, bold=True)
        if is_simulated(m):
            page.text(WORDS, 12, bold=True, colour="#c62828")
        page.text(f"Session {review.session}   ·   status: {m['status']}", 9, colour="#444")
        minutes, seconds = divmod(int(review.duration_s), 60)
        page.text(
            f"Patient {m['patient_code']}   ·   Practitioner {m['practitioner']}   ·   "
            f"{m['started_utc'][:16].replace('T', ' ')} UTC ({m['tz']})   ·   "
            f"duration {minutes} min {seconds:02d} s"
        )
        page.text(
            f"Pen {m['pen_model'] or '?'}  S/N {m['pen_serial'] or '?'}  firmware "
            f"{m['pen_firmware'] or '?'}   ·   cartridge {m['cartridge_needles'] or '?'} needles, "
            f"{m['cartridge_gauge'] or '?'} G"
        )
        page.text(f"Treatment plan: {m['plan_name'] or 'none'}")
        step(10)
        if zone_map is not None:
            h = 70 * MM
            page.need(h)
            target = QRectF(0, page.y, h * zone_map.width() / max(1, zone_map.height()), h)
            painter.drawImage(target, zone_map)
            page.y += h + 10
        zones = review.zone_summary()
        page.text("Zones", 11, bold=True)
        if zones:
            page.table(
                ["Zone", "Passes", "PRP", "Strokes", "Contact s", "Mean mm", "Max mm"],
                [
                    [
                        z["zone"],
                        str(z["passes"]),
                        str(z["prp_passes"]),
                        str(z["strokes"]),
                        f"{z['contact_s']:.0f}",
                        f"{(z['depth_mean_um'] or 0) / 1000:.2f}",
                        f"{z['depth_max_um'] / 1000:.2f}",
                    ]
                    for z in zones
                ],
                [0.24, 0.11, 0.09, 0.14, 0.14, 0.14, 0.14],
            )
        else:
            page.text("No passes were marked in this session.", 9, colour="#444")
        steps = review.steps()
        if steps:  # the procedure's timeline: steps, timers, overrides (issue 11)
            page.text("Procedure steps", 11, bold=True)
            page.table(
                ["Time", "Step"],
                [[e["at_utc"][11:19], step_words(e)] for e in steps[:30]],
                [0.2, 0.8],
            )
        step(35)
        x, set_mm = review.envelope("depth_set_um", 600)
        xm, meas_mm = review.envelope("depth_meas_um", 600)
        meas_mm = np.where(meas_mm > 0, meas_mm, np.nan)
        page.plot("Depth", [(x, set_mm / 1000, "#1565c0"), (xm, meas_mm / 1000, "#ef6c00")], "mm")
        step(60)
        xr, rate = review.envelope("rate_dhz", 600)
        page.plot("Stroke rate", [(xr, rate / 10, "#2e7d32")], "Hz")
        step(75)
        page.text("Alarms and link gaps", 11, bold=True)
        alarm_rows = [
            [
                e["at_utc"][11:19],
                e["kind"].replace("_", " "),
                str(e["data"].get("condition") or e["data"].get("priority") or e["arg"] or ""),
            ]
            for e in review.alarms()
        ] + [
            [
                f"t={g.t_s:.1f} s",
                g.kind.replace("_", " "),
                f"{g.frames_lost} frames" if g.frames_lost else f"{g.length_s:.2f} s",
            ]
            for g in review.gaps()
        ]
        if alarm_rows:
            page.table(["Time", "What", "Detail"], alarm_rows[:40], [0.2, 0.35, 0.45])
            if len(alarm_rows) > 40:
                page.text(f"… and {len(alarm_rows) - 40} more (see the JSON export)", 8)
        else:
            page.text("None.", 9)
        step(90)
        page.text("Signatures", 11, bold=True)
        sigs = signatures(review.store, review.session)
        if sigs:
            for s in sigs:
                page.text(f"{s.meaning.upper()} by {s.signer} at {s.signed_utc} UTC", 10)
                page.text(f"content SHA-256 {s.content_sha256}", 7, colour="#444")
        else:
            page.text("Not signed.", 9, colour="#b71c1c")
        # Written down on paper, the chain head lets `db check --anchor` find a later cut.
        head = head_words(review.store.audit.head())
        page.text(f"Audit chain head when printed: {head}", 7, colour="#444")
        if extra is not None:
            extra(page)
    finally:
        painter.end()
    step(100)
    return path
