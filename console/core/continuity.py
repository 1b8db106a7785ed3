"""One session clock across pens: a new pen, or the same pen after a reboot, carries on.

The decoder gives each link's pen clock and stroke counter unwrapped, but a pen that
reboots starts both again from zero, and another pen has counters of its own. Either
would send a session's time backwards (an export starting at -23.8 s) and its stroke
count negative. `SessionClock` sits between the link and its listeners (the live model,
the recorder, the zone work) and maps the pen's counters onto one continuous axis:

- a *break* is a sample whose clock went back, whose clock jumped further ahead than
  the wall clock allows, whose stroke count went back or jumped implausibly, or the first
  sample after INFO named another serial;
- at a break, the clock carries on from the last sample plus the time the console really
  waited (so the outage stays a gap of its true length), and the stroke count carries on
  from the last count (strokes during an outage are unknown, never invented);
- every break is reported once (`on_break`), with the serials before and after, so the
  record gets an event and the live view a marked gap.

A plain reconnect of the same, still-running pen is no break: its counters simply carry
on. Runs on the link's thread (any one thread at a time); Qt-free.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from drivers.link import StateChange
from drivers.messages import Event, Info, SeqGap, TelemetryBatch

SLACK_US = 30_000_000  # the pen's clock may run this far ahead of the console's and be fine
MAX_STROKES_PER_S = 1_000  # well above any pen's stroke rate: more is a counter restart
DEFAULT_PERIOD_US = 1_000


class BreakKind(enum.StrEnum):
    NEW_PEN = "new_pen"  # INFO named another serial
    PEN_RESTARTED = "pen_restarted"  # the same pen's counters started again


@dataclass(frozen=True, slots=True)
class Break:
    kind: BreakKind
    t_us: int  # on the session axis: the first sample after the break
    gap_us: int  # how long the session axis leaves empty before it
    serial: str | None
    previous_serial: str | None

    def data(self) -> dict[str, object]:
        """The session record's event data."""
        return {
            "serial": self.serial,
            "previous_serial": self.previous_serial,
            "gap_s": round(self.gap_us / 1e6, 3),
        }


class SessionClock:
    """A link listener that forwards to its own listeners with continuous counters."""

    def __init__(self) -> None:
        self.listeners: list[object] = []
        self.on_break: list[Callable[[Break], None]] = []
        self.t_offset_us = 0
        self.strokes_offset = 0
        self._last: tuple[int, int, int] | None = None  # raw t_us, raw strokes, received_ns
        self._serial: str | None = None
        self._previous_serial: str | None = None
        self._new_pen = False
        self._period_us = DEFAULT_PERIOD_US

    def subscribe(self, listener: object) -> None:
        self.listeners.append(listener)

    def _forward(self, method: str, item: object) -> None:
        for listener in self.listeners:
            callback = getattr(listener, method, None)
            if callback is not None:
                callback(item)

    # ------------------------------------------------------------ link listener

    def on_info(self, info: Info) -> None:
        if info.telemetry_hz > 0:
            self._period_us = max(1, 1_000_000 // info.telemetry_hz)
        if self._serial is not None and info.serial != self._serial:
            self._new_pen = True
            self._previous_serial = self._serial
        self._serial = info.serial
        self._forward("on_info", info)

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        if len(batch):
            batch = self.map_batch(batch)
        self._forward("on_telemetry", batch)

    def on_event(self, event: Event) -> None:
        if self.t_offset_us:
            event = replace(event, t_us=event.t_us + self.t_offset_us)
        self._forward("on_event", event)

    def on_gap(self, gap: SeqGap) -> None:
        if self.t_offset_us and gap.t_us_before:
            gap = replace(gap, t_us_before=gap.t_us_before + self.t_offset_us)
        self._forward("on_gap", gap)

    def on_state(self, change: StateChange) -> None:
        self._forward("on_state", change)

    def on_command(self, name: str, requested: int | None, outcome: object) -> None:
        for listener in self.listeners:
            callback = getattr(listener, "on_command", None)
            if callback is not None:
                callback(name, requested, outcome)

    # ------------------------------------------------------------ the mapping

    def map_batch(self, batch: TelemetryBatch) -> TelemetryBatch:
        t = batch.t_us
        s = batch.strokes
        n = len(t)
        if self._last is None:
            prev_t, prev_s, wall_us = int(t[0]), int(s[0]), 0
        else:
            prev_t, prev_s, prev_ns = self._last
            wall_us = max(0, (batch.received_ns - prev_ns) // 1000) if prev_ns else 0
        dt = np.diff(t, prepend=prev_t)
        ds = np.diff(s, prepend=prev_s)
        limit = np.full(n, SLACK_US, np.int64)
        limit[0] += wall_us
        broken = (
            (dt < 0) | (dt > limit) | (ds < 0) | (ds > MAX_STROKES_PER_S * (limit // 1_000_000 + 1))
        )
        if self._new_pen and self._last is not None:
            broken[0] = True
        self._new_pen = False
        self._last = (int(t[-1]), int(s[-1]), batch.received_ns)
        where = np.flatnonzero(broken)
        if not len(where):
            if not (self.t_offset_us or self.strokes_offset):
                return batch
            return _with(batch, t + self.t_offset_us, s + self.strokes_offset)
        # At each break: the clock steps by the time really waited (at least one sample
        # period), the stroke count by nothing.
        step_t = np.full(len(where), self._period_us, np.int64)
        if where[0] == 0:
            step_t[0] = max(self._period_us, wall_us)
        t_fix = np.zeros(n, np.int64)
        s_fix = np.zeros(n, np.int64)
        t_fix[where] = step_t - dt[where]
        s_fix[where] = -ds[where]
        t_out = t + self.t_offset_us + np.cumsum(t_fix)
        s_out = s + self.strokes_offset + np.cumsum(s_fix)
        self.t_offset_us = int(t_out[-1] - t[-1])
        self.strokes_offset = int(s_out[-1] - s[-1])
        for k, i in enumerate(where):
            new_pen = (
                k == 0
                and self._previous_serial is not None
                and i == 0
                and bool(self._serial != self._previous_serial)
            )
            found = Break(
                BreakKind.NEW_PEN if new_pen else BreakKind.PEN_RESTARTED,
                int(t_out[i]),
                int(step_t[k]),
                self._serial,
                self._previous_serial if new_pen else self._serial,
            )
            for hook in self.on_break:
                hook(found)
        self._previous_serial = self._serial
        return _with(batch, t_out, s_out)


def _with(batch: TelemetryBatch, t_us: np.ndarray, strokes: np.ndarray) -> TelemetryBatch:
    return replace(batch, t_us=t_us.astype(np.int64, copy=False), strokes=strokes)
