"""SIGTERM or SIGINT to the console window ends a recording session as End session does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.virtual.endpoints import wait_until


def _statuses(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return [row[0] for row in conn.execute("SELECT status FROM sessions")]
    except sqlite3.Error:  # not created yet, or busy for a moment
        return []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_recording_session_and_quits(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "sig.db"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        PEN_CONSOLE_KEY_DIR=str(tmp_path / "keys"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "--simulate", "--db", str(db),
         "--patient", "P-1", "--quit-after", "90"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _statuses(db) == ["recording"], 45), proc.stderr
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert _statuses(db) == ["complete"]
