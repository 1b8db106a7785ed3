"""What the console remembers between runs (QSettings): theme, session target, window state.

One typed wrapper so that keys and defaults live in one place. Tests point QSettings at a
temporary folder (QSettings.setPath) or pass their own QSettings; nothing here ever picks
a location by itself beyond Qt's per-user default.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from resources import RESOURCES_DIR

ORGANIZATION = "pen-console"
APPLICATION = "pen-console"
THEMES = ("dark", "light")
DEFAULT_THEME = "dark"
DEFAULT_TARGET_MIN = 30  # the seed: treatments run 15–30 minutes
TARGET_MIN_RANGE = (1, 180)
PLOT_WINDOWS_S = (10, 30, 60)
DEFAULT_WINDOW_S = 30


def _practitioner_key(database: Path) -> str:
    digest = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:16]
    return f"session/practitioner_by_db/{digest}"


def stylesheet(theme: str) -> str:
    """The QSS text of a theme (resources/styles/<theme>.qss)."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; choose one of: {', '.join(THEMES)}")
    return (RESOURCES_DIR / "styles" / f"{theme}.qss").read_text(encoding="utf-8")


class ConsoleSettings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)

    # ------------------------------------------------------------ preferences

    @property
    def theme(self) -> str:
        value = str(self.q.value("theme", DEFAULT_THEME))
        return value if value in THEMES else DEFAULT_THEME

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEMES:
            raise ValueError(f"unknown theme {value!r}; choose one of: {', '.join(THEMES)}")
        self.q.setValue("theme", value)

    @property
    def target_minutes(self) -> int:
        return _clamp(
            _int(self.q.value("session/target_min"), DEFAULT_TARGET_MIN), TARGET_MIN_RANGE
        )

    @target_minutes.setter
    def target_minutes(self, minutes: int) -> None:
        self.q.setValue("session/target_min", _clamp(int(minutes), TARGET_MIN_RANGE))

    @property
    def plot_window_s(self) -> int:
        value = _int(self.q.value("plot/window_s"), DEFAULT_WINDOW_S)
        return value if value in PLOT_WINDOWS_S else DEFAULT_WINDOW_S

    @plot_window_s.setter
    def plot_window_s(self, seconds: int) -> None:
        if seconds in PLOT_WINDOWS_S:
            self.q.setValue("plot/window_s", int(seconds))

    def practitioner(self, database: Path) -> str:
        """The last practitioner name typed with this database, offered again at its next
        session. Per database: a name from the clinic's database must never attribute a
        demo database's session (nor the other way round)."""
        return str(self.q.value(_practitioner_key(database), ""))

    def remember_practitioner(self, database: Path, name: str) -> None:
        self.q.setValue(_practitioner_key(database), name)

    # ------------------------------------------------------------ window state

    def window_state(self, key: str) -> QByteArray | None:
        value = self.q.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, key: str, value: QByteArray) -> None:
        self.q.setValue(f"window/{key}", value)

    def sync(self) -> None:
        self.q.sync()


def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return min(max(value, bounds[0]), bounds[1])
