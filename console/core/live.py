"""The live model: what the practitioner's screen shows, fed by the link, drained by the GUI.

Link callbacks (on the link's thread) only put items on a thread-safe queue. The GUI's
display timer calls `drain()`, which moves new samples into a ring buffer sized for the
longest plot window, and returns what arrived. Lost frames and link outages become NaN
rows, so the plots show gaps instead of lines drawn across them. Qt-free.

Numbers are only shown while they are current: `current()` is False once the link is lost
or closed, and the screen then greys its readouts and shows the outage as a band
(`outages`) that grows with the wall clock until the pen is heard again. The rate column
is the rate the pen is stroking at (0 while the motor is stopped, as the readout says).
"""

from __future__ import annotations

import queue
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from console.core.continuity import Break, BreakKind
from console.core.ring import RingBuffer
from console.core.ring import peak_decimate as peak_decimate  # the plot's, re-exported
from drivers.link import LinkState, StateChange
from drivers.messages import Event, EventCode, Info, SeqGap, Status, TelemetryBatch

PLOT_COLUMNS = ("depth_set_mm", "depth_meas_mm", "rate_hz", "force_n")
MAX_WINDOW_S = 60.0
MAX_RATE_HZ = 2000
STALE_S = 1.0  # a reading older than this is not shown as current


@dataclass(frozen=True, slots=True)
class Marker:
    t_s: float
    kind: str  # button, fault, gap, zone, pass, alarm, cartridge, pen
    label: str


@dataclass
class Outage:
    """A stretch of the plot clock with no pen: link lost, or a pen change."""

    start_t: float
    end_t: float | None = None  # None: still going on
    label: str = "link lost"


@dataclass
class Drained:
    samples: int = 0
    events: list[Event] = field(default_factory=list)
    states: list[StateChange] = field(default_factory=list)
    gaps: list[SeqGap] = field(default_factory=list)
    commands: list[tuple[str, int | None, object]] = field(default_factory=list)
    storage: list[tuple[bool, str]] = field(default_factory=list)  # (ok, message)
    received_ns: list[int] = field(default_factory=list)
    queue_depth: int = 0


@dataclass
class Latest:
    depth_set_um: int = 0
    depth_meas_um: int = 0
    rate_dhz: int = 0
    strokes: int = 0
    force_mn: int = 0
    battery_pct: int = 0
    temp_dc: int = 0
    status: int = 0
    t_us: int = 0
    rx_monotonic: float = 0.0

    def has(self, flag: Status) -> bool:
        return bool(self.status & flag)


_MARKED_EVENTS: dict[EventCode | int, str] = {
    EventCode.BUTTON_SHORT: "button",
    EventCode.BUTTON_LONG: "button",
    EventCode.FAULT_RAISED: "fault",
    EventCode.FAULT_CLEARED: "fault",
    EventCode.DEPTH_CLAMPED: "alarm",
    EventCode.CARTRIDGE_INSERTED: "cartridge",
    EventCode.CARTRIDGE_REMOVED: "cartridge",
    EventCode.HOST_LINK_LOST: "gap",
}


@dataclass(frozen=True, slots=True)
class _Command:
    name: str
    requested: int | None
    outcome: object


@dataclass(frozen=True, slots=True)
class _Storage:
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class _Mark:
    kind: str
    label: str


# What the link thread hands the screen, in stream order.
_Item = TelemetryBatch | Event | StateChange | Info | SeqGap | _Command | _Storage | _Mark | Break


