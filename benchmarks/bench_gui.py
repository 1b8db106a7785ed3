"""Live screen under load: fps, CPU, frame-to-paint latency, cold start, heartbeat gap.

Runs the real console, offscreen, against the in-process virtual pen at 2 kHz telemetry
(`pen-console --simulate --telemetry-hz 2000 --perf-log F --quit-after S`) with the
default plots (depth set + measured, stroke rate) and the default 30 s window, several
times, and reports medians. Each run starts with fresh settings and a fresh database.

    .venv/bin/python benchmarks/bench_gui.py [--runs 3] [--seconds 40]
    .venv/bin/python benchmarks/bench_gui.py --anchor [--runs 3] [--seconds 40]

`--anchor` measures as issue 13 asks: the console is fed 2 kHz over a pty by a separate
pen process (`pen-console simulate --pty`), so neither the pen's CPU nor an in-process
virtual pen is in its figure, and it records while it measures (`--patient BENCH`). In
the same run, benchmarks/anchor_plot.py (bare pyqtgraph: the same three curves, 30 s
window and sample rate, and nothing else) is measured, and the ratio of the console's
CPU to the anchor's is reported per run and as the median (target ≤ 0.8).

Targets: median fps ≥ 55 (60 Hz display timer), latency p99 ≤ 25 ms, the link's worst
heartbeat gap ≤ 300 ms while the GUI renders, process CPU ≤ 50 % of one core (issue 4);
with --anchor (issue 13) also console ÷ anchor CPU ≤ 0.8, cold start to a shown window
≤ 1.0 s (median of 5 launches with no pen, measured before the runs) and resident memory
flat: ≤ 10 MB of growth after the first minute (runs shorter than 2 minutes measure from
the middle of the run instead, and say so). The per-second lines of the first WARMUP_S
seconds are left out (imports, first INFO, buffers filling). Ends with a table: each
figure, its target and OK or MISSED.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from _common import ROOT, git_rev, machine, median

WARMUP_S = 3
COLD_STARTS = 5
# (at least?, limit): fps must reach its figure, every other figure must stay under it.
TARGETS: dict[str, tuple[bool, float]] = {
    "fps": (True, 55.0),
    "cpu_pct": (False, 50.0),
    "cpu_ratio_to_anchor": (False, 0.8),
    "latency_ms_p99": (False, 25.0),
    "heartbeat_gap_ms_max": (False, 300.0),
    "cold_start_s": (False, 1.0),
    "rss_growth_mb": (False, 10.0),
}


def one_run(seconds: float, telemetry_hz: int, port: str | None = None) -> dict[str, float]:
    """The console for `seconds`: on the in-process virtual pen, or on `port` (a pty fed by
    a separate pen process) recording a session."""
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        perf = Path(tmp) / "perf.jsonl"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(Path(tmp) / "cfg"))
        where = (
            ["--port", port, "--patient", "BENCH"]
            if port
            else ["--simulate", "--telemetry-hz", str(telemetry_hz)]
        )
        cmd = [
            sys.executable,
            "-m",
            "console",
            *where,
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
        "start_in_run_s": start["shown_unix"] - launched,  # with the pen, information
        "first_plot_in_run_s": next(
            (x["first_paint_unix"] - launched for x in lines[1:] if "first_paint_unix" in x),
            float("nan"),
        ),
        "startup_in_run_s": start["startup_s"],
        "heartbeat_gap_ms_max": per_second[-1].get("heartbeat_gap_ms_max", float("nan")),
        **memory(lines[1:]),
    }


def memory(per_second: list[dict[str, float]]) -> dict[str, float]:
    """Resident memory at the end, and its growth after the first minute (or, in a run
    shorter than two minutes, after its middle)."""
    rss = [x["rss_mb"] for x in per_second if "rss_mb" in x]
    if len(rss) < 4:
        return {}
    since = 60 if len(rss) >= 120 else len(rss) // 2
    return {
        "rss_mb": rss[-1],
        "rss_growth_mb": rss[-1] - rss[since],
        "rss_growth_from_s": float(since),
    }


def cold_starts(n: int) -> dict[str, list[float]]:
    """Launch to a shown window, and to the plots' first paint: the console with no pen,
    n times on one database (the first launch creates it, as a clinic's first start)."""
    out: dict[str, list[float]] = {"cold_start_s": [], "cold_first_plot_s": []}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        for _ in range(n):
            perf = Path(tmp) / "perf.jsonl"
            cfg = tempfile.mkdtemp(dir=tmp)  # fresh settings each time
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=cfg)
            cmd = [sys.executable, "-m", "console", "--db", str(Path(tmp) / "cold.db")]
            cmd += ["--perf-log", str(perf), "--quit-after", "1.5"]
            launched = time.time()
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"the console failed (exit {done.returncode}):\n{done.stderr}")
            lines = [json.loads(line) for line in perf.read_text().splitlines()]
            out["cold_start_s"].append(lines[0]["shown_unix"] - launched)
            painted = [x["first_paint_unix"] for x in lines[1:] if "first_paint_unix" in x]
            out["cold_first_plot_s"].append(painted[0] - launched if painted else float("nan"))
    return out


