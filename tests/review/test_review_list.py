"""The review window's session list below the window: SQL sorting, paging, each filter
(case-insensitive), and the due list with injected dates (issue 12, issue 15 "Scale")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from clinic_list import PATIENTS, START, Made, make_clinic

from console.core.access import Access
from console.core.review_list import DueKind, SessionFinder, due_list, local_days
from console.store import SessionFilter, Store
from console.store.session_list import (
    SessionColumn,
    SessionSort,
    patient_words,
    session_count,
    session_page,
)


@pytest.fixture
def made(store: Store) -> list[Made]:
    return make_clinic(store)


def _uuids(store: Store, f: SessionFilter, sort: SessionSort | None = None) -> list[str]:
    return [r.uuid for r in session_page(store, f, sort or SessionSort(), 0, 1000)]


def test_pages_cover_the_list_once_in_order(store: Store, made: list[Made]) -> None:
    everything = _uuids(store, SessionFilter())
    newest_first = [m.uuid for m in sorted(made, key=lambda m: m.started, reverse=True)]
    assert everything == newest_first
    pages = [session_page(store, SessionFilter(), SessionSort(), off, 5) for off in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [r.uuid for p in pages for r in p] == newest_first
    assert session_count(store, SessionFilter()) == len(made)


@pytest.mark.parametrize(
    ("column", "key"),
    [
        (SessionColumn.PATIENT, lambda m: m.patient),
        (SessionColumn.STARTED, lambda m: m.started),
        (SessionColumn.PRACTITIONER, lambda m: m.practitioner.lower()),
        (SessionColumn.DURATION, lambda m: m.duration_s),
        (SessionColumn.ALARMS, lambda m: m.alarms),
        (SessionColumn.LINK_GAPS, lambda m: m.gaps),
    ],
)
def test_each_column_sorts_in_sql(store: Store, made: list[Made], column, key) -> None:
    for descending in (False, True):
        rows = session_page(store, SessionFilter(), SessionSort(column, descending), 0, 100)
        by_uuid = {m.uuid: m for m in made}
        keys = [key(by_uuid[r.uuid]) for r in rows]
        assert keys == sorted(keys, reverse=descending), (column, descending)


def test_rows_carry_duration_alarms_and_plan(store: Store, made: list[Made]) -> None:
    rows = {r.uuid: r for r in session_page(store, SessionFilter(), SessionSort(), 0, 100)}
    for m in made:
        r = rows[m.uuid]
        assert r.duration_s == pytest.approx(m.duration_s, abs=0.01)
        assert r.alarms == m.alarms and r.link_gaps == m.gaps
        assert r.highest_alarm == {0: None, 1: "medium", 2: "high"}[m.alarms]
        assert r.plan_name in ("Full face", "Acne scars") and r.status == "complete"


def test_filters_are_case_insensitive(store: Store, made: list[Made]) -> None:
    def found(**kw: object) -> set[str]:
        f = SessionFilter(**kw)  # type: ignore[arg-type]
        uuids = set(_uuids(store, f))
        assert session_count(store, f) == len(uuids)
        return uuids

    assert found(practitioner="nurse kim") == {
        m.uuid for m in made if m.practitioner == "Nurse Kim"
    }
    assert found(patient_code="p-00") == {m.uuid for m in made if m.patient.startswith("P-00")}
    assert found(patient_code="grace") == {m.uuid for m in made if m.patient == "Q-0003"}
    assert found(patient_code="P-0001") == {m.uuid for m in made if m.patient == "P-0001"}
    assert found(patient_code="_") == set()  # LIKE's wildcards are literal here
    assert found(has_alarms=True) == {m.uuid for m in made if m.alarms}
    assert found(has_link_gaps=True) == {m.uuid for m in made if m.gaps}
    assert found(text="MELASMA") == {m.uuid for i, m in enumerate(made) if i % 5 == 0}
    assert found(status="signed") == set()
    assert len(found(status="complete")) == len(made)


def test_the_date_range_is_local_days_both_included(store: Store, made: list[Made]) -> None:
    first = made[2].started.astimezone().date()
    last = made[4].started.astimezone().date()
    since, until = local_days(first, last)
    got = set(_uuids(store, SessionFilter(since_utc=since, until_utc=until)))
    want = {m.uuid for m in made if first <= m.started.astimezone().date() <= last}
    assert got == want and len(want) == 3


def test_the_completer_knows_codes_and_names(store: Store, made: list[Made]) -> None:
    words = patient_words(store)
    assert set(PATIENTS) <= set(words) and set(PATIENTS.values()) <= set(words)


def test_a_search_is_audited_once_not_per_page(store: Store, made: list[Made]) -> None:
    finder = SessionFinder(Access(store, None))

    def searches() -> int:
        return sum(1 for e in store.audit.entries("sessions"))

    before = searches()
    assert finder.find(SessionFilter(practitioner="Dr Lee")) == 6
    assert len(finder.page(0, 4)) == 4 and len(finder.page(4, 4)) == 2
    finder.resort(SessionSort(SessionColumn.PATIENT, False))
    assert searches() == before + 1


def test_due_list_with_injected_dates(store: Store) -> None:
    def treated(code: str, *days_ago: int, today: date) -> None:
        for d in days_ago:
            s = store.create_session(code, "Dr Lee")
            store.finish_session(s)
            when = START.replace(year=today.year, month=today.month, day=today.day)
            store.update_session(s, started_utc=(when - timedelta(days=d)).isoformat())

    today = date(2026, 6, 1)
    treated("OVER", 70, today=today)  # the default series: 6-8 weeks apart
    treated("DUE", 45, today=today)
    treated("SOON", 35, today=today)  # due from day 42: within 14 days
    treated("LATER", 10, today=today)  # due from day 42: 32 days away
    treated("DONE", 150, 100, 50, today=today)  # 3 of 3
    due = due_list(Access(store, None), today)
    assert [(d.patient_code, d.kind) for d in due] == [
        ("OVER", DueKind.OVERDUE),
        ("DUE", DueKind.DUE),
        ("SOON", DueKind.SOON),
    ]
    assert due[2].status.due_from == today + timedelta(days=7)


@pytest.mark.parametrize("status", ["recording", "complete", "interrupted", "signed"])
def test_a_dead_recorder_with_each_status_filter(
    store: Store, made: list[Made], status: str
) -> None:
    """A session left `recording` with no live recorder reads as interrupted; every status
    filter (alone and with others before it in the WHERE) binds its arguments right."""
    dead = store.create_session("P-0001", "Dr Lee", plan_name="Full face", notes="crashed")
    for f in (
        SessionFilter(status=status),
        SessionFilter(status=status, practitioner="dr lee", patient_code="P-0001", text="ra"),
    ):
        rows = session_page(store, f, SessionSort(), 0, 100)
        assert session_count(store, f) == len(rows)
        assert all(r.status == status for r in rows)
        assert (dead in {r.uuid for r in rows}) == (status == "interrupted")


def test_note_search_takes_percent_and_underscore_literally(store: Store) -> None:
    plain = store.create_session("P-1", "Dr Lee", notes="dose 10 units")
    literal = store.create_session("P-1", "Dr Lee", notes="raised 10% after test_a")
    for text in ("10%", "%", "t_a", "_"):
        assert _uuids(store, SessionFilter(text=text)) == [literal], text
    assert set(_uuids(store, SessionFilter(text="10"))) == {plain, literal}
