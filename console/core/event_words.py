"""Stored events in words, with units and names, for the review window and the report.

`event_words(row)` turns one `events` row (pen events, link and recorder events, alarms,
zones, passes, procedure steps, plan depths) into an `EventWords`: a short title
("cartridge inserted") and a detail with units ("12 needles, 32 G"). Codes become names
(drivers.messages enums), µm become mm, µs become ms or s, dHz become Hz. `local_time`
and `zone_label` put a UTC timestamp in the session's zone, naming the zone once.

Qt-free; imports drivers.messages for the pen's enums and nothing from gui/ or widgets/.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.core.passes import pass_label
from console.store.rows import EventKind, EventRecord
from drivers.messages import Button, Fault

__all__ = [
    "EventWords",
    "duration_words",
    "event_words",
    "local_time",
    "mm",
    "parse_utc",
    "resolve_tz",
    "step_words",
    "zone_label",
]


@dataclass(frozen=True, slots=True)
class EventWords:
    title: str  # what happened, a few words: "cartridge inserted"
    detail: str = ""  # the values, each with its unit: "12 needles, 32 G"

    @property
    def text(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title


class CommandName(enum.StrEnum):
    """The link's command names as the recorder stores them (drivers/link_commands.py)."""

    SET_DEPTH = "set_depth"
    SET_RATE = "set_rate"
    MOTOR = "motor"
    SET_DEPTH_LIMIT = "set_depth_limit"
    SET_TELEMETRY_RATE = "set_telemetry_rate"
    GET_INFO = "get_info"
    CLEAR_FAULT = "clear_fault"
    HELLO = "hello"


# ------------------------------------------------------------------ units


def mm(um: float | None) -> str:
    """A depth in µm as millimetres: 550 -> "0.55 mm"."""
    return "—" if um is None else f"{um / 1000:.2f} mm"


def hz_from_dhz(dhz: float | None) -> str:
    return "—" if dhz is None else f"{dhz / 10:g} Hz"


def duration_words(us: float | None) -> str:
    """A duration in µs in the unit a person reads: "850 µs", "12 ms", "2.5 s", "3 min 5 s"."""
    if us is None:
        return "—"
    if abs(us) < 1000:
        return f"{us:.0f} µs"
    if abs(us) < 1_000_000:
        return f"{us / 1000:.0f} ms"
    s = us / 1e6
    if abs(s) < 60:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _seconds(s: float | None) -> str:
    return "—" if s is None else duration_words(float(s) * 1e6)


def _words(text: object) -> str:
    return str(text or "").replace("_", " ")


def _zone(zone: object, labels: Mapping[str, str] | None) -> str:
    z = str(zone or "")
    return (labels or {}).get(z, _words(z)) or "no zone"


def _name(enum_type: type[enum.IntEnum], value: int | None) -> str:
    """An enum's name in words, or the number with its type when the console does not know it."""
    if value is None:
        return "?"
    try:
        return _words(enum_type(value).name.lower())
    except ValueError:
        return f"{enum_type.__name__.lower()} {value}"


# ------------------------------------------------------------------ time


def resolve_tz(tz: str | tzinfo | None) -> tzinfo:
    """The session's zone: an IANA name ("Europe/Berlin"), "UTC", a tzinfo, or (None, or an
    abbreviation such as "CET" that names no zone) this machine's local zone."""
    if isinstance(tz, tzinfo):
        return tz
    if tz and tz.upper() in ("UTC", "Z", "GMT"):
        return UTC
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else UTC


def parse_utc(utc_iso: str) -> datetime:
    t = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def local_time(utc_iso: str, tz: str | tzinfo | None = None, *, with_date: bool = False) -> str:
    """A stored UTC time as local wall-clock time: "14:03:07" (or "2 Dec 2026 14:03:07")."""
    t = parse_utc(utc_iso).astimezone(resolve_tz(tz))
    clock = t.strftime("%H:%M:%S")
    return f"{t.day} {t.strftime('%b %Y')} {clock}" if with_date else clock


def zone_label(tz: str | tzinfo | None = None, at_utc: str | None = None) -> str:
    """The zone named once, for a header: "Europe/Berlin", "UTC", or the local
    abbreviation ("CET") when the zone has no name; never "UTC (UTC)"."""
    zone = resolve_tz(tz)
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    when = parse_utc(at_utc) if at_utc else datetime.now(UTC)
    return when.astimezone(zone).tzname() or "UTC"


# ------------------------------------------------------------------ events