class LiveModel:
    """A link subscriber (any thread) and the GUI's source of truth (GUI thread)."""

    def __init__(self, max_rate_hz: int = MAX_RATE_HZ, max_window_s: float = MAX_WINDOW_S):
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self.ring = RingBuffer(int(max_rate_hz * max_window_s * 1.2), PLOT_COLUMNS)
        self.latest = Latest()
        self.info: Info | None = None
        self.state: LinkState = LinkState.DISCONNECTED
        self.state_message = ""
        self.markers: deque[Marker] = deque(maxlen=500)
        self.session_strokes0: int | None = None
        self._session_pending = False  # a session started before any sample came
        self._t0_us: int | None = None
        self._pending_gap = False
        self.outages: deque[Outage] = deque(maxlen=50)
        self._lost_at: float | None = None  # monotonic time of the last sample before a loss

    # ------------------------------------------------------------ link side (any thread)

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        self._queue.put(batch)

    def on_event(self, event: Event) -> None:
        self._queue.put(event)

    def on_state(self, change: StateChange) -> None:
        self._queue.put(change)

    def on_info(self, info: Info) -> None:
        self._queue.put(info)

    def on_gap(self, gap: SeqGap) -> None:
        self._queue.put(gap)

    def on_command(self, name: str, requested: int | None, outcome: object) -> None:
        self._queue.put(_Command(name, requested, outcome))

    def on_storage_problem(self, message: str) -> None:
        self._queue.put(_Storage(False, message))

    def on_storage_recovered(self, message: str) -> None:
        self._queue.put(_Storage(True, message))

    def on_marker(self, kind: str, label: str) -> None:
        """A console-side mark (zone change, pass), placed at the samples before it."""
        self._queue.put(_Mark(kind, label))

    def on_break(self, found: Break) -> None:
        """A new pen or a restarted one (console.core.continuity), from the link thread."""
        self._queue.put(found)

    # ------------------------------------------------------------ GUI side

    def t_s(self, t_us: int) -> float:
        """Seconds on the plot's clock (pen time since this model first heard the pen)."""
        if self._t0_us is None:
            self._t0_us = t_us
        return (t_us - self._t0_us) / 1e6

    def drain(self, limit: int = 100_000) -> Drained:
        out = Drained(queue_depth=self._queue.qsize())
        batches: list[TelemetryBatch] = []
        for _ in range(limit):
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, TelemetryBatch):
                batches.append(item)
                continue
            if batches:  # keep order: samples before this item go in first
                self._take(batches, out)
                batches = []
            match item:
                case Event():
                    out.events.append(item)
                    self._on_event(item)
                case StateChange():
                    out.states.append(item)
                    self._on_state(item)
                case Info():
                    self.info = item
                case SeqGap():
                    out.gaps.append(item)
                    self._pending_gap = True
                    at_s = self.t_s(item.t_us_before or 0)
                    self.markers.append(Marker(at_s, "gap", f"{item.frames_lost} frames lost"))
                case _Command(name, requested, outcome):
                    out.commands.append((name, requested, outcome))
                case _Storage(ok, message):
                    out.storage.append((ok, message))
                case _Mark(kind, label):
                    self.add_marker(kind, label)
                case Break():
                    self._on_break(item)
        if batches:
            self._take(batches, out)
        return out

    def _take(self, batches: list[TelemetryBatch], out: Drained) -> None:
        batch = TelemetryBatch.concat(batches) if len(batches) > 1 else batches[0]
        out.received_ns += [b.received_ns for b in batches]
        n = len(batch)
        if n == 0:
            return
        t = np.array([self.t_s(int(batch.t_us[0]))]) + (batch.t_us - batch.t_us[0]) / 1e6
        cols = {
            "depth_set_mm": batch.depth_set_um / 1000.0,
            "depth_meas_mm": np.where(
                batch.depth_meas_um > 0, batch.depth_meas_um / 1000.0, np.nan
            ),
            # The rate the pen strokes at: 0 while stopped, as the readout shows it.
            "rate_hz": np.where(batch.status & Status.MOTOR_RUNNING, batch.rate_dhz / 10.0, 0.0),
            "force_n": batch.force_mn / 1000.0,
        }
        if self._pending_gap:  # a NaN row breaks the line where frames were lost
            last = self.ring.last_t()
            gap_t = np.array([t[0] - 1e-6 if last is None else (last + t[0]) / 2])
            self.ring.append(gap_t, {k: np.array([np.nan]) for k in PLOT_COLUMNS})
            self._pending_gap = False
        if self.outages and self.outages[-1].end_t is None:
            self.outages[-1].end_t = float(t[0])
            self._lost_at = None
        self.ring.append(t, cols)
        i = n - 1
        self.latest = Latest(
            depth_set_um=int(batch.depth_set_um[i]),
            depth_meas_um=int(batch.depth_meas_um[i]),
            rate_dhz=int(batch.rate_dhz[i]),
            strokes=int(batch.strokes[i]),
            force_mn=int(batch.force_mn[i]),
            battery_pct=int(batch.battery_pct[i]),
            temp_dc=int(batch.temp_dc[i]),
            status=int(batch.status[i]),
            t_us=int(batch.t_us[i]),
            rx_monotonic=time.monotonic(),
        )
        if self._session_pending:
            self.session_strokes0 = int(batch.strokes[0])
            self._session_pending = False
        out.samples += n

    def _on_event(self, event: Event) -> None:
        kind = _MARKED_EVENTS.get(event.code)
        if kind is not None:
            name = getattr(event.code, "name", str(event.code)).replace("_", " ").lower()
            self.markers.append(Marker(self.t_s(event.t_us), kind, name))

    def _on_state(self, change: StateChange) -> None:
        self.state = change.state
        self.state_message = change.message
        if change.state is LinkState.LOST:
            self._pending_gap = True
            last = self.ring.last_t()
            if last is not None:
                self.markers.append(Marker(last, "gap", "link lost"))
                if not self.outages or self.outages[-1].end_t is not None:
                    self.outages.append(Outage(last))
                    self._lost_at = self.latest.rx_monotonic or time.monotonic()
        if change.state is LinkState.STREAMING and change.gap_s:
            self._pending_gap = True

    def add_marker(self, kind: str, label: str) -> None:
        """A console-side mark (zone change, pass) at the newest sample's time."""
        last = self.ring.last_t()
        if last is not None:
            self.markers.append(Marker(last, kind, label))

    def _on_break(self, found: Break) -> None:
        self._pending_gap = True
        words = (
            f"new pen {found.serial} (was {found.previous_serial})"
            if found.kind is BreakKind.NEW_PEN
            else f"pen {found.serial or ''} restarted".replace("  ", " ")
        )
        t = self.t_s(found.t_us)
        self.markers.append(Marker(t, "pen", words))
        if self.outages and self.outages[-1].end_t is None:
            self.outages[-1].label = words
        elif found.gap_us > 0:
            self.outages.append(Outage(t - found.gap_us / 1e6, t, words))

    def current(self, now: float | None = None) -> bool:
        """Whether the newest reading may be shown as the pen's present state."""
        if self.state is not LinkState.STREAMING or not self.latest.rx_monotonic:
            return False
        now = time.monotonic() if now is None else now
        return now - self.latest.rx_monotonic <= STALE_S

    def now_t(self, now: float | None = None) -> float | None:
        """The plot clock's "now": the newest sample, or later while the link is lost (the
        outage band grows with the wall clock)."""
        last = self.ring.last_t()
        if last is None or self._lost_at is None or self.state is not LinkState.LOST:
            return last
        now = time.monotonic() if now is None else now
        return last + max(0.0, now - self._lost_at)

    def session_strokes(self) -> int | None:
        """Strokes since the session started; None with no session. Never negative."""
        if self.session_strokes0 is None:
            return None
        return max(0, self.latest.strokes - self.session_strokes0)

    def mark_session_start(self) -> None:
        if self.latest.rx_monotonic:
            self.session_strokes0 = self.latest.strokes
        else:  # no sample yet: count from the first one
            self.session_strokes0 = 0
            self._session_pending = True

    def end_session(self) -> None:
        """Session counters go back to nothing; the next session starts from zero."""
        self.session_strokes0 = None
        self._session_pending = False
