"""`pen-console simulate`: the virtual pen served over TCP and a pty by a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.commands.cli import main
from drivers.link import Link, LinkState

SERVER_START_S = 10


@pytest.fixture
def simulate() -> Iterator[object]:
    """simulate(*args) -> (process, where): started, its first line read; killed at the end."""
    procs: list[subprocess.Popen[str]] = []

    def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "console", "simulate", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the server says where it is
        assert line.startswith("virtual pen"), (line, proc.stderr.read() if proc.stderr else "")
        return proc, line.split(" at ")[-1].strip()

    yield _start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def _streams(url: str) -> Link:
    link = Link(url)
    link.start()
    assert link.wait_for_state(LinkState.STREAMING, 5)
    return link


def test_tcp_server_serves_the_pen_and_exits_cleanly_on_sigterm(simulate) -> None:
    proc, url = simulate("--tcp", "127.0.0.1:0", "--telemetry-hz", "200", "--scenario", "idle")
    assert url.startswith("socket://127.0.0.1:")
    link = _streams(url)
    try:
        assert link.info is not None and link.info.telemetry_hz == 200
        assert link.set_depth(1010).result(2).value == 1000
    finally:
        link.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(SERVER_START_S) == 0


def test_pty_server_prints_its_path_and_can_be_unplugged(simulate, tmp_path: Path) -> None:
    path = tmp_path / "ttyVPEN"
    proc, where = simulate("--pty", str(path), "--scenario", "zones", "--telemetry-hz", "2000")
    assert where == str(path) and path.is_symlink()
    link = _streams(where)
    try:
        proc.send_signal(signal.SIGUSR1)  # pull the cable
        assert link.wait_for_state(LinkState.LOST, 3)
        assert not os.path.lexists(path)
        proc.send_signal(signal.SIGUSR2)  # plug it back in
        assert link.wait_for_state(LinkState.STREAMING, 3)
        assert link.stats.reconnects == 1
    finally:
        link.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(SERVER_START_S) == 0
    assert not os.path.lexists(path)  # it cleans up after itself


def test_seconds_ends_the_server_by_itself(simulate) -> None:
    proc, _ = simulate("--tcp", "127.0.0.1:0", "--seconds", "0.3")
    assert proc.wait(SERVER_START_S) == 0


def test_bad_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--tcp", "127.0.0.1:0", "--telemetry-hz", "5000"]) == 2
    assert "between 50 and 2000" in capsys.readouterr().err
    assert main(["simulate", "--tcp", "localhost"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--scenario", "nosuch"], "unknown virtual pen scenario 'nosuch'; choose one of: "),
        (["--pen", "virtual://nosuch"], "unknown virtual pen scenario 'nosuch'"),
        (
            ["--pen", "virtual://treatment?telemetry_hz=abc"],
            "telemetry_hz wants a whole number from 0 to 65535, not 'abc'",
        ),
        (["--pen", "virtual://idle?rate=5"], "unknown virtual pen option 'rate'; the options"),
        (["--pen", "socket://127.0.0.1:1"], "is not a virtual pen URL"),
    ],
)
def test_a_bad_pen_is_one_sentence_and_exit_2(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--tcp", "127.0.0.1:0", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and words in err and "Traceback" not in err


def test_pen_url_describes_the_served_pen(simulate) -> None:
    proc, url = simulate(
        "--tcp", "127.0.0.1:0", "--pen", "virtual://idle?telemetry_hz=100&serial=VP-42"
    )
    link = _streams(url)
    try:
        assert link.info is not None
        assert (link.info.serial, link.info.telemetry_hz) == ("VP-42", 100)
    finally:
        link.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(SERVER_START_S) == 0
