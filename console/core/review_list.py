"""The review window's finders, Qt-free: the session list a page at a time, and the
front desk's list of patients due for their next treatment.

Both disclose patient codes, so both go through `Access` (REVIEW). A search is audited
once, with its filter, when it runs; the pages fetched while scrolling its result are
checked but not audited again (one row per scroll would bury the trail).
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from console.core.access import Access
from console.core.roles import Action
from console.core.series import local_date, rule_for_plan
from console.core.series_rule import SeriesState, SeriesStatus, series_status
from console.store import SessionFilter
from console.store.session_list import (
    SessionListRow,
    SessionSort,
    patient_words,
    practitioner_names,
    session_count,
    session_page,
    treatments_by_start,
)

PAGE_ROWS = 200  # one screenful many times over; the table fetches more as it scrolls
DUE_HORIZON_DAYS = 14


def status_words(status: str, interrupted: bool) -> str:
    """A session's status as the list and the header show it: a signed session that was
    interrupted keeps saying so ("signed · interrupted")."""
    return f"{status} · interrupted" if interrupted and status == "signed" else status


class ListUnavailable(RuntimeError):
    """The database could not answer the list's query: one sentence for the status line."""


_T = TypeVar("_T")


def _read(query: Callable[[], _T]) -> _T:
    try:
        return query()
    except sqlite3.Error as exc:
        raise ListUnavailable(
            f"The session list could not be read ({exc}); try again, and if it persists "
            "run `pen-console db check`."
        ) from exc


def utc_bound(day: date) -> str:
    """The UTC instant of local midnight starting `day`, as the sessions table writes it."""
    local = datetime.combine(day, time()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="milliseconds")


def local_days(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """A filter's bounds for local days `since` to `until`, both included."""
    return (
        None if since is None else utc_bound(since),
        None if until is None else utc_bound(until + timedelta(days=1)),
    )


class SessionFinder:
    """The session list for one user: `find` runs a search (audited) and returns its
    count; `page` returns its rows from `offset` on."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self.filter = SessionFilter()
        self.sort = SessionSort()

    def find(self, filt: SessionFilter, sort: SessionSort | None = None) -> int:
        self.filter = filt
        if sort is not None:
            self.sort = sort
        words = {f.name: getattr(filt, f.name) for f in fields(filt) if getattr(filt, f.name)}
        self.access.perform(Action.REVIEW, "sessions", None, {"filter": words})
        return _read(lambda: session_count(self.access.store, filt))

    def resort(self, sort: SessionSort) -> None:
        """The same result in another order (no new disclosure: not audited again)."""
        self.access.require(Action.REVIEW, "sessions")
        self.sort = sort

    def page(self, offset: int, limit: int = PAGE_ROWS) -> list[SessionListRow]:
        self.access.require(Action.REVIEW, "sessions")
        store, filt, sort = self.access.store, self.filter, self.sort
        return _read(lambda: session_page(store, filt, sort, offset, limit))

    def practitioners(self) -> list[str]:
        self.access.require(Action.REVIEW, "sessions")
        return practitioner_names(self.access.store)

    def patient_words(self) -> list[str]:
        self.access.require(Action.REVIEW, "sessions")
        return patient_words(self.access.store)


# ---------------------------------------------------------------- the due list


class DueKind(enum.StrEnum):
    OVERDUE = "overdue"
    DUE = "due now"
    SOON = "due soon"  # the window opens within the horizon


@dataclass(frozen=True, slots=True)
class DuePatient:
    patient_code: str
    patient_name: str | None
    kind: DueKind
    status: SeriesStatus


def due_list(access: Access, today: date, horizon_days: int = DUE_HORIZON_DAYS) -> list[DuePatient]:
    """Patients overdue, due now, or due within `horizon_days`: overdue first, then by
    the date the next treatment is due from."""
    access.perform(Action.REVIEW, "patients", None, {"due_list": today.isoformat()})
    store = access.store
    names = {p.code: p.name for p in store.patients.all()}
    started: dict[str, list[date]] = {}
    last_plan: dict[str, str | None] = {}
    for code, started_utc, plan in treatments_by_start(store):  # the last plan is the latest
        started.setdefault(code, []).append(local_date(started_utc))
        last_plan[code] = plan
    out = []
    horizon = today + timedelta(days=horizon_days)
    for code, days in started.items():
        status = series_status(days, rule_for_plan(last_plan[code]), today)
        match status.state:
            case SeriesState.OVERDUE:
                kind = DueKind.OVERDUE
            case SeriesState.DUE:
                kind = DueKind.DUE
            case SeriesState.TOO_SOON if status.due_from is not None and status.due_from <= horizon:
                kind = DueKind.SOON
            case _:
                continue
        out.append(DuePatient(code, names.get(code), kind, status))
    order = list(DueKind)
    return sorted(out, key=lambda d: (order.index(d.kind), d.status.due_from, d.patient_code))
