"""Decode throughput of the pen link codec.

    .venv/bin/python benchmarks/bench_decode.py [--frames 1000000] [--runs 7]

Headline (issue 2 target ≥ 2,000,000 frames/s): 30-byte telemetry frames (23-byte
payload) fed to StreamDecoder in 4 KiB chunks, median of --runs runs. For information it
also prints 1-byte chunks, one frame per read (what a 2 kHz serial link often delivers,
with the CPU share that implies), a stream with an event every 100 frames, 64 KiB chunks,
and the speed of encode_telemetry.
"""

from __future__ import annotations

import argparse
import datetime
import time

import numpy as np
from _common import git_rev, machine, median

from drivers import codec
from drivers.messages import TELEMETRY_WIRE_DTYPE, TelemetryBatch


def telemetry(n: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    rows = np.zeros(n, TELEMETRY_WIRE_DTYPE)
    rows["t_us"] = np.arange(n) * 500
    rows["depth_set_um"] = 500
    rows["depth_meas_um"] = 500 + rng.integers(-20, 20, n)
    rows["rate_dhz"] = 800
    rows["strokes"] = np.arange(n) // 25
    rows["motor_ma"] = 300
    rows["force_mn"] = rng.integers(0, 900, n)
    rows["battery_pct"] = 80
    rows["temp_dc"] = 310
    rows["status"] = 0x47
    return rows


def stream(n: int, event_every: int = 0) -> bytes:
    rows = telemetry(n)
    if not event_every:
        return codec.encode_telemetry(rows, 0)
    out = bytearray()
    seq = 0
    for start in range(0, n, event_every):
        part = rows[start : start + event_every]
        out += codec.encode_telemetry(part, seq)
        seq += len(part)
        out += codec.encode_event(seq, seq * 500, 1, 3)
        seq += 1
    return bytes(out)


def rate(wire: bytes, chunk: int, frames: int, runs: int) -> tuple[float, list[float]]:
    """Median telemetry frames/s over `runs` decodes of the whole stream in `chunk`s."""
    chunks = [wire[i : i + chunk] for i in range(0, len(wire), chunk)]
    results = []
    for _ in range(runs):
        d = codec.StreamDecoder()
        got = 0
        t0 = time.perf_counter()
        for piece in chunks:
            for m in d.feed(piece):
                if isinstance(m, TelemetryBatch):
                    got += len(m)
        elapsed = time.perf_counter() - t0
        assert got == frames and d.stats.discarded_total == 0, (got, frames)
        results.append(frames / elapsed)
    return median(results), results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    n = args.frames
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {git_rev()}")
    print(f"machine: {machine()}")
    wire = stream(n)
    frame_bytes = len(wire) / n
    print(f"frame size on the wire: {frame_bytes:.1f} bytes; {n:,} frames, {args.runs} runs")

    med, runs = rate(wire, 4096, n, args.runs)
    print(
        f"4 KiB chunks:  median {med:,.0f} frames/s ({med * frame_bytes / 1e6:.1f} MB/s);"
        f" runs {', '.join(f'{r:,.0f}' for r in runs)}"
    )
    med64, _ = rate(wire, 65536, n, 3)
    print(f"64 KiB chunks: median {med64:,.0f} frames/s ({med64 * frame_bytes / 1e6:.1f} MB/s)")

    mixed = stream(n, event_every=100)
    medm, _ = rate(mixed, 4096, n, 3)
    print(f"4 KiB chunks, one event per 100 frames: median {medm:,.0f} telemetry frames/s")

    small = stream(40_000)
    med1, _ = rate(small, 1, 40_000, 3)
    print(f"1-byte chunks: median {med1:,.0f} frames/s ({med1 * frame_bytes / 1e6:.2f} MB/s)")
    medf, _ = rate(small, round(frame_bytes), 40_000, 3)
    print(
        f"one frame per read: median {medf:,.0f} frames/s"
        f" = {1e6 / medf:.1f} µs per read, {2000 / medf:.1%} of a core at 2 kHz"
    )

    rows = telemetry(n)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        codec.encode_telemetry(rows, 0)
        times.append(time.perf_counter() - t0)
    print(f"encode_telemetry: median {n / median(times):,.0f} frames/s")


if __name__ == "__main__":
    main()
