"""Report benchmark: the session report of a 30-minute 2 kHz session (3.6M samples in
four zones) as the review window's export and `pen-console report` write it: assemble
(console/core/report_model.py, which reads every sample for the per-zone median depth)
and draw the PDF (console/gui/report.py). The anchor, timed in the same run, is opening
the session with its three plot envelopes (what the report needed before issue 12).

    .venv/bin/python benchmarks/bench_report.py [--runs 5] [--samples 3600000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import machine, median, store_session

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ZONES = ["forehead", "cheek_right", "cheek_left", "chin"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=3_600_000)
    args = parser.parse_args()
    os.environ["PEN_CONSOLE_KEY_DIR"] = tempfile.mkdtemp(prefix="bench-keys-")
    from PySide6.QtWidgets import QApplication

    from console.core.report_model import PLOT_BINS, build_report
    from console.core.review import SessionReview
    from console.gui.report import write_report, zone_map_image
    from console.store import Store

    _app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        session = store_session(db, args.samples, zone_ids=ZONES)
        anchors, builds, draws = [], [], []
        for i in range(args.runs):
            store = Store(db)
            t0 = time.perf_counter()
            review = SessionReview(store, session)
            for column in ("depth_set_um", "depth_meas_um", "rate_dhz"):
                review.envelope(column, PLOT_BINS)
            anchors.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report = build_report(SessionReview(store, session))
            builds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write_report(report, Path(tmp) / f"r{i}.pdf", zone_map_image(report))
            draws.append(time.perf_counter() - t0)
            store.close()
        total = [b + d for b, d in zip(builds, draws, strict=True)]
        print(f"machine: {machine()}")
        print(f"samples: {review.samples:,}  duration: {review.duration_s / 60:.1f} min")
        print(f"anchor (open + envelopes): median {median(anchors) * 1000:.0f} ms")
        print(f"build the report model:    median {median(builds) * 1000:.0f} ms")
        print(f"draw the PDF:              median {median(draws) * 1000:.0f} ms")
        print(
            f"report total: median {median(total) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{x * 1000:.0f}' for x in total)}); "
            f"ratio to the anchor {median(total) / median(anchors):.1f}"
        )


if __name__ == "__main__":
    main()
