"""The series: due, overdue and too-soon dates from the plan, with injected dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from patient_support import SessionAt

from console.core.access import Access
from console.core.review_list import DueKind, due_list
from console.core.series import patient_series, patient_status, too_soon
from console.core.series_rule import DEFAULT_SERIES, SeriesRule, SeriesState, series_status
from console.core.zones import ZoneDataError, find_plan, load_plan
from console.store import Store
from console.store.patients import SeriesExceptionRow

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_default_series_is_the_seeds() -> None:
    assert SeriesRule(treatments=3, min_days=42, max_days=56) == DEFAULT_SERIES
    assert DEFAULT_SERIES.words() == "3 treatments, 6–8 weeks apart"
    assert find_plan("full_face_prp").series == DEFAULT_SERIES


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 1, 20), SeriesState.TOO_SOON),
        (date(2026, 2, 11), SeriesState.TOO_SOON),
        (date(2026, 2, 12), SeriesState.DUE),
        (date(2026, 2, 26), SeriesState.DUE),
        (date(2026, 2, 27), SeriesState.OVERDUE),
    ],
)
def test_due_window_after_one_treatment(today: date, state: SeriesState) -> None:
    status = series_status([date(2026, 1, 1)], DEFAULT_SERIES, today)
    assert status.state is state
    assert status.done == 1
    assert status.due_from == date(2026, 2, 12)  # 6 weeks
    assert status.due_by == date(2026, 2, 26)  # 8 weeks
    assert status.as_json()["next_due"] == "2026-02-12"


def test_not_started_and_complete() -> None:
    assert series_status([], DEFAULT_SERIES, date(2026, 1, 1)).state is SeriesState.NOT_STARTED
    done = [date(2026, 1, 1), date(2026, 2, 15), date(2026, 4, 1)]
    status = series_status(done, DEFAULT_SERIES, date(2026, 9, 1))
    assert status.state is SeriesState.COMPLETE
    assert status.due_from is None
    assert "3 of 3" in status.words()


def test_a_plan_file_defines_its_series(tmp_path: Path) -> None:
    plan: dict[str, object] = {
        "id": "p",
        "name": "Two, four weeks",
        "map": "face",
        "series": {"treatments": 2, "min_days": 28, "max_days": 35},
        "steps": [{"zone": "forehead", "passes": 2, "depth_um": 500}],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(plan))
    assert load_plan(path).series == SeriesRule(2, 28, 35)
    plan["series"] = {"treatments": 2, "min_days": 40, "max_days": 30}
    path.write_text(json.dumps(plan))
    with pytest.raises(ZoneDataError, match="min <= max"):
        load_plan(path)


def test_too_soon_follows_the_plan_not_four_weeks(store: Store, session_at: SessionAt) -> None:
    """30 days passed the old hard-coded 28-day rule; the seed's 6 weeks does not."""
    session_at("P-7", NOON - timedelta(days=30))
    found = too_soon(store, "P-7", NOON)
    assert found is not None
    assert round(found.days_since_previous) == 30
    assert "6–8 weeks" in found.words()
    assert too_soon(store, "P-7", NOON + timedelta(days=12)) is None  # 42 days
    assert too_soon(store, "NEW", NOON) is None


def test_patient_series_flags_the_early_session(store: Store, session_at: SessionAt) -> None:
    session_at("P-8", NOON - timedelta(days=100))
    session_at("P-8", NOON - timedelta(days=50))
    session_at("P-8", NOON - timedelta(days=20))
    flags = [s["too_soon"] for s in patient_series(store, "P-8")]
    assert flags == [False, False, True]
    status = patient_status(store, "P-8", NOON.date())
    assert status.state is SeriesState.COMPLETE  # no too-soon reason recorded: it counts


def _short(store: Store, patient: str, started: datetime, seconds: float) -> str:
    """A session that recorded no pass and ended `seconds` after it started."""
    uuid = store.create_session(patient, "nurse.kim")
    store.finish_session(uuid, "interrupted")
    store.update_session(
        uuid,
        started_utc=started.isoformat(timespec="milliseconds"),
        ended_utc=(started + timedelta(seconds=seconds)).isoformat(timespec="milliseconds"),
    )
    return uuid


def test_an_early_start_and_a_start_that_never_needled_are_not_series_treatments(
    store: Store, session_at: SessionAt
) -> None:
    first = session_at("P-S", NOON - timedelta(days=100))
    abandoned = _short(store, "P-S", NOON - timedelta(days=60), seconds=20)
    early = session_at("P-S", NOON - timedelta(days=90))  # 10 days after the first
    store.patients.add_exception(
        SeriesExceptionRow(early, 10.0, 42, "travel", "nurse.kim", NOON.isoformat())
    )
    second = session_at("P-S", NOON - timedelta(days=45))
    counted = {s["uuid"]: s["series_treatment"] for s in patient_series(store, "P-S")}
    assert counted == {first: True, early: False, abandoned: False, second: True}
    status = patient_status(store, "P-S", NOON.date())
    assert (status.done, status.state) == (2, SeriesState.DUE)  # 45 days after `second`
    # the 20-second start 60 days ago needled nothing: no too-soon for a start today
    assert too_soon(store, "P-S", NOON) is None  # 45 days since `second`
    # a pass makes even a short session one that needled
    store.add_pass(
        abandoned,
        {"zone": "forehead", "pass_no": 1, "started_t_us": 0, "ended_t_us": 1, "strokes": 5,
         "contact_ms": 1},
    )  # fmt: skip
    assert patient_status(store, "P-S", NOON.date()).done == 3  # first, abandoned, second
    shown = {
        s["uuid"]: (s["days_since_previous"], s["too_soon"]) for s in patient_series(store, "P-S")
    }
    assert shown[second] == (15.0, True)  # counted from the short session's pass


def test_the_due_list_leaves_out_early_and_abandoned_starts(
    store: Store, session_at: SessionAt
) -> None:
    session_at("P-D", NOON - timedelta(days=50))
    _short(store, "P-D", NOON - timedelta(days=5), seconds=30)  # never needled
    due = due_list(Access(store, None), NOON.date())
    assert [(d.patient_code, d.kind, d.status.done) for d in due] == [("P-D", DueKind.DUE, 1)]
