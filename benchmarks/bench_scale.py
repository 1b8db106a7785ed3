"""Scale benchmark (issue 15): a clinic's year in one database, and how fast it answers.

Makes (or reuses) a database of 10,000 short sessions (two carts, a year, six
practitioners, 800 patients, notes, alarms and link gaps on some) plus one 2-hour session
at 2 kHz (14.4M samples), signs the long one and 1 % of the others, then measures
(medians of --runs):

- the session list, each filter (practitioner, patient, date range, has alarms, has link
  gaps) and a note search; target <= 100 ms each;
- opening the 2-hour session in the review with its overview drawn; target <= 500 ms;
- zoom and pan at 10 s, 10 min and 1 h wide; target <= 50 ms;
- `db check --quick`; target < 1 min; and the full `db check` with its cost per GB.

    .venv/bin/python benchmarks/bench_scale.py [--db /tmp/scale.db] [--runs 5]

The anchor is the plain list of all sessions loaded at once (what the review window did
before it paged), so numbers from different machines can be compared as ratios. The
review window now asks for a count and one page of 200 rows, sorted by the clicked
column; those are measured for every column and filter. `--only list|review|check`
measures one part. Generation writes with synchronous=OFF (a benchmark's shortcut, never
the console's) and takes a few minutes; pass the same --db again to measure only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from _common import (
    ROOT,
    drawn_range,
    git_rev,
    machine,
    median,
    open_drawn,
    treatment_columns,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PRACTITIONERS = ["Dr Lee", "Dr Ames", "Nurse Kim", "Nurse Bo", "Dr Ortiz", "Nurse Haddad"]
WORDS = ["acne", "scars", "forehead", "cheeks", "tolerated", "well", "redness", "mild"]
WORDS += ["neck", "upper", "lip", "melasma"]
PASSWORDS = {"it": "admin pass phrase", "dr.lee": "battery staple"}


def _short_rows(store, n_chunks: int = 3, rate_hz: int = 2000):
    """Three packed 1 s chunks reused by every short session (only the uuid differs)."""
    cols = treatment_columns(n_chunks * rate_hz, rate_hz, seed=3)
    return [
        store.pack_chunk("", no, {k: v[no * rate_hz : (no + 1) * rate_hz] for k, v in cols.items()})
        for no in range(n_chunks)
    ]


def generate(db: Path, sessions: int, long_hours: float, rate_hz: int) -> tuple[str, list[str]]:
    from console.core.access import Access
    from console.core.accounts import Accounts, Role
    from console.store import EventKind, EventRow, Store

    store = Store(db)
    store.conn.execute("PRAGMA synchronous=OFF")
    rng = np.random.default_rng(15)
    template = _short_rows(store)
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    t0 = time.perf_counter()
    uuids = []
    for i in range(sessions):
        notes = " ".join(rng.choice(WORDS, 4)) + f" visit {i}"
        session = store.create_session(
            f"P-{rng.integers(0, 800):04d}",
            PRACTITIONERS[i % len(PRACTITIONERS)],
            notes=notes,
            pen={"serial": f"CART-{i % 2}"},
        )
        when = start + timedelta(minutes=int(i * 52.5))  # ~10,000 in a year
        store.update_session(session, started_utc=when.isoformat(timespec="milliseconds"))
        events = []
        if i % 10 == 3:
            events.append(EventRow(None, "console", EventKind.ALARM, None, None, {"c": "depth"}))
        if i % 20 == 7:
            events.append(EventRow(None, "console", EventKind.LINK_GAP, None, None, {"gap_s": 2.5}))
        rows = [r._replace(session_uuid=session) for r in template]
        store.write_packed(session, rows, events)
        store.finish_session(session)
        uuids.append(session)
        if i % 1000 == 999:
            print(f"  {i + 1} short sessions ({time.perf_counter() - t0:.0f} s)", flush=True)
    long_session = store.create_session("P-LONG", "Dr Lee", notes="two-hour full face")
    per_block = 200 * rate_hz
    total = int(long_hours * 3600 * rate_hz)
    for block_start in range(0, total, per_block):
        n = min(per_block, total - block_start)
        cols = treatment_columns(n, rate_hz, seed=block_start)
        cols["t_us"] = cols["t_us"] + block_start * (1_000_000 // rate_hz)
        cols["seq"] = ((np.arange(n) + block_start) & 0xFFFF).astype(np.uint16)
        cols["strokes"] = cols["strokes"] + block_start // 25
        first_no = block_start // rate_hz
        chunks = [
            (first_no + j, {k: v[j * rate_hz : (j + 1) * rate_hz] for k, v in cols.items()})
            for j in range(n // rate_hz)
        ]
        store.write_batch(long_session, chunks, [])
    store.finish_session(long_session)
    print(f"  long session written ({time.perf_counter() - t0:.0f} s)", flush=True)
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, PASSWORDS["it"])
    lee = accounts.add("dr.lee", Role.SUPERVISOR, PASSWORDS["dr.lee"], access=Access(store, admin))
    from console.core.signing import sign

    for session in [long_session, *uuids[::100]]:
        sign(Access(store, lee), session, "approved", PASSWORDS["dr.lee"])
    store.conn.execute("PRAGMA synchronous=FULL")
    store.close()
    return long_session, uuids


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median(times) * 1000


LIST_FILTERS = {
    "practitioner": {"practitioner": "nurse kim"},  # case-insensitive, as typed
    "patient": {"patient_code": "P-0042"},
    "patient prefix 'p-04'": {"patient_code": "p-04"},
    "date range (March)": {"since_utc": "2025-03-01", "until_utc": "2025-04-01"},
    "has alarms": {"has_alarms": True},
    "has link gaps": {"has_link_gaps": True},
    "note search 'melasma'": {"text": "melasma"},
    "note search 'visit 4242'": {"text": "visit 4242"},
}


def bench_list(db: Path, runs: int) -> dict[str, float]:
    """The list as the review window asks for it: the count and the first page (200
    rows) of a search, sorted by each column; and the whole list loaded at once (the
    anchor, and what the window did before paging)."""
    from console.core.review_list import PAGE_ROWS
    from console.store import SessionFilter, Store
    from console.store.session_list import SessionColumn, SessionSort, session_count, session_page

    store = Store(db)

    def first_page(f: SessionFilter, sort: SessionSort) -> None:
        session_count(store, f)
        session_page(store, f, sort, 0, PAGE_ROWS)

    try:
        n_all = len(store.sessions())
        out = {f"all {n_all} sessions loaded at once (anchor)": timed(store.sessions, runs)}
        everything = SessionFilter()
        out[f"window: count + first {PAGE_ROWS} rows, newest first"] = timed(
            lambda: first_page(everything, SessionSort()), runs
        )
        out[f"window: a later page (rows 5000-{5000 + PAGE_ROWS})"] = timed(
            lambda: session_page(store, everything, SessionSort(), 5000, PAGE_ROWS), runs
        )
        for column in SessionColumn:
            for descending in (False, True):
                sort = SessionSort(column, descending)
                name = f"window: sorted by {column.name.lower()} {'desc' if descending else 'asc'}"
                out[name] = timed(lambda sort=sort: first_page(everything, sort), runs)
        from datetime import date

        from console.core.access import Access
        from console.core.accounts import Accounts
        from console.core.review_list import due_list

        lee = Access(store, Accounts(store).login("dr.lee", PASSWORDS["dr.lee"]))
        n_due = len(due_list(lee, date(2025, 12, 1)))  # (each call writes its audit row)
        out[f"window: the Due tab, 800 patients ({n_due} due)"] = timed(
            lambda: due_list(lee, date(2025, 12, 1)), runs
        )
        for name, kw in LIST_FILTERS.items():
            f = SessionFilter(**kw)
            n = session_count(store, f)
            out[f"window filter: {name} ({n} rows)"] = timed(
                lambda f=f: first_page(f, SessionSort()), runs
            )
        return out
    finally:
        store.close()


def bench_review(db: Path, session: str, runs: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from widgets.review_plot import ReviewPlot

    app = QApplication.instance() or QApplication([])
    plot = ReviewPlot()
    plot.resize(1400, 600)
    plot.show()
    app.processEvents()
    opens, zooms = [], {"10 s": [], "10 min": [], "1 h": []}
    pans = {"10 s": [], "10 min": [], "1 h": []}
    for _ in range(runs):
        review, store, took = open_drawn(app, plot, db, session)
        opens.append(took)
        for label, width in (("10 s", 10), ("10 min", 600), ("1 h", 3600)):
            for i in range(5):
                centre = review.duration_s * (i + 1) / 7
                zooms[label].append(drawn_range(app, plot, centre - width / 2, centre + width / 2))
                pans[label].append(
                    drawn_range(app, plot, centre - width / 3, centre + 2 * width / 3)
                )
        store.close()
    plot.close()
    out = {
        f"open longest session + overview ({review.samples:,} samples)": median(opens) * 1000,
        **_core_only(db, session, runs),
    }
    for label in zooms:
        out[f"zoom to {label}"] = median(zooms[label]) * 1000
        out[f"pan at {label}"] = median(pans[label]) * 1000
    return out


def _core_only(db: Path, session: str, runs: int) -> dict[str, float]:
    """The same without drawing: what the review model itself costs (three columns, as
    the plot asks for them)."""
    from console.core.review import SessionReview
    from console.store import Store

    store = Store(db)
    columns = ("depth_set_um", "depth_meas_um", "rate_dhz")
    try:
        review = SessionReview(store, session)
        out = {"open, model only": timed(lambda: SessionReview(store, session), runs)}
        for label, width in (("10 s", 10), ("10 min", 600), ("1 h", 3600)):
            spans = [(c - width / 2, c + width / 2) for c in np.linspace(600, 6000, runs)]

            def zoom(spans: list[tuple[float, float]] = spans) -> None:
                span = spans.pop()
                for column in columns:
                    review.envelope(column, 1400, span)

            out[f"zoom to {label}, model only"] = timed(zoom, runs)
        return out
    finally:
        store.close()


def bench_check(db: Path) -> dict[str, float]:
    out = {}
    for mode in (["--quick"], []):
        t0 = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "console", "db", "check", "--db", str(db), *mode],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - t0
        verdict = "sound" if run.returncode == 0 else f"exit {run.returncode}"
        if run.returncode not in (0,):
            print(run.stderr[-1500:], file=sys.stderr)
        out[f"db check {' '.join(mode) or '(full)'} [{verdict}]"] = took * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/pen-console-scale.db"))
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--long-hours", type=float, default=2.0)
    parser.add_argument("--rate-hz", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only", choices=("list", "review", "check"), help="measure only this part"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}  commit {git_rev()}  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    if not args.db.exists():
        print(f"generating {args.db} ...", flush=True)
        t0 = time.perf_counter()
        generate(args.db, args.sessions, args.long_hours, args.rate_hz)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    from console.store import Store

    store = Store(args.db)
    long_session = store.conn.execute(
        "SELECT s.uuid FROM sessions s JOIN session_totals t ON t.session_uuid = s.uuid"
        " ORDER BY t.samples DESC LIMIT 1"
    ).fetchone()[0]
    n_sessions = store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    store.close()
    size_gb = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*")) / 1e9
    print(f"database: {args.db} ({size_gb:.2f} GB, {n_sessions} sessions)")
    results: dict[str, float] = {}
    if args.only in (None, "list"):
        results.update(bench_list(args.db, args.runs))
    if args.only is None or args.only == "review":
        results.update(bench_review(args.db, long_session, args.runs))
    if args.only is None or args.only == "check":
        results.update(bench_check(args.db))
    anchor = next(iter(results.values()))
    for name, ms in results.items():
        print(f"{name:<62} {ms:10.1f} ms   x{ms / anchor:6.2f} of the first line")
    full = next((v for k, v in results.items() if "(full)" in k), None)
    if full is not None:
        print(f"full db check: {full / 1000 / max(size_gb, 1e-9):.1f} s per GB")


if __name__ == "__main__":
    main()
