"""A spill file merged at start-up is said on the status line and audited, not silent
(console/core/spill_notice.py, console/gui/app.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.commands.cli import build_parser
from console.gui import app as console_app
from console.gui.main_window import MainWindow
from console.store import Store, spill


def _columns(n: int, start: int) -> dict[str, np.ndarray]:
    i = np.arange(start, start + n)
    cols = {
        "seq": i,
        "t_us": i * 1000,  # 1 kHz
        "depth_set_um": np.full(n, 500),
        "depth_meas_um": np.full(n, 480),
        "rate_dhz": np.full(n, 800),
        "strokes": i // 12,
        "motor_ma": np.full(n, 200),
        "force_mn": np.full(n, 300),
        "battery_pct": np.full(n, 80),
        "temp_dc": np.full(n, 300),
        "status": np.full(n, 0b1000111),
        "zone": np.zeros(n, np.uint8),
        "pass_no": np.zeros(n, np.uint8),
    }
    return cols


@pytest.fixture
def restore_app_style():
    app = QApplication.instance()
    before = app.styleSheet()
    yield
    app.setStyleSheet(before)


def test_a_spill_merged_at_start_up_is_said_and_audited(
    qtbot, tmp_path, monkeypatch, restore_app_style
) -> None:
    monkeypatch.setattr("console.gui.main_window.find_pens", lambda: [])
    monkeypatch.setenv("PEN_CONSOLE_SPILL_DIR", str(tmp_path / "spare"))
    db = tmp_path / "s.db"
    store = Store(db)
    session = store.create_session("P-1", "Dr A")
    chunks = [store.pack_chunk(session, k, _columns(1000, 1000 * k)) for k in range(12)]
    path = spill.write(store, [spill.Backlog(session, "complete", chunks, [], [])])
    store.close()
    assert path is not None and path.parent == tmp_path / "spare"

    seen: dict[str, str] = {}

    def inspect() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen["notice"] = w.notice.text()

    QTimer.singleShot(500, inspect)
    argv = ["--db", str(db), "--quit-after", "0.8"]
    assert console_app.run(build_parser().parse_args(argv)) == 0
    notice = seen["notice"]
    assert notice.startswith("Recovered 12 s of telemetry (12000 samples) from a spill file")
    assert f"to session P-1 ({session[:8]})" in notice and " UTC " in notice
    store = Store(db)
    try:
        assert len(store.load_telemetry(session)["seq"]) == 12_000
        rows = store.audit.entries(f"session:{session}", action="session.spill_recovered")
        assert len(rows) == 1 and rows[0].new()["samples"] == 12_000
        assert not path.exists()
    finally:
        store.close()
