"""CPU of the link (and recorder) receiving 2 kHz telemetry over a pty (target: <= 3 % of a core).

Run:  .venv/bin/python benchmarks/bench_probe_cpu.py [--runs 5] [--seconds 8] [--hz 2000]
      .venv/bin/python benchmarks/bench_probe_cpu.py --record   (the link and the recorder)

A virtual pen is served by `pen-console simulate --pty` in its own process; each run starts
`pen-console probe --port PTY --json` (or, with --record, `pen-console record` into a
scratch database) and reads its user+system CPU time from /proc/PID/stat over a
steady-state window (after start-up and handshake), so interpreter start-up and imports are
excluded. Prints each run and the median. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from console.store import Store

WARMUP_S = 2.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def one_run(port: str, seconds: float, db: str | None) -> tuple[float, dict[str, Any]]:
    command = ["probe"] if db is None else ["record", "--db", db]
    cmd = [sys.executable, "-m", "console", *command, "--port", port, "--json"]
    cmd += ["--seconds", str(WARMUP_S + seconds + 1.0)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(WARMUP_S)
    c0, t0 = cpu_s(proc.pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_s(proc.pid), time.monotonic()
    out, err = proc.communicate(timeout=30)
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {err}")
    return 100 * (c1 - c0) / (t1 - t0), json.loads(out.strip().splitlines()[-1])


def _summary(report: dict[str, Any]) -> str:
    discarded = report["discarded"]
    if isinstance(discarded, dict):
        discarded = discarded["total"]
    if "frames" in report:  # probe
        counted = f"frames {report['frames']}"
        tail = f"  max heartbeat gap {report['max_heartbeat_gap_ms']} ms"
    else:  # record
        counted, tail = f"samples stored {report['samples']}", ""
    return f"{counted}  discarded {discarded}  seq gaps {report['seq_gaps']}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--hz", type=int, default=2000)
    parser.add_argument("--record", action="store_true", help="measure `record`, not `probe`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pty = str(Path(tmp) / "ttyBENCH")
        simulate = ["simulate", "--pty", pty, "--telemetry-hz", str(args.hz)]
        server = subprocess.Popen(
            [sys.executable, "-m", "console", *simulate, "--scenario", "treatment"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            print(server.stdout.readline().strip())
            results = []
            for i in range(args.runs):
                db = str(Path(tmp) / f"bench{i}.sqlite") if args.record else None
                if db is not None:
                    Store(Path(db)).close()  # record opens an existing database only
                pct, report = one_run(pty, args.seconds, db)
                results.append(pct)
                print(f"run {i + 1}: {pct:5.2f} % of one core  {_summary(report)}")
        finally:
            server.terminate()
            server.wait(10)
    what = "record (link + recorder)" if args.record else "probe (link)"
    print(
        f"{what}: median {statistics.median(results):.2f} % of one core over {args.runs} runs of "
        f"{args.seconds:g} s at {args.hz} Hz (min {min(results):.2f}, max {max(results):.2f}); "
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
