"""Every event kind the recorder writes, in words with units and names (event_words.py)."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.core.event_words import (
    EventWords,
    duration_words,
    event_words,
    local_time,
    zone_label,
)
from console.store.rows import EventKind, EventRecord


def row(
    kind: EventKind | str,
    data: dict[str, Any] | None = None,
    *,
    arg: int | None = None,
    code: int | None = None,
    source: str = "console",
) -> EventRecord:
    return EventRecord(
        id=1,
        at_utc="2026-12-02T13:03:07.000+00:00",
        t_us=1_000_000,
        source=source,
        kind=kind,
        code=code,
        arg=arg,
        data=data or {},
    )


PASS = {
    "zone": "forehead",
    "pass_no": 2,
    "started_t_us": 0,
    "ended_t_us": 9_000_000,
    "strokes": 1234,
    "contact_ms": 12_300,
    "depth_mean_um": 520.0,
    "depth_max_um": 550,
}
STEP = {"step": "numbing", "kind": "timer", "label": "Numbing cream"}

# Each kind with a row as its writer stores it (console/core/recorder.py, treatment.py,
# zone_session.py, ceilings.py, procedure.py, plan_run.py, continuity.py, store/backlog.py,
# store/sessions.py, store/spill.py), and the words the review must show.
SKIN_WORDS = "depth lowered for skin type V: 80 % of the plan, at most 1.00 mm"

CASES: dict[EventKind, tuple[EventRecord, str]] = {
    EventKind.BUTTON_SHORT: (
        row(EventKind.BUTTON_SHORT, arg=3, code=0x01, source="pen"),
        "pen button (short press): mark",
    ),
    EventKind.BUTTON_LONG: (
        row(EventKind.BUTTON_LONG, arg=1, code=0x02, source="pen"),
        "pen button (long press): depth up",
    ),
    EventKind.CARTRIDGE_INSERTED: (
        row(EventKind.CARTRIDGE_INSERTED, arg=(12 << 8) | 32, code=0x10, source="pen"),
        "cartridge inserted: 12 needles, 32 G",
    ),
    EventKind.CARTRIDGE_REMOVED: (
        row(EventKind.CARTRIDGE_REMOVED, arg=0, code=0x11, source="pen"),
        "cartridge removed",
    ),
    EventKind.FAULT_RAISED: (
        row(EventKind.FAULT_RAISED, arg=2, code=0x20, source="pen"),
        "pen fault raised: over temperature",
    ),
    EventKind.FAULT_CLEARED: (
        row(EventKind.FAULT_CLEARED, arg=1, code=0x21, source="pen"),
        "pen fault cleared: motor stall",
    ),
    EventKind.DEPTH_CLAMPED: (
        row(EventKind.DEPTH_CLAMPED, arg=550, code=0x30, source="pen"),
        "depth clamped to 0.55 mm: the pen refused a deeper setting",
    ),
    EventKind.HOST_LINK_LOST: (
        row(EventKind.HOST_LINK_LOST, arg=0, code=0x31, source="pen"),
        "the pen lost the console: it stopped the motor after 1.5 s without a frame",
    ),
    EventKind.BATTERY_LOW: (
        row(EventKind.BATTERY_LOW, arg=15, code=0x40, source="pen"),
        "pen battery low: 15 %",
    ),
    EventKind.UNKNOWN: (
        row(EventKind.UNKNOWN, arg=7, code=0x55, source="pen"),
        "unknown pen event: code 0x55, argument 7",
    ),
    EventKind.SEQ_GAP: (
        row(
            EventKind.SEQ_GAP,
            {"frames_lost": 1200, "seq_before": 100, "seq_after": 1301},
            arg=1200,
        ),
        "frames lost on the link: 1,200 frames (seq 100 to 1301)",
    ),
    EventKind.LINK_GAP: (
        row(EventKind.LINK_GAP, {"gap_s": 2.4, "message": "pen answered again"}),
        "link back: after 2.4 s — pen answered again",
    ),
    EventKind.LINK_LOST: (
        row(EventKind.LINK_LOST, {"message": "no frame for 1 s"}),
        "link lost: no frame for 1 s",
    ),
    EventKind.PEN_INFO: (
        row(
            EventKind.PEN_INFO,
            {
                "serial": "MP-0042",
                "model": "MicroPen",
                "firmware": "1.2.3",
                "needles": 12,
                "gauge": 32,
                "telemetry_hz": 500,
            },
        ),
        "pen connected: MicroPen MP-0042, firmware 1.2.3, cartridge 12 needles, 32 G, "
        "telemetry 500 Hz",
    ),
    EventKind.COMMAND: (
        row(
            EventKind.COMMAND,
            {"command": "set_depth", "requested": 800, "result": "OK", "applied": 750},
        ),
        "command: set depth 0.80 mm: OK, pen applied 0.75 mm",
    ),
    EventKind.SAMPLES_DROPPED: (
        row(EventKind.SAMPLES_DROPPED, {"samples": 5000, "reason": "disk full"}, arg=5000),
        "samples not recorded: 5,000 samples — disk full",
    ),
    EventKind.SESSION_INTERRUPTED: (
        row(
            EventKind.SESSION_INTERRUPTED,
            {"last_t_us": 9_000_000, "found_utc": "2026-12-02T13:10:00.000+00:00"},
        ),
        "session interrupted: found ",
    ),
    EventKind.NEW_PEN: (
        row(EventKind.NEW_PEN, {"serial": "B", "previous_serial": "A", "gap_s": 3.0}),
        "another pen connected: A → B, after 3.0 s",
    ),
    EventKind.PEN_RESTARTED: (
        row(EventKind.PEN_RESTARTED, {"serial": "A", "previous_serial": "A", "gap_s": 0.25}),
        "pen restarted: A after 250 ms",
    ),
    EventKind.SAMPLES_SPILLED: (
        row(
            EventKind.SAMPLES_SPILLED,
            {"samples": 20_000, "first_seq": 1, "last_seq": 20_000, "file": "/spill/a.spill"},
            arg=20_000,
        ),
        "samples kept in a spill file: 20,000 samples, in /spill/a.spill",
    ),
    EventKind.CEILING_UNCONFIRMED: (
        row(EventKind.CEILING_UNCONFIRMED, {"requested_um": 800, "why": "it did not answer"}),
        "the pen did not confirm the 0.80 mm ceiling: it did not answer",
    ),
    EventKind.WATCHDOG_STOP: (
        row(EventKind.WATCHDOG_STOP, {"frozen_s": 1.2, "reason": "the screen stopped drawing"}),
        "motor stopped because the screen froze: frozen 1.2 s — the screen stopped drawing",
    ),
    EventKind.SPILL_RECOVERED: (
        row(EventKind.SPILL_RECOVERED, {"file": "/tmp/x.spill", "chunks": 4}),
        "recovered from the spill file: 4 chunks from /tmp/x.spill",
    ),
    EventKind.ALARM: (
        row(
            EventKind.ALARM,
            {
                "condition": "depth_above_ceiling",
                "priority": "high",
                "detail": "1.20 mm in forehead",
                "state": "raised",
            },
        ),
        "high alarm raised: depth above ceiling — 1.20 mm in forehead",
    ),
    EventKind.ZONE_CHANGE: (
        row(EventKind.ZONE_CHANGE, {"zone": "forehead", "how": "pen", "ceiling_um": 1500}),
        "zone Forehead (pen): ceiling 1.50 mm",
    ),
    EventKind.CEILING_OVERRIDE: (
        row(
            EventKind.CEILING_OVERRIDE,
            {"zone": "forehead", "ceiling_um": 2000, "default_um": 1500},
        ),
        "ceiling overridden in Forehead: 2.00 mm (default 1.50 mm)",
    ),
    EventKind.PASS_MARKED: (
        row(EventKind.PASS_MARKED, PASS),
        "Forehead pass 2 done: 1,234 strokes, 12.3 s in contact, mean 0.52 mm, max 0.55 mm",
    ),
    EventKind.PASS_UNDONE: (
        row(EventKind.PASS_UNDONE, PASS),
        "Forehead pass 2 taken back: 1,234 strokes",
    ),
    EventKind.STEP_DONE: (
        row(EventKind.STEP_DONE, {**STEP, "user": "nurse.kim", "timer_s": 1200}),
        "Numbing cream done by nurse.kim · timer 20 min",
    ),
    EventKind.STEP_UNDONE: (
        row(EventKind.STEP_UNDONE, {**STEP, "user": "nurse.kim", "was_done_utc": "x"}),
        "Numbing cream undone by nurse.kim",
    ),
    EventKind.STEP_TIMER_DONE: (
        row(EventKind.STEP_TIMER_DONE, {**STEP, "timer_s": 90}),
        "Numbing cream: timer of 1 min 30 s complete",
    ),
    EventKind.START_OVERRIDE: (
        row(EventKind.START_OVERRIDE, {"user": "dr.lee", "missing": ["consent"]}),
        "started without consent by dr.lee",
    ),
    EventKind.SKIN_TYPE_DEPTH: (
        row(EventKind.SKIN_TYPE_DEPTH, {"skin_type": "V", "percent": 80, "words": SKIN_WORDS}),
        SKIN_WORDS,
    ),
    EventKind.PLAN_DEPTH: (
        row(
            EventKind.PLAN_DEPTH,
            {
                "zone": "forehead",
                "plan_um": 1000,
                "requested_um": 800,
                "ceiling_um": 1500,
                "acked_um": 800,
                "held": "skin type V",
            },
        ),
        "plan depth for Forehead: plan 1.00 mm, asked 0.80 mm, ceiling 1.50 mm, "
        "held: skin type V, pen set 0.80 mm",
    ),
}

LABELS = {"forehead": "Forehead"}


def test_every_event_kind_has_a_case() -> None:
    assert set(CASES) == set(EventKind)


@pytest.mark.parametrize("kind", list(CASES), ids=str)
def test_event_in_words(kind: EventKind) -> None:
    event, expected = CASES[kind]
    words = event_words(event, LABELS)
    assert words.text.startswith(expected), words.text
    assert "_" not in words.title  # names, not identifiers


def test_no_raw_micrometres_or_codes_leak() -> None:
    for event, _ in CASES.values():
        text = event_words(event, LABELS).text
        assert " um" not in text and "µm" not in text and "dHz" not in text, text
        assert "arg " not in text, text


def test_unknown_fault_and_button_are_numbered_not_crashed() -> None:
    assert event_words(row(EventKind.FAULT_RAISED, arg=99)).text == "pen fault raised: fault 99"
    assert event_words(row(EventKind.BUTTON_SHORT, arg=9)).detail == "button 9"


def test_commands_have_units() -> None:
    def cmd(**d: Any) -> str:
        return event_words(row(EventKind.COMMAND, d)).text

    assert cmd(command="set_rate", requested=800, result="OK", applied=800) == (
        "command: set rate 80 Hz: OK, pen applied 80 Hz"
    )
    assert cmd(command="set_depth_limit", requested=0, result="OK", applied=0) == (
        "command: set depth limit none: OK, pen applied none"
    )
    assert cmd(command="motor", requested=1, result="NOT_ALLOWED", applied=0).startswith(
        "command: motor start: not allowed"
    )
    assert cmd(command="get_info", requested=None, result="INFO", telemetry_hz=500) == (
        "command: get info: pen answered, telemetry 500 Hz"
    )
    assert cmd(command="set_depth", requested=500, error="no answer in 250 ms").endswith(
        "no answer — no answer in 250 ms"
    )


def test_a_kind_from_a_newer_console_keeps_its_values() -> None:
    words = event_words(row("needle_count", {"needles_used": 3}))
    assert words == EventWords("needle count", "needles used 3")


def test_session_interrupted_names_the_local_time() -> None:
    event, _ = CASES[EventKind.SESSION_INTERRUPTED]
    assert "Dec 2026" in event_words(event).detail


@pytest.mark.parametrize(
    ("us", "text"),
    [(850, "850 µs"), (12_400, "12 ms"), (2_500_000, "2.5 s"), (185_000_000, "3 min 5 s")],
)
def test_durations_in_readable_units(us: int, text: str) -> None:
    assert duration_words(us) == text


def test_local_time_in_the_sessions_zone() -> None:
    utc = "2026-12-02T13:03:07.456+00:00"
    assert local_time(utc, "Europe/Berlin") == "14:03:07"
    assert local_time(utc, ZoneInfo("America/New_York")) == "08:03:07"
    assert local_time(utc, "UTC") == "13:03:07"
    assert local_time(utc, timezone(timedelta(hours=5, minutes=30))) == "18:33:07"
    assert local_time(utc, "Europe/Berlin", with_date=True) == "2 Dec 2026 14:03:07"
    assert local_time("2026-12-02T13:03:07", UTC) == "13:03:07"  # naive means UTC


def test_zone_is_named_once() -> None:
    assert zone_label("UTC") == "UTC"
    assert zone_label(UTC) == "UTC"
    assert zone_label("Europe/Berlin") == "Europe/Berlin"
    assert "(" not in zone_label(None)
