"""Issue 15's hang, proved gone: GUI tests and threaded link tests, interleaved for 20
rounds in one process (tests/stress_plugin.py), must all pass, and fast.

Before the fix, the cyclic collector ran on a virtual-pen thread and finalised a QMenu
left over by a GUI test while the main thread waited on a Qt mutex: a silent deadlock.
Now a hang fails this test through pytest-timeout with every thread's stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 20
# GUI tests that build the main window (menus, timers) over a live virtual pen; link tests
# whose reader, heartbeat and virtual-pen threads run over every transport, pty included.
FILES = [
    "tests/gui/test_controls.py",
    "tests/gui/test_alarm_views.py",
    "tests/gui/test_startup.py",
    "tests/drivers/test_link.py",
    "tests/drivers/test_link_resilience.py",
]
# About 90 s on a loaded 2-core machine, under the suite's 120 s faulthandler dump:
# 3 GUI and 3 link tests a round.
MODEST = (
    "depth_click or pen_fault_on_the_live_link or session_from_the_session_bar"
    " or (handshake and not tcp) or failing_subscriber"
)
FULL = "not console_process"  # all of them, about ten times as long: `pytest -m bench`


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    "selected",
    [
        pytest.param(MODEST, marks=pytest.mark.slow, id="modest"),
        pytest.param(FULL, marks=pytest.mark.bench, id="full"),
    ],
)
def test_gui_and_link_tests_interleaved_twenty_times_in_one_process(
    tmp_path: Path, selected: str
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "stress_plugin",
            f"--stress-rounds={ROUNDS}",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "--timeout=60",  # one hung test fails in a minute, with every thread's stack
            f"--basetemp={tmp_path / 'inner'}",
            *FILES,
            "-k",
            selected,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1700,
    )
    tail = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    summary = run.stdout.strip().splitlines()[-1]
    passed = int(summary.split(" passed")[0].split()[-1])
    per_round = passed // ROUNDS
    assert passed == per_round * ROUNDS and per_round >= 6, summary
    assert "failed" not in summary and "error" not in summary, summary