def anchor_run(seconds: float, telemetry_hz: int) -> dict[str, float]:
    """Bare pyqtgraph (benchmarks/anchor_plot.py) for `seconds`: median fps and CPU."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "anchor_plot.py", "--seconds", str(seconds)]
    cmd += ["--telemetry-hz", str(telemetry_hz)]
    done = subprocess.run(cmd, cwd=ROOT / "benchmarks", env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the anchor failed (exit {done.returncode}):\n{done.stderr}")
    lines = [json.loads(line) for line in done.stdout.splitlines()][WARMUP_S:]
    return {
        "anchor_fps": median([x["fps"] for x in lines]),
        "anchor_cpu_pct": median([x["cpu_pct"] for x in lines]),
    }


@contextlib.contextmanager
def pen_process(telemetry_hz: int) -> Iterator[str]:
    """`pen-console simulate --pty` in a process of its own; yields the pty's path."""
    with tempfile.TemporaryDirectory(prefix="bench-pen-") as tmp:
        path = Path(tmp) / "ttyPEN"
        cmd = [sys.executable, "-m", "console", "simulate", "--pty", str(path)]
        cmd += ["--telemetry-hz", str(telemetry_hz)]
        pen = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not path.exists():
                if pen.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the pen process did not start: {pen.stderr.read()}")
                time.sleep(0.05)  # a benchmark script, not a test: polling a file is fine
            yield str(path)
        finally:
            pen.terminate()
            pen.wait(10)


def run_once(args: argparse.Namespace) -> dict[str, float]:
    if not args.anchor:
        return one_run(args.seconds, args.telemetry_hz)
    with pen_process(args.telemetry_hz) as port:
        r = one_run(args.seconds, args.telemetry_hz, port)
    r |= anchor_run(args.seconds, args.telemetry_hz)
    r["cpu_ratio_to_anchor"] = r["cpu_pct"] / r["anchor_cpu_pct"]
    # On a shared machine the anchor may not reach 60 fps; CPU per painted frame compares
    # the two at equal work.
    r["cpu_per_frame_ratio"] = (r["cpu_pct"] / r["fps"]) / (r["anchor_cpu_pct"] / r["anchor_fps"])
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--telemetry-hz", type=int, default=2000)
    parser.add_argument(
        "--anchor",
        action="store_true",
        help="pen in a separate process over a pty, recording; bare pyqtgraph in the same run",
    )
    args = parser.parse_args()
    cold = cold_starts(COLD_STARTS)
    for key, values in cold.items():
        print(f"{key}: " + ", ".join(f"{c:.2f} s" for c in values), flush=True)
    runs = []
    for i in range(args.runs):
        r = run_once(args)
        runs.append(r)
        print(f"run {i + 1}: " + ", ".join(f"{k}={v:.3g}" for k, v in r.items()), flush=True)
    result = {k: median([r[k] for r in runs if k in r]) for k in runs[0]}
    result["heartbeat_gap_ms_max"] = max(r["heartbeat_gap_ms_max"] for r in runs)  # worst
    if "rss_growth_mb" in result:
        result["rss_growth_mb"] = max(r["rss_growth_mb"] for r in runs)  # worst
    for key, values in cold.items():
        finite = [v for v in values if v == v]  # a launch may quit before its first paint
        result[key] = median(finite) if finite else float("nan")
    report(args, result, COLD_STARTS)


def report(args: argparse.Namespace, result: dict[str, float], n_cold: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print()
    print(f"bench_gui  {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  git {git_rev()}")
    print(f"{machine()}, load average {load:.1f} at the end")
    feed = (
        "pen process over a pty, recording"
        if args.anchor
        else "in-process virtual pen, not recording"
    )
    print(
        f"{args.runs} runs x {args.seconds:.0f} s, {args.telemetry_hz} Hz telemetry ({feed}), "
        "offscreen, 30 s window, depth (set + measured) and rate curves"
    )
    notes = {
        "heartbeat_gap_ms_max": "worst of runs",
        "rss_growth_mb": f"worst of runs, from s {result.get('rss_growth_from_s', 0):.0f}",
        "cold_start_s": f"median of {n_cold} launches, no pen",
        "cold_first_plot_s": f"median of {n_cold} launches: the plots' first paint",
    }
    print()
    print(f"  {'figure':28s} {'value':>10s}  {'target':>9s}  verdict")
    missed = 0
    for key, value in result.items():
        if key == "rss_growth_from_s":
            continue
        at_least, limit = TARGETS.get(key, (False, float("nan")))
        target, verdict = "", ""
        if key in TARGETS:
            ok = value >= limit if at_least else value <= limit
            missed += not ok
            target = f"{'≥' if at_least else '≤'} {limit:g}"
            verdict = "OK" if ok else "MISSED"
        note = notes.get(key, "median of runs")
        print(f"  {key:28s} {value:10.2f}  {target:>9s}  {verdict:6s}  ({note})")
    print()
    print("all targets met" if not missed else f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
