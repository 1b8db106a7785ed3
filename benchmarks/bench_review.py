"""Review benchmark: open a 30-minute 2 kHz session (3.6M samples) with its overview drawn,
then zoom and pan. Targets (issue 6): open ≤ 1 s, zoom or pan ≤ 50 ms (medians).

    .venv/bin/python benchmarks/bench_review.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _common import drawn_range, machine, median, open_drawn, store_session

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=3_600_000)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from widgets.review_plot import ReviewPlot

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        session = store_session(db, args.samples)
        plot = ReviewPlot()
        plot.resize(1400, 600)
        plot.show()
        app.processEvents()
        opens, zooms, pans = [], [], []
        for _ in range(args.runs):
            review, store, took = open_drawn(app, plot, db, session)
            opens.append(took)
            for i in range(10):
                centre = review.duration_s * (i + 1) / 12
                zooms.append(drawn_range(app, plot, centre - 5, centre + 5))
                pans.append(drawn_range(app, plot, centre - 3, centre + 7))
            store.close()
        print(f"machine: {machine()}")
        print(f"samples: {review.samples:,}  duration: {review.duration_s / 60:.1f} min")
        print(
            f"open session + overview: median {median(opens) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{x * 1000:.0f}' for x in opens)})"
        )
        print(f"zoom to 10 s: median {median(zooms) * 1000:.1f} ms")
        print(f"pan 2 s: median {median(pans) * 1000:.1f} ms")
        plot.close()


if __name__ == "__main__":
    main()
