"""The treatment series as plain data: the plan's rule and where a patient stands.

`SeriesRule` comes from the plan file's "series" (the default is the seed article's:
3 treatments, 6–8 weeks apart); `series_status` places a patient from their treatment
dates and an injected `today`. No I/O and no store: the zone plans (console/core/zones.py)
and the widgets that show a plan import this; console/core/series.py adds the store.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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


_STATE_WORDS = {SeriesState.TOO_SOON: "not yet due"}


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
                    f"{self.due_from} to {self.due_by} ({_STATE_WORDS.get(self.state, self.state)})"
                )

    def position(self) -> str:
        """Where a session stands, for a report: "treatment 2 of 3; next due 2027-01-20
        to 2027-02-03" (no state: it is read long after the day)."""
        head = f"treatment {self.done} of {self.rule.treatments}"
        if self.due_from is None:
            return head + ("; the series is complete" if self.done >= self.rule.treatments else "")
        return f"{head}; next due {self.due_from} to {self.due_by}"

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
