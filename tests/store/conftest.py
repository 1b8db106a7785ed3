"""Fixtures for the records tests: a fresh database, and a recording against a virtual pen."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from console.core.recorder import Recorder
from console.store import Store
from drivers.link import Link, LinkState
from drivers.virtual.endpoints import wait_until


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "records.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path)
    yield s
    s.close()


ROOT = Path(__file__).resolve().parents[2]
Recording = tuple[Link, Recorder, str]


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
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "record",
            "--port",
            port,
            "--seconds",
            str(seconds),
            "--db",
            str(db),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def record(store: Store) -> Iterator[Callable[..., Recording]]:
    """record(url, samples) -> (link, recorder, session) after `samples` were recorded."""
    opened: list[tuple[Link, Recorder]] = []

    def _record(url: str, samples: int, recorder: Recorder | None = None) -> Recording:
        link = Link(url)
        rec = recorder or Recorder(store)
        opened.append((link, rec))
        link.subscribe(rec)
        link.start()
        assert link.wait_for_state(LinkState.STREAMING, 5)
        session = rec.start_session("P-001", "Dr Test")
        assert wait_until(lambda: rec.stats().samples >= samples, 30)
        return link, rec, session

    yield _record
    for link, rec in opened:
        link.close()
        rec.close()


def intact_rows_between(sent: np.ndarray, first_seq_index: int, last_seq_index: int) -> np.ndarray:
    window = sent[first_seq_index : last_seq_index + 1]
    return window[window["intact"]]


class StorageListener:
    """Keeps what the recorder says about its storage."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.recovered: list[str] = []

    def on_storage_problem(self, message: str) -> None:
        self.problems.append(message)

    def on_storage_recovered(self, message: str) -> None:
        self.recovered.append(message)


@pytest.fixture(autouse=True)
def _spill_dirs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Spill files (console/store/spill.py) go under the test's tmp_path, never /tmp."""
    spare = tmp_path / "spare"
    monkeypatch.setenv("PEN_CONSOLE_SPILL_DIR", str(spare))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return spare
