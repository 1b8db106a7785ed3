"""The treatment series: how many treatments, how far apart, and where a patient stands.

The plan defines the series (`SeriesRule`, from the plan file's "series"); the default is
the seed article's: 3 treatments, 6–8 weeks apart. This is the one rule: the start
screen's too-soon warning, the patient view and the reports all ask it. Dates are always
passed in (`today`, `now`), so tests inject them. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from console.core.access import Access
from console.core.roles import Action
from console.core.series_rule import (
    DEFAULT_SERIES,
    SeriesRule,
    SeriesStatus,
    series_status,
)
from console.core.zones import find_plan
from console.store import SessionFilter, Store
from console.store.patients import SeriesExceptionRow
from console.store.rows import SessionRecord
from console.store.rows import utc_now as store_utc_now


def local_date(started_utc: str) -> date:
    return datetime.fromisoformat(started_utc).astimezone().date()


def rule_for_plan(plan_name: str | None) -> SeriesRule:
    """The series of the plan a session was recorded under (the default without one)."""
    if not plan_name:
        return DEFAULT_SERIES
    try:
        return find_plan(plan_name).series
    except ValueError:  # a plan since removed or renamed
        return DEFAULT_SERIES


def treatments(store: Store, patient_code: str) -> list[SessionRecord]:
    """The patient's sessions in the series, in order (one still recording counts: it
    is a treatment under way, or one a crash left open)."""
    return list(store.sessions(SessionFilter(patient_code=patient_code)))


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
                "status": r["status_now"],  # as shown: a dead recording is interrupted
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
        access.store.check_unchanged(session)
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
        access.store.reseal_if_ended(session, "too-soon reason recorded", actor.name)
