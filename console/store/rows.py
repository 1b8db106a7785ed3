"""The store's typed rows and names: event kinds, chunk and event rows, session filters,
errors and timestamps. No SQL and no I/O here; imported by every store module and by
the core (the recorder, the review and the exporters share `EventKind`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypedDict

SESSION_STATUSES = ("recording", "complete", "interrupted", "signed")


class EventKind(enum.StrEnum):
    """What an `events` row records. Stored as its value; pen events are the pen's
    EventCode names in lower case."""

    # from the pen (drivers.messages.EventCode)
    BUTTON_SHORT = "button_short"
    BUTTON_LONG = "button_long"
    CARTRIDGE_INSERTED = "cartridge_inserted"
    CARTRIDGE_REMOVED = "cartridge_removed"
    FAULT_RAISED = "fault_raised"
    FAULT_CLEARED = "fault_cleared"
    DEPTH_CLAMPED = "depth_clamped"
    HOST_LINK_LOST = "host_link_lost"
    BATTERY_LOW = "battery_low"
    UNKNOWN = "unknown"  # a pen event code this console does not know
    # from the link and the recorder
    SEQ_GAP = "seq_gap"
    LINK_GAP = "link_gap"
    LINK_LOST = "link_lost"
    PEN_INFO = "pen_info"
    COMMAND = "command"
    SAMPLES_DROPPED = "samples_dropped"
    SESSION_INTERRUPTED = "session_interrupted"
    NEW_PEN = "new_pen"  # another pen's INFO mid-session (console.core.continuity)
    PEN_RESTARTED = "pen_restarted"  # the same pen's counters started again
    # from the treatment
    SPILL_RECOVERED = "spill_recovered"  # a full disk's backlog merged back
    SAMPLES_SPILLED = "samples_spilled"  # chunks past the memory bound sent to a spill file
    ALARM = "alarm"
    ZONE_CHANGE = "zone_change"
    CEILING_OVERRIDE = "ceiling_override"
    CEILING_UNCONFIRMED = "ceiling_unconfirmed"  # the pen did not confirm SET_DEPTH_LIMIT
    WATCHDOG_STOP = "watchdog_stop"  # the screen froze while needling: motor stopped (H-02)
    PASS_MARKED = "pass_marked"
    PASS_UNDONE = "pass_undone"
    # from the procedure (issue 11): checklist steps, their timers, gating and plan depths
    STEP_DONE = "step_done"
    STEP_UNDONE = "step_undone"
    STEP_TIMER_DONE = "step_timer_done"
    START_OVERRIDE = "start_override"
    PLAN_DEPTH = "plan_depth"

    @classmethod
    def from_pen(cls, code: int, name: str | None) -> EventKind:
        """The kind of a pen event, from its EventCode name (None when unknown)."""
        try:
            return cls(name.lower()) if name else cls.UNKNOWN
        except ValueError:
            return cls.UNKNOWN

    @classmethod
    def read(cls, text: str) -> EventKind | str:
        """A stored kind: the member, or the text itself when a newer console wrote it."""
        try:
            return cls(text)
        except ValueError:
            return text


GAP_KINDS = frozenset({EventKind.SEQ_GAP, EventKind.LINK_GAP, EventKind.LINK_LOST})
ALARM_KINDS = frozenset({EventKind.ALARM, EventKind.DEPTH_CLAMPED, EventKind.FAULT_RAISED})


class ChunkRow(NamedTuple):
    """One telemetry_chunks row, in insert order (a NamedTuple so executemany takes it)."""

    session_uuid: str
    chunk_no: int
    first_seq: int
    last_seq: int
    t_first_us: int
    t_last_us: int
    samples: int
    depth_meas_min_um: int | None
    depth_meas_max_um: int | None
    depth_meas_mean_um: float | None
    strokes_delta: int
    contact_ms: int
    data: bytes


class EventRow(NamedTuple):
    """One events row before it is written (the session and time are added then)."""

    t_us: int | None
    source: str  # "pen" or "console"
    kind: EventKind | str  # str only for a kind not (yet) in EventKind: kept, never lost
    code: int | None
    arg: int | None
    data: dict[str, Any]


class SessionRecord(TypedDict):
    """One session as `Store.session()`/`sessions()` return it: the sessions row, the
    patient's code and the practitioner's name, and its sample and event counts."""

    uuid: str
    patient_id: int | None
    practitioner_id: int | None
    pen_serial: str | None
    pen_model: str | None
    pen_firmware: str | None
    cartridge_needles: int | None
    cartridge_gauge: int | None
    started_utc: str
    ended_utc: str | None
    tz: str
    status: str
    plan_name: str | None
    notes: str
    zone_ids: str
    simulated: int  # 1: recorded from the virtual pen, not a treatment (H-35)
    patient_code: str | None
    practitioner: str | None
    samples: int
    events: int
    # `status`, except that a `recording` whose recorder is dead (its liveness lock free,
    # console/store/liveness.py) reads `interrupted`: what readers show
    status_now: str


class EventRecord(TypedDict):
    """One stored event as `Store.events()` returns it (`data` decoded from JSON)."""

    id: int
    at_utc: str
    t_us: int | None
    source: str
    kind: EventKind | str  # str only for a kind written by a newer console
    code: int | None
    arg: int | None
    data: dict[str, Any]


class StoredPass(TypedDict):
    """One zone_passes row as `Store.passes()` returns it."""

    id: int
    session_uuid: str
    zone: str
    pass_no: int
    started_t_us: int
    ended_t_us: int
    strokes: int
    contact_ms: int
    depth_mean_um: float | None
    depth_max_um: int | None
    undone: int


class StoreError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class SessionFilter:
    since_utc: str | None = None
    until_utc: str | None = None
    practitioner: str | None = None
    patient_code: str | None = None
    status: str | None = None
    text: str | None = None  # searched in notes
    has_alarms: bool = False
    has_link_gaps: bool = False


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def local_tz_name() -> str:
    return str(datetime.now().astimezone().tzname() or "UTC")
