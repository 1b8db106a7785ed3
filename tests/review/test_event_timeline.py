"""The review's events come in time order, in local time, whatever order they were written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from console.core.event_timeline import in_time_order
from console.core.recorder import Recorder
from console.core.review import SessionReview
from console.store import EventKind, Store
from console.store.rows import EventRecord
from drivers.messages import TELEMETRY_COLUMNS, TelemetryBatch


def _event(event_id: int, t_us: int | None, kind: EventKind = EventKind.ALARM) -> EventRecord:
    return EventRecord(
        id=event_id,
        at_utc="2026-12-02T13:00:09.000+00:00",
        t_us=t_us,
        source="console",
        kind=kind,
        code=None,
        arg=None,
        data={},
    )


def test_sorted_by_session_time_and_untimed_events_keep_their_place() -> None:
    stored = [_event(1, 6_100_000), _event(2, 6_100_000), _event(3, 6_080_000), _event(4, None)]
    assert [e["id"] for e in in_time_order(stored, t0_us=0)] == [3, 1, 2, 4]
    # an untimed event stays after the event written before it, not at the start
    stored = [_event(1, 5_000_000), _event(2, None), _event(3, 2_000_000)]
    assert [e["id"] for e in in_time_order(stored, t0_us=0)] == [3, 1, 2]
    assert [e["id"] for e in in_time_order([_event(1, None), _event(2, 10)], 10)] == [1, 2]


def test_review_lists_events_as_they_happened_in_local_time(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    try:
        s = store.create_session("P-1", "nurse.kim")
        store.update_session(s, started_utc="2026-12-02T13:00:00.000+00:00", tz="Europe/Berlin")
        # written in the order the recorder's writer got them: 6.10, 6.10, 6.08 s
        store.add_event(s, EventKind.ALARM, t_us=6_100_000, data={"condition": "battery_low"})
        store.add_event(s, EventKind.ZONE_CHANGE, t_us=6_100_000, data={"zone": "forehead"})
        store.add_event(s, EventKind.DEPTH_CLAMPED, t_us=6_080_000, source="pen", arg=550)
        store.add_event(s, EventKind.COMMAND, data={"command": "get_info", "result": "INFO"})
        review = SessionReview(store, s)
        rows = review.timeline()
        assert [r.event["kind"] for r in rows] == [
            EventKind.DEPTH_CLAMPED,
            EventKind.ALARM,
            EventKind.ZONE_CHANGE,
            EventKind.COMMAND,
        ]
        assert [round(r.t_s, 2) for r in rows] == [6.08, 6.1, 6.1, 6.1]
        assert rows[0].clock == "14:00:06"  # the session's start + 6.08 s, in Berlin
        assert rows[0].words.text.startswith("depth clamped to 0.55 mm")
        assert not rows[3].timed and '"command": "get_info"' in rows[3].raw
        assert [e["id"] for e in review.events] == [r.event["id"] for r in rows]
    finally:
        store.close()


def test_recorder_puts_console_events_on_the_session_clock(tmp_path: Path) -> None:
    """A command, the pen's INFO or the link coming back are stamped with the newest
    sample before them, so they sort among the pen's events instead of having no time."""
    store = Store(tmp_path / "r.db")
    recorder = Recorder(store)
    try:
        session = recorder.start_session("P-1", "nurse.kim")
        n = 5
        cols = {name: np.zeros(n, dt) for name, dt in TELEMETRY_COLUMNS.items()}
        cols["seq"] = np.arange(n, dtype=np.uint16)
        cols["t_us"] = np.arange(n, dtype=np.int64) * 2000 + 1_000_000
        recorder.on_telemetry(TelemetryBatch.from_columns(cols))
        recorder.on_command("set_depth", 500, RuntimeError("no answer"))
        recorder.end_session()
        (command,) = [e for e in store.events(session) if e["kind"] is EventKind.COMMAND]
        assert command["t_us"] == 1_008_000
    finally:
        recorder.close()
        store.close()
