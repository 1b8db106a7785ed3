"""The alarm model (IEC 60601-1-8 form), Qt-free: conditions, priorities, signals, history.

Conditions are switched on and off by whoever observes them (the link monitor, the
recorder, the zone ceilings). The model decides priority, the visual rhythm (flash rate
and duty) and when a sound burst is due; the banner and the speaker only render it.
Pausing audio silences bursts for two minutes and never hides the visual signal.
A high-priority alarm latches: when its cause goes away before anyone acknowledged it,
it stays shown (marked "cause gone") until acknowledged, so a one-second excursion above
a ceiling cannot pass unseen.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


class Priority(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Condition(enum.StrEnum):
    LINK_LOST = "link_lost"
    PEN_FAULT = "pen_fault"
    STORAGE_FAILING = "storage_failing"
    DEPTH_ABOVE_CEILING = "depth_above_ceiling"
    CEILING_UNCONFIRMED = "ceiling_unconfirmed"  # the pen may be above the ceiling (H-06)
    CEILING_NOT_AS_SENT = "ceiling_not_as_sent"  # the pen confirmed a stricter one
    SCREEN_FROZE = "screen_froze"  # the watchdog stopped the motor (H-02)
    BATTERY_LOW = "battery_low"
    TELEMETRY_STALLED = "telemetry_stalled"
    PROTOCOL_INCOMPATIBLE = "protocol_incompatible"
    LINK_QUALITY = "link_quality"
    MOTOR_NO_SESSION = "motor_no_session"
    CEILINGS_TAMPERED = "ceilings_tampered"
    PATIENT_NOT_IN_TRAIL = "patient_not_in_trail"  # register row edited behind our back
    CARTRIDGE_REUSED = "cartridge_reused"  # single use: seen on another patient
    PRODUCT_EXPIRED = "product_expired"
    CARTRIDGE_NO_LOT = "cartridge_no_lot"  # inserted, its lot not entered yet
    SINGLE_USE_STOP = "single_use_stop"  # the console stopped a start from the pen's button
    # the procedure (issue 11)
    STEP_TIMER_DONE = "step_timer_done"
    STARTED_BEFORE_STEPS = "started_before_steps"


AlarmCondition = Condition  # the name the zone map and others import

PRIORITY: dict[Condition, Priority] = {
    Condition.LINK_LOST: Priority.HIGH,
    Condition.PEN_FAULT: Priority.HIGH,
    Condition.STORAGE_FAILING: Priority.HIGH,
    Condition.DEPTH_ABOVE_CEILING: Priority.HIGH,
    Condition.CEILING_UNCONFIRMED: Priority.HIGH,
    Condition.CEILING_NOT_AS_SENT: Priority.MEDIUM,
    Condition.SCREEN_FROZE: Priority.HIGH,
    Condition.CEILINGS_TAMPERED: Priority.HIGH,
    Condition.PATIENT_NOT_IN_TRAIL: Priority.HIGH,
    Condition.BATTERY_LOW: Priority.MEDIUM,
    Condition.TELEMETRY_STALLED: Priority.MEDIUM,
    Condition.PROTOCOL_INCOMPATIBLE: Priority.MEDIUM,
    Condition.MOTOR_NO_SESSION: Priority.MEDIUM,
    Condition.CARTRIDGE_REUSED: Priority.HIGH,
    Condition.PRODUCT_EXPIRED: Priority.MEDIUM,
    Condition.CARTRIDGE_NO_LOT: Priority.MEDIUM,
    Condition.SINGLE_USE_STOP: Priority.HIGH,
    Condition.LINK_QUALITY: Priority.LOW,
    Condition.STEP_TIMER_DONE: Priority.LOW,
    Condition.STARTED_BEFORE_STEPS: Priority.MEDIUM,
}

TITLES: dict[Condition, str] = {
    Condition.LINK_LOST: "PEN LINK LOST",
    Condition.PEN_FAULT: "PEN FAULT",
    Condition.STORAGE_FAILING: "RECORDING STORAGE FAILING",
    Condition.DEPTH_ABOVE_CEILING: "DEPTH ABOVE ZONE CEILING",
    Condition.CEILING_UNCONFIRMED: "PEN HAS NOT CONFIRMED THE CEILING",
    Condition.CEILING_NOT_AS_SENT: "Pen ceiling differs from the zone's",
    Condition.SCREEN_FROZE: "SCREEN FROZE: MOTOR STOPPED",
    Condition.CEILINGS_TAMPERED: "CLINIC CEILING NOT IN AUDIT TRAIL",
    Condition.PATIENT_NOT_IN_TRAIL: "PATIENT DETAILS NOT IN AUDIT TRAIL",
    Condition.BATTERY_LOW: "Battery low",
    Condition.TELEMETRY_STALLED: "No telemetry",
    Condition.PROTOCOL_INCOMPATIBLE: "Pen protocol incompatible",
    Condition.LINK_QUALITY: "Link quality",
    Condition.MOTOR_NO_SESSION: "PEN RUNNING, NOT RECORDING",
    Condition.CARTRIDGE_REUSED: "CARTRIDGE ALREADY USED: NEEDLING REFUSED",
    Condition.PRODUCT_EXPIRED: "Product expired",
    Condition.CARTRIDGE_NO_LOT: "Cartridge lot not entered",
    Condition.SINGLE_USE_STOP: "MOTOR STOPPED: CARTRIDGE REFUSED",
    Condition.STEP_TIMER_DONE: "Timer complete",
    Condition.STARTED_BEFORE_STEPS: "STARTED BEFORE THE STEPS",
}


# What the banner says for a condition whose detail is for the engineer (the alarm list
# and the record keep the detail): the words and the instruction a practitioner acts on.
SAID: dict[Condition, str] = {
    Condition.LINK_LOST: (
        "Pen not answering — stop the pen with its own button and check the cable. Reconnecting…"
    ),
}


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How a priority looks and sounds (IEC 60601-1-8 Table 1 and 3, as quoted)."""

    flash_hz: float  # 0: steady
    duty: float
    pulses: int
    repeat_s: float | None  # None: sounds once


