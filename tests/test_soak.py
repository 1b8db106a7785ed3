"""A 3-minute soak (benchmarks/soak.py) in the default run, so a leak or a lost sample
shows in CI: the live screen records a 2 kHz pen in another process through faults,
reconnects, zone changes and passes, and `pen-console review` reopens the growing session
in its own process, as the product does, every minute.

Display fps is printed but not asserted here: on a shared CI machine it measures the
neighbours. `python benchmarks/soak.py --minutes 30` checks it with the other targets.
"""

from __future__ import annotations

import faulthandler
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_three_minute_soak_keeps_memory_samples_and_the_heartbeat() -> None:
    # The suite dumps every stack after 120 s (a hang); this test runs ~3.5 min by design.
    faulthandler.cancel_dump_traceback_later()
    faulthandler.dump_traceback_later(570, exit=False)
    run = subprocess.run(
        [
            sys.executable,
            "benchmarks/soak.py",
            "--minutes",
            "3",
            "--review-every-s",
            "60",
            "--reconnect-s",
            "45",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    verdicts = [line for line in run.stdout.splitlines() if line[:4] in ("PASS", "MISS")]
    report = run.stdout[-3000:] + run.stderr[-2000:]
    assert len(verdicts) == 5, report
    for line in verdicts:
        if "fps first" not in line:
            assert line.startswith("PASS"), report
    assert '"reconnects": ' in run.stdout and '"reconnects": 0' not in run.stdout, report
    assert run.stdout.count("review_process_s") >= 2, report
    assert "reviews failed: 0" in run.stdout, report
