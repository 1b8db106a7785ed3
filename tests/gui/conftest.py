"""Fixtures for the live screen: a temporary settings file and database per test, a
controller that is always closed, and a main window bound to it.

QSettings is pointed at the test's tmp_path so no test ever reads or writes the user's
settings; the database is an explicit file under tmp_path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from console.gui.settings import ConsoleSettings
from console.gui.sound import AlarmSound
from console.store import Store
from drivers.link import LinkState
from drivers.virtual.pen import VirtualPen


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # The offscreen platform says this once per shown window; it is not our warning.
        item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))


@pytest.fixture(autouse=True)
def _private_qsettings(tmp_path: Path) -> Iterator[None]:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    yield


@pytest.fixture
def settings(tmp_path: Path) -> ConsoleSettings:
    return ConsoleSettings(QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "sessions.db")
    yield s
    s.close()


@pytest.fixture
def controller(qtbot: object, store: Store) -> Iterator[PenController]:
    c = PenController(store)
    yield c
    c.close()


@pytest.fixture
def window(qtbot, controller: PenController, settings: ConsoleSettings) -> Iterator[MainWindow]:
    w = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    qtbot.addWidget(w)
    yield w
    w.close()


@pytest.fixture
def stream(qtbot, controller: PenController) -> Callable[..., VirtualPen]:
    """Connect the controller to a fresh virtual pen and wait until it streams."""

    def connect(scenario: str = "idle", telemetry_hz: int = 200) -> VirtualPen:
        controller.connect_to(f"virtual://{scenario}?telemetry_hz={telemetry_hz}")
        qtbot.waitUntil(
            lambda: (
                controller.live.state is LinkState.STREAMING
                and controller.live.latest.rx_monotonic > 0
            ),
            timeout=5000,
        )
        assert controller.link is not None and controller.link.virtual_pen is not None
        return controller.link.virtual_pen

    return connect