RHYTHM: dict[Priority, Rhythm] = {
    Priority.HIGH: Rhythm(flash_hz=2.0, duty=0.5, pulses=10, repeat_s=10.0),
    Priority.MEDIUM: Rhythm(flash_hz=0.6, duty=0.5, pulses=3, repeat_s=20.0),
    Priority.LOW: Rhythm(flash_hz=0.0, duty=1.0, pulses=1, repeat_s=None),
}

AUDIO_PAUSE_S = 120.0


@dataclass
class Alarm:
    condition: Condition
    detail: str
    raised_utc: str
    raised_s: float
    cleared_utc: str | None = None
    acknowledged_utc: str | None = None
    acknowledged_by: str | None = None
    cause_ended_utc: str | None = None  # a latched alarm: shown until acknowledged
    next_sound_s: float = field(default=0.0)

    @property
    def priority(self) -> Priority:
        return PRIORITY[self.condition]

    @property
    def active(self) -> bool:
        return self.cleared_utc is None

    @property
    def latched(self) -> bool:
        """Its cause went away, but nobody has acknowledged it yet."""
        return self.active and self.cause_ended_utc is not None

    @property
    def title(self) -> str:
        return TITLES[self.condition]

    @property
    def said(self) -> str:
        """The banner's words: the instruction when there is one, else the detail."""
        return SAID.get(self.condition, self.detail)


AlarmCallback = Callable[[Alarm], None]


