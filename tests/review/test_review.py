"""Review: replay state matches the stored data, overview and zoom, PDF, window, series."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from console.core.recorder import Recorder
from console.core.review import SessionReview, patient_series, too_soon_warning
from console.store import Store
from drivers.link import Link, LinkState
from drivers.virtual.endpoints import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("review") / "review.db"
    store = Store(db)
    recorder = Recorder(store)
    link = Link("virtual://treatment?telemetry_hz=1000&noise=0.003")
    link.subscribe(recorder)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        recorder.start_session("P-REV", "Dr Review")
        assert wait_until(lambda: recorder.stats().samples >= 4000, 15)
        recorder.end_session()
    finally:
        link.close()
        recorder.close()
        store.close()
    return db


@pytest.fixture
def review(recorded: Path):
    store = Store(recorded)
    yield SessionReview(store, store.sessions()[0]["uuid"])
    store.close()


def test_replay_state_at_t_matches_the_stored_samples(review: SessionReview) -> None:
    cols = review.store.load_telemetry(review.session)
    t_s = (cols["t_us"] - cols["t_us"][0]) / 1e6
    for t in (0.0, 0.5, 1.234, 2.0, review.duration_s):
        i = int(np.searchsorted(t_s, t, side="right") - 1)
        state = review.state_at(t)
        assert state.depth_set_um == cols["depth_set_um"][i]
        assert state.depth_meas_um == cols["depth_meas_um"][i]
        assert state.rate_hz == cols["rate_dhz"][i] / 10
        assert state.strokes == cols["strokes"][i] - cols["strokes"][0]


def test_overview_keeps_peaks_and_zoom_gives_full_resolution(review: SessionReview) -> None:
    meas = review.columns["depth_meas_um"]
    x, y = review.envelope("depth_meas_um", bins=100)
    assert len(x) == 200
    assert np.nanmax(y) == meas.max() and np.nanmin(y) == meas.min()
    xz, yz = review.envelope("depth_meas_um", bins=2000, t_range=(1.0, 1.5))
    inside = (review.t_s >= 1.0) & (review.t_s < 1.5)
    assert np.array_equal(yz[np.isfinite(yz)], meas[inside].astype(float))


def test_seq_gaps_show_as_gaps_with_their_length(review: SessionReview) -> None:
    gaps = review.gaps()
    assert gaps and all(g.frames_lost >= 1 for g in gaps)


def test_pdf_report_renders(review: SessionReview, qapp, tmp_path: Path) -> None:
    from console.gui.report import write_session_report

    steps: list[int] = []
    out = write_session_report(review, tmp_path / "r.pdf", progress=steps.append)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    pages = (
        data.count(b"/Type /Page\n") + data.count(b"/Type /Page\r") + data.count(b"/Type /Page ")
    )
    assert 1 <= pages <= 2
    assert steps[-1] == 100
    if subprocess.run(["which", "pdftoppm"], capture_output=True).returncode == 0:
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "p")], check=True)
        assert (tmp_path / "p-1.png").stat().st_size > 1000


def test_review_window_replays_and_exports(recorded: Path, qtbot, tmp_path: Path) -> None:
    from console.gui.review_window import ReviewWindow

    store = Store(recorded)
    try:
        window = ReviewWindow(store, "unattributed")
        qtbot.addWidget(window)
        assert window.sessions.model().rowCount() == 1
        window.sessions.selectRow(0)
        assert window.review is not None
        window.replay.seek(1.0)
        assert "t = 1.0 s" in window.replay_state.text()
        assert window.plot.points_drawn() > 0
        assert window.export_csv(str(tmp_path / "s.csv")).read_text().startswith("t_s,t_us")
        assert window.export_pdf(str(tmp_path / "s.pdf")).stat().st_size > 1000
    finally:
        store.close()


def test_patient_series_warns_under_four_weeks(tmp_path: Path) -> None:
    store = Store(tmp_path / "series.db")
    try:
        now = datetime.now(UTC)
        for days_ago in (70, 20):
            s = store.create_session("P-S", "Dr A")
            when = (now - timedelta(days=days_ago)).isoformat(timespec="milliseconds")
            store.update_session(s, started_utc=when, status="complete")
        series = patient_series(store, "P-S")
        assert [x["too_soon"] for x in series] == [False, False]
        assert series[1]["days_since_previous"] == pytest.approx(50, abs=0.1)
        warning = too_soon_warning(store, "P-S", now)
        assert warning is not None and "20 days ago" in warning
        assert too_soon_warning(store, "P-S", now + timedelta(days=30)) is None
    finally:
        store.close()


def test_users_cli_provisions_from_stdin(tmp_path: Path) -> None:
    db = str(tmp_path / "users.db")
    run = lambda *a, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "console", "users", *a, "--db", db],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
    )
    # The first account is the admin (no sign-in); then the admin's password comes first,
    # then the new user's, twice.
    admin = "Admin-Battery-Staple-1"
    assert run("add", "it.admin", stdin=f"{admin}\n{admin}\n").returncode == 0
    lee = "Lee-Battery-Staple-2"
    added = run("add", "dr.lee", "--role", "supervisor", "--user", "it.admin",
                stdin=f"{admin}\n{lee}\n{lee}\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    short = run(
        "add", "x", "--role", "admin", "--user", "it.admin", stdin=f"{admin}\nshort\nshort\n"
    )
    assert short.returncode == 2 and "at least" in short.stderr
    listing = run("list", "--user", "it.admin", stdin=f"{admin}\n")
    assert "dr.lee" in listing.stdout and "supervisor" in listing.stdout


def test_the_review_window_refuses_to_export_onto_the_database(
    qtbot, recorded, tmp_path, monkeypatch
) -> None:
    """A PDF or CSV "saved" over the database (or its WAL) is refused; the file is intact."""
    import shutil

    from PySide6.QtWidgets import QMessageBox

    from console.gui.review_window import ReviewWindow

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warnings.append(text))
    db = tmp_path / "pc.db"
    shutil.copy(recorded, db)
    store = Store(db)
    try:
        window = ReviewWindow(store, "unattributed")
        qtbot.addWidget(window)
        window.sessions.selectRow(0)
        assert window.review is not None
        before = db.read_bytes()[:100]
        assert window.export_pdf(str(db)) is None
        assert window.export_csv(str(tmp_path / "pc.db-wal")) is None
        assert len(warnings) == 2 and all("database" in w for w in warnings), warnings
        assert db.read_bytes()[:100] == before
        assert len(store.sessions()) == 1  # still a readable database
    finally:
        store.close()