def event_words(e: EventRecord, zone_labels: Mapping[str, str] | None = None) -> EventWords:
    """One stored event in words. `zone_labels` maps zone ids to the map's labels."""
    d: dict[str, Any] = e["data"] or {}
    arg = e["arg"]
    z = zone_labels
    match EventKind.read(str(e["kind"])):
        case EventKind.BUTTON_SHORT | EventKind.BUTTON_LONG as kind:
            press = "short" if kind is EventKind.BUTTON_SHORT else "long"
            return EventWords(f"pen button ({press} press)", _name(Button, arg))
        case EventKind.CARTRIDGE_INSERTED:
            needles, gauge = (arg or 0) >> 8, (arg or 0) & 0xFF
            return EventWords("cartridge inserted", f"{needles} needles, {gauge} G")
        case EventKind.CARTRIDGE_REMOVED:
            return EventWords("cartridge removed")
        case EventKind.FAULT_RAISED:
            return EventWords("pen fault raised", _name(Fault, arg))
        case EventKind.FAULT_CLEARED:
            return EventWords("pen fault cleared", _name(Fault, arg))
        case EventKind.DEPTH_CLAMPED:
            return EventWords(f"depth clamped to {mm(arg)}", "the pen refused a deeper setting")
        case EventKind.HOST_LINK_LOST:
            return EventWords(
                "the pen lost the console", "it stopped the motor after 1.5 s without a frame"
            )
        case EventKind.BATTERY_LOW:
            return EventWords("pen battery low", f"{arg} %")
        case EventKind.UNKNOWN:
            return EventWords("unknown pen event", f"code 0x{e['code'] or 0:02X}, argument {arg}")
        case EventKind.SEQ_GAP:
            lost = int(d.get("frames_lost", arg or 0))
            seqs = f" (seq {d['seq_before']} to {d['seq_after']})" if "seq_before" in d else ""
            return EventWords("frames lost on the link", f"{lost:,} frames{seqs}")
        case EventKind.LINK_GAP:
            return EventWords("link back", _joined(f"after {_seconds(d.get('gap_s'))}", d))
        case EventKind.LINK_LOST:
            return EventWords("link lost", str(d.get("message") or ""))
        case EventKind.PEN_INFO:
            return EventWords("pen connected", _pen(d))
        case EventKind.COMMAND:
            return _command(d)
        case EventKind.SAMPLES_DROPPED:
            n = int(d.get("samples", arg or 0))
            return EventWords("samples not recorded", _joined(f"{n:,} samples", d, "reason"))
        case EventKind.SESSION_INTERRUPTED:
            found = d.get("found_utc")
            when = f"found {local_time(found, with_date=True)}" if found else ""
            return EventWords("session interrupted", when)
        case EventKind.NEW_PEN:
            was, now = d.get("previous_serial") or "?", d.get("serial") or "?"
            return EventWords(
                "another pen connected", f"{was} → {now}, after {_seconds(d.get('gap_s'))}"
            )
        case EventKind.PEN_RESTARTED:
            return EventWords(
                "pen restarted", f"{d.get('serial') or ''} after {_seconds(d.get('gap_s'))}".strip()
            )
        case EventKind.SAMPLES_SPILLED:
            n = int(d.get("samples", arg or 0))
            return EventWords("samples kept in a spill file", f"{n:,} samples, in {d.get('file')}")
        case EventKind.SPILL_RECOVERED:
            return EventWords(
                "recovered from the spill file", f"{d.get('chunks', 0)} chunks from {d.get('file')}"
            )
        case EventKind.ALARM:
            return _alarm(d)
        case EventKind.ZONE_CHANGE:
            how = f" ({_words(d['how'])})" if d.get("how") else ""
            ceiling = f"ceiling {mm(d['ceiling_um'])}" if d.get("ceiling_um") else ""
            return EventWords(f"zone {_zone(d.get('zone'), z)}{how}", ceiling)
        case EventKind.CEILING_OVERRIDE:
            return EventWords(
                f"ceiling overridden in {_zone(d.get('zone'), z)}",
                f"{mm(d.get('ceiling_um'))} (default {mm(d.get('default_um'))})",
            )
        case EventKind.CEILING_UNCONFIRMED:
            return EventWords(
                f"the pen did not confirm the {mm(d.get('requested_um'))} ceiling",
                str(d.get("why") or ""),
            )
        case EventKind.WATCHDOG_STOP:
            return EventWords(
                "motor stopped because the screen froze",
                _joined(f"frozen {_seconds(d.get('frozen_s'))}", d, "reason"),
            )
        case EventKind.PASS_MARKED | EventKind.PASS_UNDONE as kind:
            verb = "taken back" if kind is EventKind.PASS_UNDONE else "done"
            label = pass_label(int(d.get("pass_no", 0))) or "?"
            return EventWords(f"{_zone(d.get('zone'), z)} pass {label} {verb}", _pass(d))
        case (
            EventKind.STEP_DONE
            | EventKind.STEP_UNDONE
            | EventKind.STEP_TIMER_DONE
            | EventKind.START_OVERRIDE
            | EventKind.SKIN_TYPE_DEPTH
        ):
            return EventWords(step_words(e))
        case EventKind.PLAN_DEPTH:
            return _plan_depth(d, z)
        case other:  # a kind a newer console wrote: its name and values, never lost
            values = ", ".join(f"{_words(k)} {v}" for k, v in d.items())
            return EventWords(_words(other), values or ("" if arg is None else f"argument {arg}"))


