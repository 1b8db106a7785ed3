"""Fixtures: a fresh virtual pen per test, reachable in-process, over a pty or over TCP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.link import CommandResult, Link, LinkState, StateChange
from drivers.messages import Event, Info, SeqGap, TelemetryBatch
from drivers.virtual.endpoints import PtyServer, TcpServer
from drivers.virtual.inprocess import opener_for
from drivers.virtual.pen import PenConfig, VirtualPen


class Recording:
    """A link subscriber that keeps everything it is told."""

    def __init__(self) -> None:
        self.batches: list[TelemetryBatch] = []
        self.events: list[Event] = []
        self.infos: list[Info] = []
        self.states: list[StateChange] = []
        self.gaps: list[SeqGap] = []
        self.commands: list[tuple[str, int | None, CommandResult | Info | Exception]] = []

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        self.batches.append(batch)

    def on_event(self, event: Event) -> None:
        self.events.append(event)

    def on_info(self, info: Info) -> None:
        self.infos.append(info)

    def on_state(self, change: StateChange) -> None:
        self.states.append(change)

    def on_gap(self, gap: SeqGap) -> None:
        self.gaps.append(gap)

    def on_command(
        self, name: str, requested: int | None, outcome: CommandResult | Info | Exception
    ) -> None:
        self.commands.append((name, requested, outcome))

    def samples(self) -> int:
        return sum(len(b) for b in self.batches)


Target = str | VirtualPen
Serve = Callable[..., tuple[Target, VirtualPen, PtyServer | TcpServer | None]]
Connect = Callable[..., tuple[Link, Recording]]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """serve(kind, scenario="treatment", **config) -> (target, pen, server).

    kind is "pty", "tcp" or "inproc"; the target is what connect() takes.
    """
    servers: list[PtyServer | TcpServer] = []

    def _serve(
        kind: str, scenario: str = "treatment", **config: object
    ) -> tuple[Target, VirtualPen, PtyServer | TcpServer | None]:
        config.setdefault("telemetry_hz", 1000)
        pen = VirtualPen(PenConfig(**config), scenario)  # type: ignore[arg-type]
        if kind == "pty":
            pty = PtyServer(pen, tmp_path / f"ttyPEN{len(servers)}")
            servers.append(pty)
            return str(pty.path), pen, pty
        if kind == "tcp":
            tcp = TcpServer(pen)
            servers.append(tcp)
            return tcp.url, pen, tcp
        return pen, pen, None

    yield _serve
    for server in servers:
        server.close()


@pytest.fixture
def connect() -> Iterator[Connect]:
    """connect(target, expect=STREAMING) -> (link, recording); every link closed at the end."""
    links: list[Link] = []

    def _connect(target: Target, expect: LinkState = LinkState.STREAMING) -> tuple[Link, Recording]:
        if isinstance(target, VirtualPen):
            link = Link("virtual pen", opener=opener_for(target))
        else:
            link = Link(target)
        rec = Recording()
        link.subscribe(rec)
        links.append(link)
        link.start()
        assert link.wait_for_state(expect, 5.0), (link.state, [s.message for s in rec.states])
        return link, rec

    yield _connect
    for link in links:
        link.close()


# Kept for the records tests' style of use: a pen on a pty, a pen on TCP.
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
