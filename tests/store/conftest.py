"""Fixtures for the records tests: a fresh database, and a recording against a virtual pen."""

from __future__ import annotations

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


Recording = tuple[Link, Recorder, str]


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


@pytest.fixture(autouse=True)
def _spill_dirs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Spill files (console/store/spill.py) go under the test's tmp_path, never /tmp."""
    spare = tmp_path / "spare"
    monkeypatch.setenv("PEN_CONSOLE_SPILL_DIR", str(spare))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return spare
