"""Starting a session sooner than the plan's series allows asks for a reason, and keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.core.series import TooSoon
from console.store import Store


def _earlier_session(store: Store, patient: str, days_ago: float) -> None:
    uuid = store.create_session(patient, "Dr Lee")
    started = datetime.now(UTC) - timedelta(days=days_ago)
    store.update_session(uuid, started_utc=started.isoformat(timespec="milliseconds"))
    store.finish_session(uuid)


def test_too_soon_asks_and_records_the_reason(
    window, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _earlier_session(store, "P-9", days_ago=30)  # the seed's series wants 6 weeks
    asked: list[TooSoon] = []
    answers = iter([None, "patient travels abroad next month"])

    def ask(early: TooSoon) -> str | None:
        asked.append(early)
        return next(answers)

    monkeypatch.setattr(window, "ask_too_soon_reason", ask)
    window.start_session("P-9", "Dr Lee")  # cancelled: nothing starts
    assert window.controller.session is None
    assert "Not started" in window.session_bar.status.text()
    window.start_session("P-9", "Dr Lee")
    session = window.controller.session
    assert session is not None
    assert [round(a.days_since_previous) for a in asked] == [30, 30]
    (row,) = store.patients.exceptions(session)
    assert (row.reason, row.min_days) == ("patient travels abroad next month", 42)
    window.end_session(confirmed=True)


def test_a_first_or_due_treatment_asks_nothing(
    window, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _earlier_session(store, "P-10", days_ago=45)
    monkeypatch.setattr(window, "ask_too_soon_reason", pytest.fail)
    window.start_session("P-10", "Dr Lee")
    assert window.controller.session is not None
    assert store.patients.exceptions(window.controller.session) == []
    window.end_session(confirmed=True)


def test_the_patient_field_completes_from_known_codes(window, store: Store) -> None:
    _earlier_session(store, "P-0142", days_ago=60)
    window.start_session("P-0777", "Dr Lee")  # a new code is added by starting
    window.end_session(confirmed=True)
    completer = window.session_bar.patient.completer()
    completer.setCompletionPrefix("p-")
    found = []
    for row in range(completer.completionCount()):
        completer.setCurrentRow(row)
        found.append(completer.currentCompletion())
    assert found == ["P-0142", "P-0777"]