class AlarmModel:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.history: list[Alarm] = []
        self._active: dict[Condition, Alarm] = {}
        self._audio_paused_until = -1.0
        self.on_raised: list[AlarmCallback] = []
        self.on_cleared: list[AlarmCallback] = []
        self.on_changed: list[Callable[[], None]] = []
        # Widgets poll this instead of registering a callback: a model that worker-reachable
        # code holds must not hold a widget (style.md; issue 15).
        self.changes = 0

    # ------------------------------------------------------------ conditions

    def set(self, condition: Condition, active: bool, detail: str = "") -> None:
        current = self._active.get(condition)
        if active and current is None:
            now = self._clock()
            alarm = Alarm(condition, detail, _utc(), now, next_sound_s=now)
            self._active[condition] = alarm
            self.history.append(alarm)
            self._emit(self.on_raised, alarm)
        elif active and current is not None:
            changed = current.cause_ended_utc is not None or (detail and detail != current.detail)
            current.cause_ended_utc = None  # the cause is back: no longer only latched
            current.detail = detail or current.detail
            if changed:
                self._changed()
        elif not active and current is not None:
            if current.priority is Priority.HIGH and current.acknowledged_utc is None:
                if current.cause_ended_utc is None:  # latch: clears on acknowledgement
                    current.cause_ended_utc = _utc()
                    self._changed()
                return
            self._clear(current)

    def _clear(self, alarm: Alarm) -> None:
        alarm.cleared_utc = _utc()
        del self._active[alarm.condition]
        if not self._active:  # the pause was for what sounded; the next alarm is heard
            self._audio_paused_until = -1.0
        self._emit(self.on_cleared, alarm)

    def set_condition(self, condition: Condition, active: bool, detail: str = "") -> None:
        """Raise (active=True) or clear a condition; e.g. the zone map calls
        `alarms.set_condition(AlarmCondition.DEPTH_ABOVE_CEILING, True, "1.25 mm > 1.00 mm")`
        on every depth or zone change, and with False when the depth is back under."""
        self.set(condition, active, detail)

    def raise_(self, condition: Condition, detail: str = "") -> None:
        """A one-off condition (e.g. DEPTH_CLAMPED): raised now, kept until acknowledged."""
        self.set(condition, True, detail)

    def is_active(self, condition: Condition) -> bool:
        return condition in self._active

    def active(self) -> list[Alarm]:
        # Within a priority, what nobody has acknowledged yet comes first.
        return sorted(
            self._active.values(),
            key=lambda a: (-a.priority, a.acknowledged_utc is not None, a.raised_s),
        )

    def highest(self) -> Alarm | None:
        alarms = self.active()
        return alarms[0] if alarms else None

    def acknowledge(self, condition: Condition, user: str = "") -> None:
        """The operator has seen it: its sound stops; the visual stays while it is active.
        A latched alarm (cause gone) ends here."""
        alarm = self._active.get(condition)
        if alarm is not None and alarm.acknowledged_utc is None:
            alarm.acknowledged_utc = _utc()
            alarm.acknowledged_by = user or None
            if alarm.latched:
                self._clear(alarm)  # its cause had already gone: seen, so it ends
            else:
                self._changed()

    def acknowledge_all(self, user: str = "") -> None:
        for condition in list(self._active):
            self.acknowledge(condition, user)

    # ------------------------------------------------------------ signals

    def sounding(self) -> bool:
        """Whether any alarm would sound (active and not yet acknowledged)."""
        return any(a.acknowledged_utc is None for a in self._active.values())

    def pause_audio(self) -> bool:
        """Silence what sounds now for two minutes. With nothing sounding it does nothing:
        a pause must never silence an alarm that has not happened yet."""
        if not self.sounding():
            return False
        self._audio_paused_until = self._clock() + AUDIO_PAUSE_S
        self._changed()
        return True

    def resume_audio(self) -> None:
        """The pause ends now (a session ended: the next patient starts with sound)."""
        if self._audio_paused_until > self._clock():
            self._audio_paused_until = -1.0
            self._changed()

    def audio_paused_s(self) -> float:
        return max(0.0, self._audio_paused_until - self._clock())

    def visual_on(self) -> bool:
        """Whether the banner is lit right now (flashing follows the top priority)."""
        alarm = self.highest()
        if alarm is None:
            return False
        rhythm = RHYTHM[alarm.priority]
        if rhythm.flash_hz == 0:
            return True
        phase = ((self._clock() - alarm.raised_s) * rhythm.flash_hz) % 1.0
        return phase < rhythm.duty

    def due_burst(self) -> tuple[Priority, int] | None:
        """A sound burst to play now, if one is due: (priority, pulses)."""
        now = self._clock()
        if now < self._audio_paused_until:
            return None
        for alarm in self.active():
            if alarm.acknowledged_utc is not None or now < alarm.next_sound_s:
                continue
            rhythm = RHYTHM[alarm.priority]
            alarm.next_sound_s = now + rhythm.repeat_s if rhythm.repeat_s else float("inf")
            return alarm.priority, rhythm.pulses
        return None

    # ------------------------------------------------------------ plumbing

    def _emit(self, callbacks: list[AlarmCallback], alarm: Alarm) -> None:
        for cb in callbacks:
            cb(alarm)
        self._changed()

    def _changed(self) -> None:
        self.changes += 1
        for cb in self.on_changed:
            cb()


def _utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def local_clock(iso_utc: str | None) -> str:
    """An alarm time for the screen: the clinic's local wall-clock time, to the second."""
    if not iso_utc:
        return ""
    return datetime.fromisoformat(iso_utc).astimezone().strftime("%H:%M:%S")
