"""Store benchmarks (issue 3): bytes per sample, write CPU at 2 kHz, load time.

    .venv/bin/python benchmarks/bench_store.py [--runs 5]

- bytes/sample: the virtual pen's `treatment` scenario at 1 kHz, simulated for 120 s of
  pen time (as fast as it computes), packed in 1 s chunks exactly as the recorder does.
- write CPU: the recorder fed 2 kHz telemetry in 10 ms batches for 20 s of wall time;
  process CPU time of the writer over that span, as % of one core.
- load: a 30-minute 2 kHz session (3.6M samples) read back into numpy columns.
Targets: ≤ 8 B/sample; load ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, median, store_session

from console.core.recorder import Recorder
from console.store import Store, packing
from drivers import codec
from drivers.messages import Command, TelemetryBatch
from drivers.virtual.pen import PenConfig, VirtualPen


def treatment_batches(seconds: float, hz: int) -> list[TelemetryBatch]:
    pen = VirtualPen(PenConfig(telemetry_hz=hz), "treatment")
    pen.receive(codec.encode_command(Command.hello(), 0))
    decoder = codec.StreamDecoder()
    out: list[TelemetryBatch] = []
    t = 0.0
    while t < seconds:
        t += 0.01
        pen.receive(codec.encode_command(Command.ping(), 1))  # keep the interlock happy
        out += [m for m in decoder.feed(pen.advance(t)) if isinstance(m, TelemetryBatch)]
    return out


def bytes_per_sample() -> float:
    batch = TelemetryBatch.concat(treatment_batches(120.0, 1000))
    cols = dict(batch.columns())
    n = len(batch)
    cols["zone"] = np.ones(n, np.uint8)
    cols["pass_no"] = (np.arange(n) // 20000 + 1).astype(np.uint8)
    total = sum(
        len(packing.pack({k: v[i : i + 1000] for k, v in cols.items()})) for i in range(0, n, 1000)
    )
    return total / n


def write_cpu(tmp: Path, seconds: float = 20.0) -> float:
    batches = treatment_batches(seconds, 2000)
    store = Store(tmp / "write.db")
    recorder = Recorder(store)
    recorder.rate_hz = 2000  # as on_info would set it
    recorder.start_session("BENCH", "bench")
    cpu0, t0 = time.process_time(), time.monotonic()
    for i, b in enumerate(batches):
        due = t0 + (i + 1) * 0.01
        while time.monotonic() < due:
            time.sleep(0.001)
        recorder.on_telemetry(b)
    recorder.end_session()
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - t0
    recorder.close()
    store.close()
    return 100 * cpu / wall


def load_ms(db: Path, session: str) -> float:
    store = Store(db)
    t0 = time.perf_counter()
    cols = store.load_telemetry(session)
    elapsed = time.perf_counter() - t0
    assert len(cols["seq"]) == 3_600_000
    store.close()
    return elapsed * 1000


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    print(f"machine: {machine()}")
    print(f"bytes per sample (treatment, 1 kHz, lossless): {bytes_per_sample():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        cpu = [
            write_cpu(Path(tmp) / str(i)) if (Path(tmp) / str(i)).mkdir() is None else 0
            for i in range(3)
        ]
        print(f"recorder CPU at 2 kHz (whole process, incl. feeding): median {median(cpu):.1f} %")
        db = Path(tmp) / "load.db"
        session = store_session(db, 3_600_000)
        loads = [load_ms(db, session) for _ in range(args.runs)]
        print(
            f"load 3.6M samples: median {median(loads):.0f} ms "
            f"(runs {', '.join(f'{x:.0f}' for x in loads)}); file {db.stat().st_size / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
