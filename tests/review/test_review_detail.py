"""The review window's detail pane: events in words and time order, the plots' empty
state, theme and rate span, exports' names and confirmations, signing words and badges."""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox

from console.core.access import Access
from console.core.accounts import User
from console.core.recorder import Recorder
from console.core.signing import sign
from console.gui import review_actions
from console.gui.review_window import ReviewWindow
from console.store import EventKind, Store
from drivers.messages import TELEMETRY_COLUMNS, Event, EventCode, TelemetryBatch
from tests.review.conftest import add_people
from widgets.event_list import EventList
from widgets.review_plot import EMPTY_TEXT, RATE_MIN_SPAN_HZ

T0_US = 5_000_000
N = 1500  # 3 s at 500 Hz


def _batch(start: int, n: int) -> TelemetryBatch:
    cols = {name: np.zeros(n, dt) for name, dt in TELEMETRY_COLUMNS.items()}
    cols["seq"] = (np.arange(start, start + n) % 65536).astype(np.uint16)
    cols["t_us"] = T0_US + np.arange(start, start + n, dtype=np.int64) * 2000
    cols["depth_set_um"][:] = 500
    cols["depth_meas_um"][:] = 495
    cols["rate_dhz"][:] = 800 + (np.arange(n) % 2)  # a steady 80.0-80.1 Hz
    cols["status"][:] = 1
    return TelemetryBatch.from_columns(cols)


def _record(store: Store) -> str:
    """A 3 s session: a cartridge, a clamped depth, an alarm, a command with no pen time."""
    recorder = Recorder(store)
    try:
        s = recorder.start_session("P-0142", "nurse.kim")
        recorder.on_telemetry(_batch(0, 500))
        recorder.on_event(
            Event(1, 0, EventCode.CARTRIDGE_INSERTED, (12 << 8) | 32, T0_US + 1_000_000)
        )
        recorder.on_telemetry(_batch(500, N - 500))
        recorder.add_console_event(
            EventKind.ALARM,
            {"condition": "depth_above_ceiling", "priority": "high", "state": "raised"},
            t_us=T0_US + 2_500_000,
        )
        recorder.on_event(Event(2, 0, EventCode.DEPTH_CLAMPED, 550, T0_US + 2_000_000))
        recorder.end_session()
    finally:
        recorder.close()
    store.update_session(s, started_utc="2026-12-02T13:03:00.000+00:00", tz="Europe/Berlin")
    store.seal(s, "test: a fixed start time")  # else signing it is refused as tampered
    return s


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, User], str]:
    """Made once: hashing the accounts' passwords (argon2) is the slow part."""
    db = tmp_path_factory.mktemp("detail") / "template.db"
    store = Store(db)
    try:
        people = add_people(store)
        return db, people, _record(store)
    finally:
        store.close()


@pytest.fixture
def store(template: tuple[Path, dict[str, User], str], tmp_path: Path) -> Iterator[Store]:
    db = tmp_path / "records.db"
    shutil.copy(template[0], db)
    s = Store(db)
    yield s
    s.close()


@pytest.fixture
def people(template: tuple[Path, dict[str, User], str]) -> dict[str, User]:
    return template[1]


@pytest.fixture
def session(template: tuple[Path, dict[str, User], str]) -> str:
    return template[2]


@pytest.fixture
def window(qtbot, store: Store, people: dict[str, User]) -> Iterator[ReviewWindow]:
    w = ReviewWindow(store, people["dr.lee"], theme="dark")
    qtbot.addWidget(w)
    yield w


def test_events_in_time_order_in_words_with_raw_behind_a_disclosure(
    window: ReviewWindow, session: str
) -> None:
    assert window.open_session(session) is not None
    events: EventList = window.events
    titles = [events.entry_at(i).words.title for i in range(events.row_count())]
    assert titles == ["cartridge inserted", "depth clamped to 0.55 mm", "high alarm raised"]
    first = events.entry_at(0)
    assert first.words.detail == "12 needles, 32 G"
    assert first.clock == "14:03:01"  # start 13:03:00 UTC + 1 s, in Berlin
    assert events.header_text(0) == "Time (Europe/Berlin)"
    assert "UTC" not in window.header.text() and "Europe/Berlin" in window.header.text()
    assert events.cell(0, 1) == "0:01.0"
    assert not events.is_expanded(0)  # raw data hidden until asked
    events.expand(0)
    assert events.is_expanded(0)
    assert '"arg": 3104' in events.raw_text(0) and '"source": "pen"' in events.raw_text(0)
    events.copy_raw(0)
    assert QGuiApplication.clipboard().text() == events.raw_text(0)
    assert events.cell(2, 3) == "high alarm raised: depth above ceiling"  # bold: an alarm
    assert events.model.data(events.model.index(2, 3), Qt.ItemDataRole.FontRole).bold()


