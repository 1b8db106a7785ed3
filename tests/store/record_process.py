"""Helpers for the records tests that run `pen-console` in a process of its own."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def chunks_in(db: Path) -> int:
    """Telemetry chunks committed so far, read from outside (0 while none can be read)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM telemetry_chunks").fetchone()[0])
    except sqlite3.Error:
        return 0


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`pen-console ARGS` in a process of its own; `env` replaces the environment."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def start_record(db: Path, port: str, seconds: float = 60) -> subprocess.Popen[bytes]:
    """`pen-console record` in a process of its own, into an existing database."""
    command = ["record", "--port", port, "--seconds", str(seconds), "--db", str(db)]
    return subprocess.Popen(
        [sys.executable, "-m", "console", *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
