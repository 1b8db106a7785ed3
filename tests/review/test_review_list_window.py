"""The review window's left side through its widgets: the table sorts on a header click,
fetches more as it scrolls, each filter field runs Find on Return, the patient field
completes, the session buttons wait for a selection, the Due and Lot search tabs, and
the window fits a 1280x800 screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from clinic_list import Made, make_clinic, sign_one, use_lot
from PySide6.QtCore import Qt

from console.core.access import Access
from console.core.review_list import SessionFinder
from console.gui.review_finders import DuePage, LotPage
from console.gui.review_window import ReviewWindow
from console.gui.session_model import SessionTableModel
from console.store import SessionFilter, Store
from console.store.session_list import SessionColumn
from widgets.session_table import ListTable

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def made(store: Store) -> list[Made]:
    return make_clinic(store)


@pytest.fixture
def window(qtbot, store: Store, made: list[Made]) -> ReviewWindow:
    w = ReviewWindow(store, None)  # a demo database: no accounts to make (fast)
    qtbot.addWidget(w)
    return w


def _column(window: ReviewWindow, column: SessionColumn) -> list[str]:
    model = window.finder.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_the_model_fetches_more_as_it_scrolls(store: Store, made: list[Made]) -> None:
    model = SessionTableModel(SessionFinder(Access(store, None)), page_rows=5)
    assert model.find(SessionFilter()) == 12
    assert model.rowCount() == 5 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 10 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 12 and not model.canFetchMore()
    assert len({model.uuid_at(r) for r in range(12)}) == 12


def test_the_view_fetches_more_when_scrolled_to_the_end(
    qtbot, store: Store, made: list[Made]
) -> None:
    model = SessionTableModel(SessionFinder(Access(store, None)), page_rows=5)
    model.find(SessionFilter())
    table = ListTable(model)
    qtbot.addWidget(table)
    table.resize(400, 120)  # room for a few rows only
    table.show()
    qtbot.waitExposed(table)
    assert model.rowCount() < 12

    def scrolled_through_all() -> bool:  # the view, not the test, asks for each page
        table.scrollToBottom()
        return model.rowCount() == 12

    qtbot.waitUntil(scrolled_through_all, timeout=3000)


def test_a_header_click_sorts(window: ReviewWindow, made: list[Made]) -> None:
    started = _column(window, SessionColumn.STARTED)
    assert started == sorted(started, reverse=True)  # newest first
    window.sessions.sortByColumn(SessionColumn.PATIENT, Qt.SortOrder.AscendingOrder)
    patients = _column(window, SessionColumn.PATIENT)
    assert patients == sorted(patients) and patients[0] == "P-0001"
    window.sessions.sortByColumn(SessionColumn.ALARMS, Qt.SortOrder.DescendingOrder)
    assert _column(window, SessionColumn.ALARMS)[0] == "2 high"


def test_return_in_each_filter_runs_find(qtbot, window: ReviewWindow) -> None:
    f = window.finder
    f.patient.setText("grace")
    qtbot.keyClick(f.patient, Qt.Key.Key_Return)
    assert set(_column(window, SessionColumn.PATIENT)) == {"Q-0003"}
    f.patient.clear()
    f.practitioner.setEditText("dr lee")
    qtbot.keyClick(f.practitioner.lineEdit(), Qt.Key.Key_Return)
    assert set(_column(window, SessionColumn.PRACTITIONER)) == {"Dr Lee"}
    f.practitioner.setEditText("")
    f.text.setText("melasma")
    qtbot.keyClick(f.text, Qt.Key.Key_Return)
    assert f.model.total == 3
    f.text.clear()
    f.has_gaps.setChecked(True)
    qtbot.keyClick(f.has_gaps, Qt.Key.Key_Return)
    assert f.model.total == 3 and set(_column(window, SessionColumn.LINK_GAPS)) == {"1"}
    f.has_gaps.setChecked(False)
    f.has_alarms.setChecked(True)
    qtbot.keyClick(f.has_alarms, Qt.Key.Key_Return)
    assert f.model.total == 4
    f.has_alarms.setChecked(False)
    f.use_dates.setChecked(True)
    f.since.setDate(f.since.date().fromString("2026-03-03", "yyyy-MM-dd"))
    f.until.setDate(f.until.date().fromString("2026-03-04", "yyyy-MM-dd"))
    qtbot.keyClick(f.until, Qt.Key.Key_Return)
    assert 1 <= f.model.total <= 3 and f.model.total < 12
    assert "session" in f.count.text()


def test_the_patient_field_completes_codes_and_names(qtbot, window: ReviewWindow) -> None:
    completer = window.finder.completer
    completer.setCompletionPrefix("ada")
    assert completer.currentCompletion() == "Ada Lovelace"
    completer.setCompletionPrefix("p-000")
    assert completer.completionCount() == 2


def test_session_buttons_wait_for_a_selection(window: ReviewWindow) -> None:
    buttons = (window.sign_button, window.pdf_button, window.csv_button)
    assert not any(b.isEnabled() for b in buttons)
    window.sessions.selectRow(0)
    assert window.review is not None and all(b.isEnabled() for b in buttons)
    window.refresh_list()  # a new search drops the selection
    assert not any(b.isEnabled() for b in buttons)


def test_signed_shows_in_the_list(store: Store, made: list[Made], people, passwords, qtbot) -> None:
    w = ReviewWindow(store, people["dr.lee"])
    qtbot.addWidget(w)
    newest = made[-1].uuid
    sign_one(Access(store, people["dr.lee"]), newest, passwords["dr.lee"])
    w.actions.signed.emit(newest)  # what the Sign button's dialog does once signed
    assert _column(w, SessionColumn.SIGNED)[0] == "dr.lee · approved"
    assert _column(w, SessionColumn.STATUS)[0] == "signed"
    assert w.sessions.selected_row() == 0 and w.review is not None
    assert w.review.session == newest and w.pdf_button.isEnabled()


def test_the_window_fits_1280_by_800(qtbot, window: ReviewWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= 1280 and window.height() <= 800
    assert window.minimumWidth() <= 1280 and window.minimumHeight() <= 800
    assert window.finders.width() >= 520
    table = window.sessions
    started = table.columnWidth(SessionColumn.STARTED)
    needed = table.fontMetrics().horizontalAdvance(_column(window, SessionColumn.STARTED)[0])
    assert started > needed  # the date and time are not cut off


def test_due_tab_lists_with_an_injected_date(qtbot, store: Store, tmp_path: Path) -> None:
    make_clinic(store, 6)  # two treatments each, the last on 2026-03-05, -06 and -07
    today = [date(2026, 4, 1)]
    page = DuePage(Access(store, None), today=lambda: today[0])
    qtbot.addWidget(page)
    assert page.refresh() == []  # next due from 2026-04-16: beyond 14 days
    today[0] = date(2026, 4, 10)
    due = page.refresh()
    assert [(d.patient_code, str(d.kind)) for d in due] == [
        ("P-0001", "due soon"),
        ("P-0002", "due soon"),
        ("Q-0003", "due soon"),
    ]
    assert page.model.rowCount() == 3 and "as of 2026-04-10" in page.title.text()
    today[0] = date(2026, 5, 2)  # the windows close on 2026-04-30, 05-01 and 05-02
    assert [str(d.kind) for d in page.refresh()] == ["overdue", "overdue", "due now"]
    pdf = page.write_pdf(tmp_path / "due.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_lot_search_lists_the_sessions_that_used_it(qtbot, store: Store, made: list[Made]) -> None:
    access = Access(store, None)
    use_lot(access, made[1], "LOT-77A")
    use_lot(access, made[5], "LOT-77A")
    use_lot(access, made[6], "LOT-99")
    page = LotPage(access)
    qtbot.addWidget(page)
    chosen: list[str] = []
    page.chosen.connect(chosen.append)
    page.lot.setText("LOT-77A")
    qtbot.keyClick(page.lot, Qt.Key.Key_Return)  # a scanner ends with Return
    assert page.model.rowCount() == 2
    assert {page.model.item(r, 0).text() for r in range(2)} == {made[1].patient, made[5].patient}
    page.table.selectRow(0)
    assert chosen and chosen[0] in {made[1].uuid, made[5].uuid}
    page.lot.setText("NO-SUCH")
    page.find()
    assert page.model.rowCount() == 0 and "No session used lot NO-SUCH" in page.result.text()


def test_a_simulated_session_says_so_in_the_list(qtbot, store: Store, made: list[Made]) -> None:
    sim = store.create_session("P-0001", "Dr Lee", simulated=True)
    store.finish_session(sim)
    w = ReviewWindow(store, None)
    qtbot.addWidget(w)
    model = w.finder.model
    row = model.row_of(sim)
    assert row is not None
    status = model.index(row, SessionColumn.STATUS)
    assert model.data(status) == "complete"  # the status whole; the mark is by the patient
    patient = model.index(row, SessionColumn.PATIENT)
    assert model.data(patient) == "P-0001 · SIM"
    w.show()
    table = w.finder.table
    assert table.columnWidth(SessionColumn.PATIENT) > table.fontMetrics().horizontalAdvance(
        "P-0001 · SIM"
    )
    assert table.columnWidth(SessionColumn.STATUS) > table.fontMetrics().horizontalAdvance(
        "interrupted"
    )
    for cell in (status, patient):
        assert "not a treatment" in model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert model.data(status, Qt.ItemDataRole.ForegroundRole) is not None
    other = model.index(model.row_of(made[0].uuid), SessionColumn.STATUS)
    assert model.data(other) == "complete"
    assert model.data(other, Qt.ItemDataRole.ForegroundRole) is None


def test_a_failing_query_leaves_a_whole_model_and_a_sentence(
    qtbot, window: ReviewWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error in Find, a header sort or a scroll page: no exception escapes,
    the model is never left between beginResetModel and endResetModel, the list's status
    line says what happened."""
    import sqlite3

    import console.core.review_list as review_list

    panel, model = window.finder, window.finder.model
    assert panel.find() == 12
    resets: list[str] = []
    model.modelAboutToBeReset.connect(lambda: resets.append("begin"))
    model.modelReset.connect(lambda: resets.append("end"))

    def broken(*_: object) -> list[object]:
        raise sqlite3.ProgrammingError("Incorrect number of bindings supplied")

    monkeypatch.setattr(review_list, "session_page", broken)
    assert panel.find() == 0
    assert model.rowCount() == 0 and model.total == 0 and not model.canFetchMore()
    assert "could not be read" in panel.count.text()
    with qtbot.waitSignal(model.failed):
        model.sort(int(SessionColumn.PATIENT), Qt.SortOrder.AscendingOrder)
    monkeypatch.undo()
    assert panel.find() == 12 and model.rowCount() == 12
    monkeypatch.setattr(review_list, "session_page", broken)
    model.rows = model.rows[:5]  # as if only the first page were loaded
    with qtbot.waitSignal(model.failed):
        model.fetchMore()
    assert model.rowCount() == 5 and not model.canFetchMore()
    assert resets == ["begin", "end"] * (len(resets) // 2) and len(resets) % 2 == 0


def test_show_session_selects_its_row(window: ReviewWindow, made: list[Made]) -> None:
    """`review --session X` opens X with its row selected in the list, not another."""
    wanted = made[4].uuid
    window.show_session(wanted)
    row = window.finder.table.selected_row()
    assert row is not None and window.finder.model.uuid_at(row) == wanted
    assert window.review is not None and window.review.session == wanted


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_columns_fit_under_the_themes_font(qtbot, store: Store, made: list[Made], theme) -> None:
    """With the application's style sheet (as `review` sets it, before the window is
    made): every column fits the list pane at the default size, no horizontal scrolling,
    and the date and time, status and gaps are whole."""
    from PySide6.QtWidgets import QApplication

    from console.gui.settings import stylesheet

    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(stylesheet(theme))
    try:
        w = ReviewWindow(store, None)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        table = w.sessions
        widths = [table.columnWidth(c) for c in SessionColumn]
        assert sum(widths) <= table.viewport().width()
        metrics = table.fontMetrics()
        for column in (SessionColumn.STARTED, SessionColumn.STATUS, SessionColumn.LINK_GAPS):
            text = _column(w, column)[0]
            assert metrics.horizontalAdvance(text) < table.columnWidth(column), (column, text)
    finally:
        app.setStyleSheet(before)


def test_the_due_title_is_whole_in_the_window(qtbot, store: Store, made: list[Made]) -> None:
    from PySide6.QtWidgets import QApplication

    from console.gui.settings import stylesheet

    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(stylesheet("light"))  # the font `review` uses
    try:
        w = ReviewWindow(store, None)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.finders.setCurrentWidget(w.due)
        title = w.due.title
        qtbot.waitUntil(lambda: "as of" in title.text())
        lines = max(title.height() // title.fontMetrics().lineSpacing(), 1)
        needed = title.fontMetrics().horizontalAdvance(title.text())
        assert needed <= title.width() * lines  # wrapped if need be, never cut
    finally:
        app.setStyleSheet(before)
