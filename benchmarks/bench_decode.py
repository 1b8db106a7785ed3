"""Decode throughput: 30-byte telemetry frames fed to StreamDecoder in 4 KiB chunks.

    .venv/bin/python benchmarks/bench_decode.py [--frames 500000] [--runs 5]

Target (issue 2): ≥ 2,000,000 frames/s, median. Also prints 1-byte chunks and a stream
with one event every 100 frames, for information.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import machine, median

from drivers import codec
from drivers.messages import TELEMETRY_WIRE_DTYPE, TelemetryBatch


def stream(n: int, event_every: int = 0) -> bytes:
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
    results = []
    for _ in range(runs):
        d = codec.StreamDecoder()
        t0 = time.perf_counter()
        got = 0
        for i in range(0, len(wire), chunk):
            for m in d.feed(wire[i : i + chunk]):
                if isinstance(m, TelemetryBatch):
                    got += len(m)
        elapsed = time.perf_counter() - t0
        assert got == frames, (got, frames)
        results.append(frames / elapsed)
    return median(results), results


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--frames", type=int, default=500_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    wire = stream(args.frames)
    print(f"machine: {machine()}")
    print(f"frame size on the wire: {len(wire) / args.frames:.1f} bytes")
    med, runs = rate(wire, 4096, args.frames, args.runs)
    print(
        f"4 KiB chunks: median {med:,.0f} frames/s ({med * len(wire) / args.frames / 1e6:.1f}"
        f" MB/s); runs {', '.join(f'{r:,.0f}' for r in runs)}"
    )
    small = stream(20_000)
    med1, _ = rate(small, 1, 20_000, 3)
    print(f"1-byte chunks: median {med1:,.0f} frames/s")
    mixed = stream(args.frames, event_every=100)
    medm, _ = rate(mixed, 4096, args.frames, 3)
    print(f"4 KiB chunks, one event per 100 frames: median {medm:,.0f} telemetry frames/s")


if __name__ == "__main__":
    main()
