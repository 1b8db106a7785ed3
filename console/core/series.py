"""The treatment series: how many treatments, how far apart, and where a patient stands.

The plan defines the series (`SeriesRule`, from the plan file's "series"); the default is
the seed article's: 3 treatments, 6–8 weeks apart. This is the one rule: the start
screen's too-soon warning, the patient view and the reports all ask it. Dates are always
passed in (`today`, `now`), so tests inject them. Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from console.core.access import Access
from console.core.roles import Action
from console.store import SessionFilter, Store
from console.store.patients import SeriesExceptionRow
from console.store.rows import utc_now as store_utc_now

UPCOMING_DAYS = 14  # the front desk's "due in the next 14 days"


@dataclass(frozen=True, slots=True)
class SeriesRule:
    treatments: int = 3
    min_days: int = 42  # 6 weeks
    max_days: int = 56  # 8 weeks

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SeriesRule:
        if not data:
            return cls()
        rule = cls(int(data["treatments"]), int(data["min_days"]), int(data["max_days"]))
        if not (rule.treatments >= 1 and 0 < rule.min_days <= rule.max_days):
            raise ValueError(f"the series {data} needs treatments >= 1 and 0 < min <= max days")
        return rule

    def words(self) -> str:
        return (
            f"{self.treatments} treatments, {self.min_days // 7}–{self.max_days // 7} weeks apart"
            if self.min_days % 7 == 0 and self.max_days % 7 == 0
            else f"{self.treatments} treatments, {self.min_days}–{self.max_days} days apart"
        )


DEFAULT_SERIES = SeriesRule()


class SeriesState(enum.StrEnum):
    NOT_STARTED = "not started"
    TOO_SOON = "too soon"  # the next treatment's window has not opened yet
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class SeriesStatus:
    rule: SeriesRule
    done: int
    state: SeriesState
    last: date | None
    due_from: date | None  # the earliest date of the next treatment
    due_by: date | None  # the latest

    def words(self) -> str:
        match self.state:
            case SeriesState.NOT_STARTED:
                return f"no treatment yet ({self.rule.words()})"
            case SeriesState.COMPLETE:
                return f"series complete: {self.done} of {self.rule.treatments}"
            case _:
                return (
                    f"treatment {self.done} of {self.rule.treatments} done; next due "
                    f"{self.due_from} to {self.due_by} ({self.state})"
                )

    def as_json(self) -> dict[str, Any]:
        return {
            "treatments_planned": self.rule.treatments,
            "min_days": self.rule.min_days,
            "max_days": self.rule.max_days,
            "done": self.done,
            "state": self.state.value,
            "last": None if self.last is None else self.last.isoformat(),
            "next_due": None if self.due_from is None else self.due_from.isoformat(),
            "due_by": None if self.due_by is None else self.due_by.isoformat(),
        }


def series_status(started: list[date], rule: SeriesRule, today: date) -> SeriesStatus:
    """Where a patient stands, from the dates of their treatments so far."""
    done = len(started)
    if done == 0:
        return SeriesStatus(rule, 0, SeriesState.NOT_STARTED, None, None, None)
    last = max(started)
    if done >= rule.treatments:
        return SeriesStatus(rule, done, SeriesState.COMPLETE, last, None, None)
    due_from = last + timedelta(days=rule.min_days)
    due_by = last + timedelta(days=rule.max_days)
    state = (
        SeriesState.TOO_SOON
        if today < due_from
        else SeriesState.OVERDUE
        if today > due_by
        else SeriesState.DUE
    )
    return SeriesStatus(rule, done, state, last, due_from, due_by)


def local_date(started_utc: str) -> date:
    return datetime.fromisoformat(started_utc).astimezone().date()


def rule_for_plan(plan_name: str | None) -> SeriesRule:
    """The series of the plan a session was recorded under (the default without one)."""
    from console.core.zones import find_plan

    if not plan_name:
        return DEFAULT_SERIES
    try:
        return find_plan(plan_name).series
    except ValueError:  # a plan since removed or renamed
        return DEFAULT_SERIES


def treatments(store: Store, patient_code: str) -> list[dict[str, Any]]:
    """The patient's sessions that count in the series (not one still recording)."""
    rows = store.sessions(SessionFilter(patient_code=patient_code))
    return [r for r in rows if r["status"] != "recording"]


def patient_status(store: Store, patient_code: str, today: date) -> SeriesStatus:
    rows = treatments(store, patient_code)
    rule = rule_for_plan(rows[-1]["plan_name"] if rows else None)
    return series_status([local_date(r["started_utc"]) for r in rows], rule, today)


def patient_series(store: Store, patient_code: str) -> list[dict[str, Any]]:
    """The patient's sessions in order, with days since the previous one, flagged when
    it came sooner than its plan's series allows."""
    out = []
    previous: datetime | None = None
    for r in store.sessions(SessionFilter(patient_code=patient_code)):
        started = datetime.fromisoformat(r["started_utc"])
        days = None if previous is None else (started - previous).total_seconds() / 86400
        min_days = rule_for_plan(r["plan_name"]).min_days
        out.append(
            {
                "uuid": r["uuid"],
                "started_utc": r["started_utc"],
                "status": r["status"],
                "plan_name": r["plan_name"],
                "days_since_previous": None if days is None else round(days, 1),
                "too_soon": days is not None and days < min_days,
            }
        )
        previous = started
    return out


@dataclass(frozen=True, slots=True)
class TooSoon:
    """A new session would start before the series allows: warn, and ask for a reason."""

    patient_code: str
    days_since_previous: float
    rule: SeriesRule

    def words(self) -> str:
        return (
            f"Patient {self.patient_code} was treated {self.days_since_previous:.0f} days ago; "
            f"the plan's series is {self.rule.words()}. Give a reason to start this session now."
        )


def too_soon(
    store: Store, patient_code: str, now: datetime, plan_name: str | None = None
) -> TooSoon | None:
    """The too-soon finding for a session about to start under `plan_name` at `now`."""
    rows = treatments(store, patient_code)
    if not rows:
        return None
    rule = rule_for_plan(plan_name or rows[-1]["plan_name"])
    last = datetime.fromisoformat(rows[-1]["started_utc"])
    days = (now - last).total_seconds() / 86400
    return TooSoon(patient_code, days, rule) if days < rule.min_days else None


def too_soon_warning(
    store: Store, patient_code: str, now: datetime, plan_name: str | None = None
) -> str | None:
    """The warning sentence for the start screen (None when the timing is fine)."""
    found = too_soon(store, patient_code, now, plan_name)
    return None if found is None else found.words()


def record_too_soon(access: Access, session: str, finding: TooSoon, reason: str) -> None:
    """Keep why a session started sooner than the series allows (with the session, and
    in the audit trail)."""
    obj = f"session:{session}"
    actor = access.require(Action.RECORD_SESSION, obj)
    text = reason.strip() or "no reason given"
    row = SeriesExceptionRow(
        session,
        round(finding.days_since_previous, 1),
        finding.rule.min_days,
        text,
        actor.name,
        store_utc_now(),
    )
    with access.store.transaction():
        access.store.patients.add_exception(row)
        access.store.audit.append(
            actor.name,
            "series.too_soon",
            obj,
            None,
            {
                "days_since_previous": row.days_since_previous,
                "min_days": row.min_days,
                "reason": text,
            },
        )
