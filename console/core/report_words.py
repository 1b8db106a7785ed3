"""The report's events in words, with units and local time. Qt-free.

One line per event: its local wall-clock time (the zone is named once, in the header)
and what happened, with units ("depth clamped to 0.55 mm", "alarm raised: ...").
"""

from __future__ import annotations

from datetime import datetime

from console.core.review import STEP_KINDS, Gap, step_words
from console.store import EventKind
from console.store.rows import EventRecord
from drivers.messages import Fault

_TIMELINE = STEP_KINDS | {
    EventKind.CEILING_OVERRIDE,
    EventKind.CARTRIDGE_INSERTED,
    EventKind.CARTRIDGE_REMOVED,
    EventKind.PLAN_DEPTH,
}


def timeline_kinds() -> frozenset[EventKind]:
    """The events the procedure timeline shows (alarms and gaps have their own list)."""
    return frozenset(_TIMELINE)


def local(iso_utc: str) -> datetime:
    """A stored UTC time as the clinic's local time (with its zone)."""
    return datetime.fromisoformat(iso_utc).astimezone()


def event_line(e: EventRecord, t0_us: int) -> tuple[str, str]:
    """(local time, words) for one stored event."""
    at = f"{local(e['at_utc']):%H:%M:%S}" if e["at_utc"] else _rel(e["t_us"], t0_us)
    return at, event_words(e)


def gap_line(g: Gap) -> tuple[str, str]:
    what = "frames lost" if g.kind == EventKind.SEQ_GAP else "link gap"
    size = f"{g.frames_lost} frames" if g.frames_lost else f"{g.length_s:.2f} s"
    return f"t = {g.t_s:.1f} s", f"{what}: {size} without data"


def _rel(t_us: int | None, t0_us: int) -> str:
    return "" if t_us is None else f"t = {(t_us - t0_us) / 1e6:.1f} s"


def _mm(um: object) -> str:
    return f"{int(str(um)) / 1000:.2f} mm" if um is not None else "?"


def event_words(e: EventRecord) -> str:
    d, arg = e["data"], e["arg"]
    match e["kind"]:
        case EventKind.STEP_DONE if d.get("early"):
            left = int(d["early"].get("left_s", 0))
            return f"{step_words(e)} · removed early, {left // 60} min {left % 60:02d} s left"
        case EventKind.STEP_DONE | EventKind.STEP_UNDONE | EventKind.STEP_TIMER_DONE:
            return step_words(e)
        case EventKind.START_OVERRIDE:
            return f"override: {step_words(e)}"
        case EventKind.CEILING_OVERRIDE:
            return (
                f"ceiling of {d.get('zone')} overridden to {_mm(d.get('ceiling_um'))} "
                f"(default {_mm(d.get('default_um'))})"
            )
        case EventKind.PLAN_DEPTH:
            held = f", held: {d['held']}" if d.get("held") else ""
            pen = f"; the pen set {_mm(d['acked_um'])}" if d.get("acked_um") is not None else ""
            return f"{d.get('zone')}: plan depth {_mm(d.get('requested_um'))}{held}{pen}"
        case EventKind.CARTRIDGE_INSERTED:
            return "cartridge inserted"
        case EventKind.CARTRIDGE_REMOVED:
            return "cartridge removed"
        case EventKind.DEPTH_CLAMPED:
            return f"depth clamped: {_mm(arg)} was asked for and refused"
        case EventKind.FAULT_RAISED:
            return f"pen fault: {_fault(arg)}"
        case EventKind.ALARM:
            state = d.get("state", "raised")
            detail = f" — {d['detail']}" if d.get("detail") else ""
            what = str(d.get("condition", "")).replace("_", " ")
            return f"{d.get('priority', '')} alarm {state}: {what}{detail}".strip()
        case _:
            return str(e["kind"]).replace("_", " ")


def _fault(code: int | None) -> str:
    try:
        return Fault(int(code or 0)).name.lower().replace("_", " ")
    except ValueError:
        return f"code {code}"
