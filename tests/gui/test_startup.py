"""Starting the console: no pen, the virtual pen, bad databases, interrupted sessions,
remembered window state, and starting and ending a session from the session bar."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from console.commands.cli import build_parser
from console.gui import app as console_app
from console.gui.main_window import MainWindow
from console.gui.settings import ConsoleSettings
from console.gui.sound import AlarmSound
from console.store import Store
from drivers.transport import PenPort
from widgets.connection_bar import NO_PEN_WORDS


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_where_to_connect_at_start_up() -> None:
    pen = PenPort("/dev/ttyACM0", "SN1", "MicroPen", "pen")
    assert console_app.choose_url(parse(), [pen]) is None  # waits for the operator
    assert console_app.choose_url(parse("--port", "/dev/ttyACM3"), []) == "/dev/ttyACM3"
    assert console_app.choose_url(parse("--virtual-if-absent"), [pen]) == "/dev/ttyACM0"
    url = console_app.choose_url(parse("--virtual-if-absent", "--scenario", "faults"), [])
    assert url is not None and url.startswith("virtual://faults")
    assert console_app.choose_url(parse("--simulate"), [pen]).startswith("virtual://treatment")


def test_no_pen_says_so_and_offers_the_virtual_pen(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    assert window.rescan() == []
    window.show()
    window.controller.tick()
    window.refresh_panels()  # the bars' 10 Hz refresh, without waiting for it
    assert window.connection.pen_label.text() == NO_PEN_WORDS
    assert window.connection.virtual_button.isVisible()

    qtbot.mouseClick(window.connection.virtual_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "SIMULATED" in window.connection.state_label.text(), timeout=5000)
    assert "SIMULATED" in window.windowTitle()
    assert not window.connection.virtual_button.isVisible()
    info = window.controller.info
    assert window.connection.pen_label.text().startswith(f"S/N\u00a0{info.serial}")
    assert info.model in window.connection.pen_label.toolTip()


@pytest.fixture
def restore_app_style() -> Iterator[None]:
    app = QApplication.instance()
    before = app.styleSheet()
    yield
    app.setStyleSheet(before)


def run_console(argv: list[str], inspect_after_s: float = 0.6) -> tuple[int, dict[str, str]]:
    """Run `pen-console ARGV` in this process and read the window before it quits."""
    seen: dict[str, str] = {}

    def inspect() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                w.controller.tick()
                w.refresh_panels()
                seen["pen"] = w.connection.pen_label.text()
                seen["state"] = w.connection.state_label.text()
                seen["session"] = w.session_bar.status.text()
                seen["session_enabled"] = str(w.session_bar.button.isEnabled())
                seen["theme"] = w.settings.theme  # what is remembered
                seen["applied_theme"] = next(t for t, a in w.theme_actions.items() if a.isChecked())
                seen["size"] = f"{w.width()}x{w.height()}"
                seen["rec"] = w.rec.text()

    QTimer.singleShot(int(inspect_after_s * 1000), inspect)
    code = console_app.run(parse(*argv, "--quit-after", str(inspect_after_s + 0.3)))
    return code, seen


def test_start_up_with_no_pen(qtbot, tmp_path, monkeypatch, restore_app_style) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    code, seen = run_console(["--db", str(tmp_path / "s.db"), "--theme", "light"])
    assert code == 0
    assert seen["pen"] == NO_PEN_WORDS
    assert seen["state"] == "Not connected"
    assert seen["applied_theme"] == "light"  # --theme is for this run
    assert seen["theme"] == "dark"  # ... and does not overwrite the saved choice


def test_geometry_patient_and_screenshot_options(
    qtbot, tmp_path, monkeypatch, restore_app_style
) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    shot = tmp_path / "live.png"
    db = tmp_path / "s.db"
    argv = ["--db", str(db), "--geometry", "1280x800", "--patient", "P-0042"]
    code, seen = run_console([*argv, "--screenshot", str(shot)])
    assert code == 0
    assert seen["size"] == "1280x800"
    assert seen["rec"].startswith("● REC  P-0042")  # recording from the start
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 800)
    store = Store(db)
    assert [s["patient_code"] for s in store.sessions()] == ["P-0042"]
    store.close()


def test_a_bad_geometry_is_one_sentence_and_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        parse("--geometry", "big")
    assert exc.value.code == 2
    assert "give width x height, e.g. 1280x800" in capsys.readouterr().err


def test_interrupted_session_is_reported(qtbot, tmp_path, monkeypatch, restore_app_style) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    db = tmp_path / "s.db"
    store = Store(db)
    crashed = store.create_session("P-007", "Dr Lee")  # left 'recording', as after a crash
    # ...with its session.start row, as the console writes it (a session without one was
    # put there behind the console's back, and is reported, never sealed)
    store.audit.append("unattributed", "session.start", f"session:{crashed}")
    store.close()
    code, seen = run_console(["--db", str(db)])
    assert code == 0
    assert "P-007" in seen["session"] and "interrupted" in seen["session"]
    store = Store(db)
    assert store.session(crashed)["status"] == "interrupted"
    store.close()


def test_unusable_database_starts_with_recording_off(
    qtbot, tmp_path, monkeypatch, restore_app_style
) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    code, seen = run_console(["--db", str(bad)])
    assert code == 0
    assert seen["session"].startswith("Recording is off")
    assert seen["session_enabled"] == "False"
    assert bad.read_bytes() == b"this is not sqlite" * 100  # nothing was changed


def test_console_process_runs_streams_and_quits_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    perf = tmp_path / "perf.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "--simulate",
            "--db",
            str(tmp_path / "s.db"),
            "--perf-log",
            str(perf),
            "--quit-after",
            "2.5",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = perf.read_text().splitlines()
    assert '"startup_s"' in lines[0]
    assert len(lines) >= 2 and '"ingest_hz"' in lines[-1] and '"latency_ms_p99"' in lines[-1]


def test_window_state_is_remembered(qtbot, controller, settings: ConsoleSettings) -> None:
    first = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    qtbot.addWidget(first)
    first.resize(701, 533)  # the offscreen screen is 800 x 800
    first.window_choice.setCurrentIndex(0)  # 10 s
    first.session_bar.target.setValue(20)
    first.save_state()

    second = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (701, 533)
    assert second.plot.window_s == 10
    assert second.readouts.target_minutes == 20
    assert settings.q.fileName().startswith(str(Path(settings.q.fileName()).parent))


def test_session_from_the_session_bar(qtbot, window, store, stream) -> None:
    stream("treatment")
    bar = window.session_bar
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert "patient" in bar.status.text().lower()  # the recorder's own words
    assert not bar.recording

    qtbot.keyClicks(bar.patient, "P-042")
    qtbot.keyClicks(bar.practitioner, "Dr Lee")
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert bar.recording and bar.button.text() == "End session"
    session = window.controller.session
    assert session is not None and session[:8] in bar.status.text()
    assert window.readouts.session_started is not None

    assert window.rec.recording and "P-042" in window.rec.text()
    qtbot.waitUntil(lambda: window.readouts.strokes.value.text() not in ("—", "0"), timeout=5000)

    # Ending asks first, saying what is left (review 5): Cancel keeps recording.
    asked: list[str] = []

    def cancel() -> None:
        asked.append(window.confirm_box.text())
        window.confirm_box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, cancel)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert bar.recording and window.controller.session == session
    assert "Not done yet: steps not done: consent confirmed, skin cleansed" in asked[0]
    QTimer.singleShot(0, lambda: window.confirm_box.button(QMessageBox.StandardButton.Yes).click())
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert not bar.recording and "saved" in bar.status.text()
    assert bar.patient.text() == ""  # cleared for the next patient
    assert not window.rec.recording and window.rec.text() == "NOT RECORDING"
    window.controller.tick()
    window.refresh_panels()
    assert window.readouts.strokes.value.text() == "—"  # no stale count after the end
    # The next session counts from zero.
    qtbot.keyClicks(bar.patient, "P-043")
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    window.controller.tick()
    assert window.controller.live.session_strokes() is not None
    assert window.controller.live.session_strokes() < 200  # not the last session's count
    window.end_session(confirmed=True)
    row = store.session(session)
    assert row["status"] == "complete" and row["patient_code"] == "P-042"
    assert window.settings.practitioner(store.path) == "Dr Lee"


def test_a_demo_database_is_never_prefilled_with_another_databases_practitioner(
    qtbot, controller, settings: ConsoleSettings, store: Store, tmp_path: Path
) -> None:
    settings.remember_practitioner(tmp_path / "clinic.db", "nurse.kim")
    window = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    qtbot.addWidget(window)
    assert window.session_bar.practitioner.text() == ""  # not the clinic's name
    console_app.start_for_patient(window, "P-DEMO", "")
    session = controller.session
    assert session is not None
    window.end_session(confirmed=True)
    assert store.session(session)["practitioner"] == "unattributed"
    settings.remember_practitioner(store.path, "Dr Demo")  # typed with this database
    again = MainWindow(controller, settings, sound=AlarmSound(controller.alarms, audio=False))
    qtbot.addWidget(again)
    assert again.session_bar.practitioner.text() == "Dr Demo"
