"""A session's events as one timeline: in time order, in local time, in words.

Events are stored in the order the recorder's writer received them, which is not the
order they happened: the pen stamps its own events, the console stamps its alarms with
the newest sample it has drawn, and records written before the recorder stamped console
events (commands, pen INFO, link back) carry no pen time at all. `in_time_order` sorts
by the session clock; an event with no time is placed after every event written
before it. `timeline` adds the local wall-clock time and the words (event_words.py).

Qt-free: the review window's event list and the report both read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from datetime import tzinfo as TzInfo

from console.core.event_words import EventWords, event_words, parse_utc, resolve_tz
from console.store.rows import ALARM_KINDS, EventRecord

__all__ = ["TimelineRow", "in_time_order", "timeline"]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    event: EventRecord
    t_s: float  # seconds from the session's first sample (placed, for an event with no time)
    timed: bool  # False: the event carries no pen time; t_s is where it was written
    clock: str  # local wall-clock time, "14:03:07"
    words: EventWords

    @property
    def raw(self) -> str:
        """The stored row as JSON, for the disclosure (made when asked: it is the
        costly part of a long list)."""
        return json.dumps(dict(self.event), indent=2, sort_keys=True, default=str)

    @property
    def source(self) -> str:
        return self.event["source"]

    @property
    def alarm(self) -> bool:
        """An alarm, a fault or a clamped depth: rows the reviewer must not miss."""
        return self.event["kind"] in ALARM_KINDS


def placed_in_order(events: Iterable[EventRecord], t0_us: int) -> list[tuple[int, EventRecord]]:
    """Each event with the session time it is shown at, sorted by it (ties keep stored
    order): its own time, or, when it has none, the latest time among the events written
    before it (t0 for the first), since it was written after all of them happened."""
    placed = []
    latest = t0_us
    for e in sorted(events, key=lambda e: e["id"]):
        t = e["t_us"]
        if t is not None:
            latest = max(latest, t)
        placed.append((latest if t is None else t, e))
    return sorted(placed, key=lambda p: (p[0], p[1]["id"]))


def in_time_order(events: Iterable[EventRecord], t0_us: int) -> list[EventRecord]:
    return [e for _t, e in placed_in_order(events, t0_us)]


def timeline(
    events: Iterable[EventRecord],
    *,
    t0_us: int,
    started_utc: str,
    tz: str | TzInfo | None,
    zone_labels: Mapping[str, str] | None = None,
) -> list[TimelineRow]:
    """One row per event in time order. Wall-clock time is the session's start plus the
    event's session time; an event with no pen time shows when it was written."""
    start = parse_utc(started_utc)
    zone = resolve_tz(tz)  # once, not per row
    rows = []
    for t_us, e in placed_in_order(events, t0_us):
        timed = e["t_us"] is not None
        when = start + timedelta(microseconds=t_us - t0_us) if timed else parse_utc(e["at_utc"])
        rows.append(
            TimelineRow(
                event=e,
                t_s=(t_us - t0_us) / 1e6,
                timed=timed,
                clock=when.astimezone(zone).strftime("%H:%M:%S"),
                words=event_words(e, zone_labels),
            )
        )
    return rows