def test_clicking_an_event_moves_the_cursor_and_the_replay_follows(
    window: ReviewWindow, session: str, qtbot
) -> None:
    window.open_session(session)
    events = window.events
    events.click(1)  # the clamp, 2.0 s in
    assert window.replay.position_s == pytest.approx(2.0)
    assert window.plot.time_cursor.value() == pytest.approx(2.0)
    assert events.current_row() == 1
    window.replay.seek(2.7)  # past the alarm at 2.5 s: it becomes the current row
    assert events.current_row() == 2
    window.replay.seek(0.2)  # before any event: nothing selected
    assert events.current_row() is None


def test_empty_state_then_the_plot_in_the_theme(window: ReviewWindow, session: str, qtbot) -> None:
    assert window.plot.is_empty() and window.plot.empty.text() == EMPTY_TEXT
    assert window.header.text() == "No session chosen."
    window.open_session(session)
    assert not window.plot.is_empty()
    assert window.plot.view.backgroundBrush().color() == QColor("#0f1419")
    window.set_theme("light")
    assert window.plot.view.backgroundBrush().color() == QColor("#ffffff")
    window.show_nothing()
    assert window.plot.is_empty() and window.events.row_count() == 0
    assert window.replay_state.text() == ""


def test_a_steady_rate_is_a_line_not_a_band(window: ReviewWindow, session: str, qtbot) -> None:
    window.open_session(session)
    vb = window.plot.rate_plot.vb

    def centred_on_the_rate() -> bool:
        window.plot.grab()  # a paint: pyqtgraph auto-ranges when it paints
        lo, hi = vb.viewRange()[1]
        return lo < 80 < hi

    qtbot.waitUntil(centred_on_the_rate)
    lo, hi = vb.viewRange()[1]
    assert hi - lo == pytest.approx(RATE_MIN_SPAN_HZ, rel=0.05)  # not 80.0 to 80.1


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(docs))
    return docs


def test_export_suggests_a_name_in_documents_and_says_where_it_went(
    window: ReviewWindow, session: str, documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = window.open_session(session)
    assert review is not None
    suggested: list[str] = []

    def save_as(_parent: object, _title: str, path: str, _filter: str) -> str:
        suggested.append(path)
        return path

    confirmed: list[str] = []
    opened: list[QUrl] = []
    monkeypatch.setattr(review_actions, "save_file_name", save_as)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: confirmed.append(box.text()) or 0)
    show_in_folder = lambda box: next(  # noqa: E731  (the user presses "Show in folder")
        b for b in box.buttons() if b.text() == "Show in folder"
    )
    monkeypatch.setattr(QMessageBox, "clickedButton", show_in_folder)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    out = window.actions.export_csv(review)
    assert suggested == [str(documents / "P-0142_2026-12-02_samples.csv")]
    assert out == documents / "P-0142_2026-12-02_samples.csv" and out.exists()
    message = window.statusBar().currentMessage()
    assert message == f"The CSV was saved as {out.name} in {documents}."
    assert confirmed == [message]
    assert opened == [QUrl.fromLocalFile(str(documents))]


def test_a_failed_write_is_one_sentence(
    window: ReviewWindow, session: str, documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_session(session)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warnings.append(text))

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(review_actions, "private_output", full)
    assert window.export_csv(str(documents / "x.csv")) is None
    assert warnings == [
        f"The disk holding {documents} is full, so x.csv was not saved; free some space "
        "or choose another drive."
    ]
    assert "Traceback" not in window.statusBar().currentMessage()


def test_signing_refused_names_the_role_that_may_sign(
    qtbot, store: Store, people: dict[str, User], passwords: dict[str, str], session: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    window = ReviewWindow(store, people["nurse.kim"], theme="light")
    qtbot.addWidget(window)
    review = window.open_session(session)
    assert review is not None
    dialog = window.actions.sign_dialog(review)
    assert dialog.note.text().startswith(
        "Only a supervisor can sign sessions; you are signed in as nurse.kim, practitioner."
    )
    assert dialog.name.text() == ""
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warnings.append(text))
    signed = window.actions.sign_as(review, "nurse.kim", passwords["nurse.kim"], "approved")
    assert not signed
    assert warnings == [
        "Only a supervisor can sign sessions; you are signed in as nurse.kim, practitioner."
    ]
    assert window.actions.sign_as(review, "dr.lee", "wrong", "approved") is False
    assert warnings[-1] == "The password is wrong; the session was not signed."
    assert window.header.badges.texts() == ["Not signed"]


def test_signed_badges_name_signer_time_and_meaning(
    window: ReviewWindow, store: Store, people: dict[str, User], passwords: dict[str, str],
    session: str,
) -> None:  # fmt: skip
    review = window.open_session(session)
    assert review is not None
    assert window.actions.sign_dialog(review).name.text() == "dr.lee"  # may sign: filled in
    assert window.header.badges.texts() == ["Not signed"]
    assert window.actions.sign_as(review, "dr.lee", passwords["dr.lee"], "approved")
    sign(Access(store, people["dr.lee"]), session, "reviewed", passwords["dr.lee"])
    window.open_session(session)
    badges = window.header.badges.texts()
    assert len(badges) == 2
    pattern = r"✔ (Approved|Reviewed) by dr\.lee, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}"
    assert all(re.fullmatch(pattern, b) for b in badges), badges
    assert {b.split()[1] for b in badges} == {"Approved", "Reviewed"}
