"""Fixtures: a fresh virtual pen per test, reachable in-process, over a pty or over TCP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.link import Link, LinkState
from drivers.pen_endpoints import PtyServer, TcpServer
from drivers.virtual_pen import PenConfig, VirtualPen


class Recording:
    """A link subscriber that keeps everything it is told."""

    def __init__(self) -> None:
        self.batches: list = []
        self.events: list = []
        self.states: list = []
        self.commands: list = []

    def on_telemetry(self, batch: object) -> None:
        self.batches.append(batch)

    def on_event(self, event: object) -> None:
        self.events.append(event)

    def on_state(self, change: object) -> None:
        self.states.append(change)

    def on_command(self, name: str, requested: object, outcome: object) -> None:
        self.commands.append((name, requested, outcome))

    def samples(self) -> int:
        return sum(len(b) for b in self.batches)


@pytest.fixture
def pen() -> VirtualPen:
    return VirtualPen(PenConfig(telemetry_hz=1000), "treatment")


@pytest.fixture
def pty_pen(tmp_path: Path, pen: VirtualPen) -> Iterator[PtyServer]:
    server = PtyServer(pen, tmp_path / "ttyPEN")
    yield server
    server.close()


@pytest.fixture
def tcp_pen(pen: VirtualPen) -> Iterator[TcpServer]:
    server = TcpServer(pen)
    yield server
    server.close()


@pytest.fixture
def connect() -> Iterator[object]:
    """connect(url) -> (link, recording), streaming; every link is closed at the end."""
    links: list[Link] = []

    def _connect(url: object, expect: LinkState = LinkState.STREAMING) -> tuple[Link, Recording]:
        link = Link(url)  # type: ignore[arg-type]
        rec = Recording()
        link.subscribe(rec)
        links.append(link)
        link.start()
        assert link.wait_for_state(expect, 5.0), (link.state, [s.message for s in rec.states])
        return link, rec

    yield _connect
    for link in links:
        link.close()
