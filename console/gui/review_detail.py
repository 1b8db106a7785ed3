"""The review window's detail header: who, when (local time, zone named once), how long,
which pen, the status, and the signatures as badges. Assembly only: the words come from
console/core/event_words.py and signature_words.py."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from console.core.event_words import local_time, zone_label
from console.core.review import SessionReview
from console.core.signature_words import NOT_SIGNED, badge_words
from console.core.signing import Signature
from console.core.simulated import WORDS, is_simulated
from console.core.zones import available_maps
from console.gui.settings import THEMES, stylesheet
from widgets.signature_badges import SignatureBadges

CHOOSE_TEXT = "No session chosen."


def current_theme() -> str:
    """The theme whose style sheet the application wears (the review command and the
    live screen set one); "light", Qt's own look, when it wears none of them."""
    app = QApplication.instance()
    sheet = app.styleSheet() if isinstance(app, QApplication) else ""
    return next((t for t in THEMES if sheet and sheet == stylesheet(t)), "light")


def zone_labels() -> dict[str, str]:
    """Every shipped map's zone ids and their labels ("forehead" -> "Forehead")."""
    return {z.id: z.label for m in available_maps().values() for z in m.zones}


class DetailHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(CHOOSE_TEXT)
        self.label.setWordWrap(True)
        self.label.setObjectName("reviewHeader")
        self.badges = SignatureBadges()
        self.badges.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.badges)

    def text(self) -> str:
        return self.label.text()

    def show_nothing(self) -> None:
        self.label.setText(CHOOSE_TEXT)
        self.badges.setVisible(False)

    def show_review(
        self, review: SessionReview, signatures: list[Signature], warning: str | None = None
    ) -> None:
        m = review.meta
        tz = m["tz"]
        started = local_time(m["started_utc"], tz, with_date=True)
        self.label.setText(
            f"<b>{m['patient_code'] or 'no patient'}</b> · {m['practitioner'] or '?'} · "
            f"started {started} ({zone_label(tz, m['started_utc'])}) · "
            f"{review.duration_s / 60:.1f} min · pen {m['pen_serial'] or '?'} · "
            f"<b>{review.status_words}</b>"
            + (f" · <b style='color:#c62828'>{WORDS}</b>" if is_simulated(m) else "")
            + (f"<br><b style='color:#c62828'>⚠ {escape(warning)}</b>" if warning else "")
        )
        self.badges.set_badges([badge_words(s, tz) for s in signatures], NOT_SIGNED)
        self.badges.setVisible(True)