def _joined(first: str, d: Mapping[str, Any], key: str = "message") -> str:
    return f"{first} — {d[key]}" if d.get(key) else first


def _pen(d: Mapping[str, Any]) -> str:
    parts = [f"{d.get('model') or 'pen'} {d.get('serial') or ''}".strip()]
    if d.get("firmware"):
        parts.append(f"firmware {d['firmware']}")
    if d.get("needles"):
        parts.append(f"cartridge {d['needles']} needles, {d.get('gauge')} G")
    else:
        parts.append("no cartridge")
    if d.get("telemetry_hz"):
        parts.append(f"telemetry {d['telemetry_hz']} Hz")
    return ", ".join(parts)


def _pass(d: Mapping[str, Any]) -> str:
    parts = [f"{int(d.get('strokes') or 0):,} strokes"]
    if d.get("contact_ms") is not None:
        parts.append(f"{d['contact_ms'] / 1000:.1f} s in contact")
    if d.get("depth_mean_um") is not None:
        parts.append(f"mean {mm(d['depth_mean_um'])}")
    if d.get("depth_max_um") is not None:
        parts.append(f"max {mm(d['depth_max_um'])}")
    return ", ".join(parts)


def _alarm(d: Mapping[str, Any]) -> EventWords:
    priority = str(d.get("priority") or "").lower()
    state = str(d.get("state") or "raised")
    title = f"{priority} alarm {state}".strip() if priority else f"alarm {state}"
    condition = _words(d.get("condition"))
    detail = str(d.get("detail") or "")
    return EventWords(title, f"{condition} — {detail}" if detail else condition)


def _command_value(name: CommandName | str, value: int | None) -> str:
    if value is None:
        return ""
    match name:
        case CommandName.SET_DEPTH:
            return mm(value)
        case CommandName.SET_DEPTH_LIMIT:
            return "none" if value == 0 else mm(value)
        case CommandName.SET_RATE:
            return hz_from_dhz(value)
        case CommandName.SET_TELEMETRY_RATE:
            return f"{value} Hz"
        case CommandName.MOTOR:
            return "start" if value else "stop"
        case _:
            return str(value)


def _command(d: Mapping[str, Any]) -> EventWords:
    raw = str(d.get("command") or "?")
    try:
        name: CommandName | str = CommandName(raw)
    except ValueError:
        name = raw
    asked = _command_value(name, d.get("requested"))
    title = f"command: {_words(raw)}" + (f" {asked}" if asked else "")
    if d.get("error"):
        return EventWords(title, f"no answer — {d['error']}")
    result = str(d.get("result") or "")
    if result == "INFO":
        return EventWords(title, f"pen answered, telemetry {d.get('telemetry_hz')} Hz")
    applied = _command_value(name, d.get("applied"))
    said = "OK" if result == "OK" else _words(result.lower())
    return EventWords(title, f"{said}, pen applied {applied}" if applied else said)


def _plan_depth(d: Mapping[str, Any], z: Mapping[str, str] | None) -> EventWords:
    parts = [f"plan {mm(d.get('plan_um'))}", f"asked {mm(d.get('requested_um'))}"]
    if d.get("ceiling_um"):
        parts.append(f"ceiling {mm(d['ceiling_um'])}")
    if d.get("held"):
        parts.append(f"held: {d['held']}")
    acked = d.get("acked_um")
    parts.append(f"pen set {mm(acked)}" if acked is not None else "no answer from the pen")
    return EventWords(f"plan depth for {_zone(d.get('zone'), z)}", ", ".join(parts))


def step_words(e: EventRecord) -> str:
    """A procedure event in words (steps, timers, a start without them)."""
    d = e["data"]
    by = f" by {d['user']}" if d.get("user") else ""
    label = d.get("label", d.get("step"))
    match e["kind"]:
        case EventKind.STEP_DONE:
            extra = f" · lot {d['lot']}" if d.get("lot") else ""
            if d.get("timer_s") is not None:
                extra += f" · timer {_seconds(d['timer_s'])}"
            early = d.get("early")
            if isinstance(early, Mapping):
                extra += f" · ended a dwell {_seconds(early.get('left_s'))} early"
            # how a step with a screen was done (console/core/record_steps.py): consent
            # signed or declared; aftercare printed, saved to a file, or declined, and why
            for key in ("consent", "aftercare", "to", "reason"):
                if d.get(key):
                    extra += f" · {key} {d[key]}"
            return f"{label} done{by}{extra}"
        case EventKind.STEP_UNDONE:
            return f"{label} undone{by}"
        case EventKind.STEP_TIMER_DONE:
            return f"{label}: timer of {_seconds(d.get('timer_s'))} complete"
        case EventKind.START_OVERRIDE:
            return f"started without {', '.join(d.get('missing', []))}{by}"
        case EventKind.SKIN_TYPE_DEPTH:
            return str(d.get("words") or f"depth lowered for skin type {d.get('skin_type')}")
        case _:
            return ""
