"""Live screen under load: fps, CPU, frame-to-paint latency, cold start, heartbeat gap.

Runs the real console, offscreen, against the in-process virtual pen at 2 kHz telemetry
(`pen-console --simulate --telemetry-hz 2000 --perf-log F --quit-after S`) with the
default plots (depth set + measured, stroke rate) and the default 30 s window, several
times, and reports medians. Each run starts with fresh settings and a fresh database.

    .venv/bin/python benchmarks/bench_gui.py [--runs 3] [--seconds 40]

Targets (issue 4): median fps ≥ 55 (60 Hz display timer), process CPU ≤ 50 % of one
core, latency p99 ≤ 25 ms, cold start to a shown window ≤ 1.5 s, and the link's worst
heartbeat gap ≤ 300 ms while the GUI renders. The per-second lines of the first
WARMUP_S seconds are left out (imports, first INFO, buffers filling).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, git_rev, machine, median

WARMUP_S = 3
TARGETS = {
    "fps": 55.0,
    "cpu_pct": 50.0,
    "latency_ms_p99": 25.0,
    "cold_start_s": 1.5,
    "heartbeat_gap_ms_max": 300.0,
}


def one_run(seconds: float, telemetry_hz: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        perf = Path(tmp) / "perf.jsonl"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(Path(tmp) / "cfg"))
        cmd = [
            sys.executable,
            "-m",
            "console",
            "--simulate",
            "--telemetry-hz",
            str(telemetry_hz),
            "--db",
            str(Path(tmp) / "bench.db"),
            "--perf-log",
            str(perf),
            "--quit-after",
            str(seconds),
        ]
        launched = time.time()
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the console failed (exit {done.returncode}):\n{done.stderr}")
        lines = [json.loads(line) for line in perf.read_text().splitlines()]
    start, per_second = lines[0], lines[1 + WARMUP_S :]
    if not per_second:
        raise SystemExit("no per-second lines: run for longer (--seconds)")
    return {
        "fps": median([x["fps"] for x in per_second]),
        "cpu_pct": median([x["cpu_pct"] for x in per_second]),
        "ingest_hz": median([x["ingest_hz"] for x in per_second]),
        "latency_ms_p50": median([x["latency_ms_p50"] for x in per_second]),
        "latency_ms_p99": median([x["latency_ms_p99"] for x in per_second]),
        "latency_ms_p99_worst_second": max(x["latency_ms_p99"] for x in per_second),
        "queue_depth_max": max(x["queue_depth"] for x in per_second),
        "cold_start_s": start["shown_unix"] - launched,
        "startup_in_run_s": start["startup_s"],
        "heartbeat_gap_ms_max": per_second[-1].get("heartbeat_gap_ms_max", float("nan")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--telemetry-hz", type=int, default=2000)
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        r = one_run(args.seconds, args.telemetry_hz)
        runs.append(r)
        print(f"run {i + 1}: " + ", ".join(f"{k}={v:.3g}" for k, v in r.items()), flush=True)
    result = {k: median([r[k] for r in runs]) for k in runs[0]}
    result["heartbeat_gap_ms_max"] = max(r["heartbeat_gap_ms_max"] for r in runs)  # worst
    print()
    print(f"bench_gui  {dt.date.today()}  git {git_rev()}  {machine()}")
    print(
        f"{args.runs} runs x {args.seconds:.0f} s, {args.telemetry_hz} Hz telemetry, "
        "offscreen, 30 s window, depth (set + measured) and rate curves"
    )
    print("medians of runs (heartbeat: worst of runs):")
    for key, value in result.items():
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            ok = value >= target if key == "fps" else value <= target
            verdict = (
                f"  target {'≥' if key == 'fps' else '≤'} {target:g}: {'OK' if ok else 'MISSED'}"
            )
        print(f"  {key:28s} {value:10.2f}{verdict}")


if __name__ == "__main__":
    main()
