"""The recorder: turns what the link publishes into session records, on its own thread.

The link's reader thread only appends to a queue (it never waits on the disk). The
writer thread cuts samples into ~1 s chunks (console/store/chunking.py), packs each chunk
once, and commits chunks and events together at least once a second. When the disk
refuses a write (full, read-only, I/O error) the recorder keeps the packed chunks and
events in memory, up to MAX_BACKLOG_S of samples (past it the oldest chunks go to a spill
file elsewhere, console/store/spill.py), raises the storage alarm, retries every
RETRY_S, and writes the backlog in order once the disk accepts writes again, even for a
session that has ended meanwhile, then merges the spill files back. Samples lost on the
link are recorded as a gap event, never interpolated. Nothing is dropped without an
event and a listener call.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from console.core import recorder_queue as q
from console.store import EventKind, EventRow, Store, StoreError, spill
from console.store.backlog import DiskWriter, SessionBuffer
from console.store.liveness import LiveSessions
from console.store.packing import Columns
from drivers.link import CommandResult, LinkState, StateChange
from drivers.messages import Event, EventCode, Info, SeqGap, TelemetryBatch

log = logging.getLogger(__name__)

COMMIT_EVERY_S = 1.0  # events and partial chunks (slow telemetry) at least this often
RETRY_S = 1.0


class Annotator(Protocol):
    """Attributes each sample to a zone and pass (the zone-map model implements it).

    A plain callable(batch) -> (zone, pass_no) works too; `zone_ids` is then taken as
    empty (the CSV shows the zone index's name only when zone_ids maps it)."""

    zone_ids: list[str]

    def annotate(
        self, batch: TelemetryBatch
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]: ...


AnnotateFn = Callable[[TelemetryBatch], tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]


class StorageListener(Protocol):
    def on_storage_problem(self, message: str) -> None: ...
    def on_storage_recovered(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RecorderStats:
    samples: int
    events: int
    seq_gaps: int
    backlog_samples: int
    storage_ok: bool


class Recorder:
    """A link listener that records sessions; see the module docstring.

    Thread use: the on_* callbacks run on the link's reader thread and only enqueue;
    start_session/end_session/add_console_event/flush/close may be called from any one
    other thread (the GUI or the CLI)."""

    def __init__(self, store: Store, *, annotator: Annotator | AnnotateFn | None = None) -> None:
        self.store = store
        self.annotator = annotator  # may be replaced before a session starts
        self._queue: queue.SimpleQueue[q.Item] = queue.SimpleQueue()
        self._listeners: list[object] = []
        # The writer thread has a connection of its own: a failed telemetry transaction can
        # then never roll back what another thread wrote (an audit row), and nobody reading
        # through `store` waits for the recorder's fsync (WAL readers see a snapshot).
        self.writer_store = store.open_another()
        self._disk = DiskWriter(self.writer_store, self._notify)  # writer thread only
        self._live = LiveSessions(store.path)  # liveness locks, held until a status is final
        self._disk.on_finished = self._live.release
        self._disk.overflow = spill.overflow_to(self.writer_store)  # past the memory bound
        self.spilled: Path | None = None  # where an unwritable backlog went at the stop
        self.simulated = False  # the link is the virtual pen: sessions are marked (H-35)
        self._info: Info | None = None
        self._events = 0
        self._gaps = 0
        self._samples = 0
        self._session_lock = threading.Lock()
        self._thread = threading.Thread(target=self._writer, name="recorder-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ public API

    @property
    def session(self) -> str | None:
        o = self._disk.open
        return o.session if o else None

    @property
    def storage_ok(self) -> bool:
        return self._disk.storage_ok

    @property
    def rate_hz(self) -> int:
        """The pen's telemetry rate, which sizes chunks and the memory backlog; INFO and the
        ACK of set_telemetry_rate keep it current."""
        return self._disk.rate_hz

    @rate_hz.setter
    def rate_hz(self, hz: int) -> None:
        self._disk.rate_hz = max(int(hz), 50)

    def stats(self) -> RecorderStats:
        d = self._disk
        return RecorderStats(
            self._samples, self._events, self._gaps, d.backlog_samples, d.storage_ok
        )

    def add_listener(self, listener: object) -> None:
        """`listener` may have on_storage_problem(message) and on_storage_recovered(message);
        both are called on the writer thread."""
        self._listeners.append(listener)

    def start_session(
        self,
        patient_code: str,
        practitioner: str,
        plan_name: str | None = None,
        notes: str = "",
    ) -> str:
        """Creates the session (status `recording`) and records from now on; returns its
        uuid. Raises ValueError for an empty code or name, RuntimeError while another
        session is open, StoreError when the database refuses the write."""
        if not patient_code.strip():
            raise ValueError("enter the patient's code to start a session")
        if not practitioner.strip():
            raise ValueError("enter the practitioner's name to start a session")
        with self._session_lock:
            if self._disk.open is not None:
                raise RuntimeError("a session is already being recorded; end it first")
            pen = _pen_fields(self._info) if self._info is not None else {}
            zone_ids = getattr(self.annotator, "zone_ids", None)
            session = ""
            try:
                session = self._live.new_session()
                self.store.create_session(
                    patient_code.strip(),
                    practitioner.strip(),
                    plan_name=plan_name,
                    notes=notes,
                    pen=pen,
                    session=session,
                    simulated=self.simulated,
                )
                if zone_ids:
                    self.store.update_session(session, zone_ids=json.dumps(list(zone_ids)))
            except (sqlite3.Error, OSError) as exc:
                self._live.release(session)
                raise StoreError(
                    f"the database refuses writes ({exc}), so no session was started. Free "
                    "disk space or check the drive, then start again."
                ) from exc
            self._queue.put(q.Open(session))
            self.flush()
            return session

    def end_session(self, status: str = "complete") -> str | None:
        """Ends the session being recorded and returns its uuid (None if there was none).

        Waits (up to 10 s) for the last samples to be committed. If the disk still refuses
        writes, the session's backlog stays in memory and keeps being retried; its status
        is set once everything is written."""
        with self._session_lock:
            session = self.session
            done = threading.Event()
            self._queue.put(q.Close(status, done))
            done.wait(10)
            return session

    def add_console_event(
        self, kind: EventKind | str, data: dict[str, Any], t_us: int | None = None
    ) -> None:
        """An event the console itself raises: alarm, zone change, pass mark, command.
        `kind` is an EventKind; a string that names none is still recorded (an event is
        never lost), with a warning that EventKind should list it."""
        known = EventKind.read(kind)
        if not isinstance(known, EventKind):
            log.warning("event kind %r is not in EventKind; recorded as given", kind)
        self._put_event(t_us, known, data)

    def _put_event(
        self,
        t_us: int | None,
        kind: EventKind | str,
        data: dict[str, Any],
        *,
        source: str = "console",
        code: int | None = None,
        arg: int | None = None,
    ) -> None:
        self._queue.put(q.Event(EventRow(t_us, source, kind, code, arg, data)))

    def add_pass(self, row: dict[str, Any], undone: bool = False) -> None:
        """A pass closed (or a close taken back) by the zone model, for zone_passes."""
        self._queue.put(q.Pass(row, undone))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is committed (or held in the backlog)."""
        done = threading.Event()
        self._queue.put(q.Flush(done))
        return done.wait(timeout)

    def close(self) -> None:
        """Ends any session, makes a last attempt to write everything, stops the thread.

        Whatever the disk still refuses goes to a spill file elsewhere (`spilled`), merged
        back at the next start; only if no place takes it is it reported to the storage
        listeners with its sample count, as a loss (console/store/spill.py)."""
        if self._disk.open is not None:
            self.end_session()
        self._queue.put(q.Stop())
        self._thread.join(timeout=15)
        if not self._thread.is_alive():
            self.writer_store.close()
            self._live.release_all()

    # ------------------------------------------------------------ link listener

    def on_info(self, info: Info) -> None:
        self._info = info
        self.rate_hz = info.telemetry_hz
        if self._disk.open is None:
            return
        # After a reconnect the pen may be another one, or have another cartridge.
        data = {**_pen_fields(info), "telemetry_hz": info.telemetry_hz}
        self._put_event(None, EventKind.PEN_INFO, data)

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        if self._disk.open is None:
            return
        cols: Columns = dict(batch.columns())
        n = len(batch)
        annotator = self.annotator
        if annotator is not None:
            annotate: AnnotateFn = getattr(annotator, "annotate", None) or annotator  # type: ignore[assignment]
            zone, pass_no = annotate(batch)
        else:
            zone, pass_no = np.zeros(n, np.uint8), np.zeros(n, np.uint8)
        cols["zone"], cols["pass_no"] = zone, pass_no
        self._queue.put(q.Samples(cols))

    def on_event(self, event: Event) -> None:
        if self._disk.open is None:
            return
        code = int(event.code)
        known = EventCode(code).name if code in EventCode._value2member_map_ else None
        kind = EventKind.from_pen(code, known)
        self._put_event(event.t_us, kind, {}, source="pen", code=code, arg=event.arg)

    def on_gap(self, gap: SeqGap) -> None:
        """Frames lost on the wire: recorded as a gap with its length, never filled in."""
        if self._disk.open is None:
            return
        self._gaps += 1
        data = {
            "frames_lost": gap.frames_lost,
            "seq_before": gap.seq_before,
            "seq_after": gap.seq_after,
        }
        self._put_event(gap.t_us_before, EventKind.SEQ_GAP, data, arg=gap.frames_lost)

    def on_state(self, change: StateChange) -> None:
        if self._disk.open is None:
            return
        if change.state is LinkState.LOST and change.previous is LinkState.STREAMING:
            self._put_event(self._last_t_us(), EventKind.LINK_LOST, {"message": change.message})
        elif change.state is LinkState.STREAMING and change.gap_s is not None:
            gap = {"gap_s": round(change.gap_s, 3), "message": change.message}
            self._put_event(None, EventKind.LINK_GAP, gap)

    def on_command(self, name: str, requested: int | None, outcome: object) -> None:
        if isinstance(outcome, CommandResult) and name == "set_telemetry_rate" and outcome.ok:
            self.rate_hz = outcome.value  # chunks stay ~1 s at the new rate
        if self._disk.open is None or name == "ping":
            return
        data: dict[str, Any] = {"command": name, "requested": requested}
        if isinstance(outcome, CommandResult):
            data["result"] = str(getattr(outcome.result, "name", outcome.result))
            data["applied"] = outcome.value
        elif isinstance(outcome, Info):
            data["result"] = "INFO"
            data["telemetry_hz"] = outcome.telemetry_hz
        else:
            data["error"] = str(outcome)
        self._put_event(None, EventKind.COMMAND, data)

    def _last_t_us(self) -> int | None:
        o = self._disk.open
        return o.last_t_us if o else None

    # ------------------------------------------------------------ writer thread

    def _writer(self) -> None:
        last_commit = time.monotonic()
        flushes: list[threading.Event] = []
        while True:
            wait_s = COMMIT_EVERY_S if self._disk.storage_ok else RETRY_S
            timeout = max(0.0, wait_s - (time.monotonic() - last_commit))
            item: q.Item
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = q.Tick()
            try:
                if isinstance(item, q.Stop):
                    self._disk.commit_all(final=True)
                    spill.merge_back(self._disk, self.writer_store, self._notify)
                    self.spilled = spill.spill_or_report(self._disk, self._notify)
                    return
                commit_now = self._take(item, flushes)
                now = time.monotonic()
                if commit_now or now - last_commit >= wait_s:
                    self._disk.commit_all(final=isinstance(item, q.Flush))
                    spill.merge_back(self._disk, self.writer_store, self._notify)
                    last_commit = now
                    for f in flushes:
                        f.set()
                    flushes.clear()
            except Exception as exc:  # a bug here must not end recording silently
                log.exception("recorder writer failed")
                self._notify("on_storage_problem", f"the recorder hit an internal error: {exc}")
            finally:
                if isinstance(item, q.Stop):
                    for f in flushes:
                        f.set()

    def _take(self, item: q.Item, flushes: list[threading.Event]) -> bool:
        """Apply one queued item; True when it calls for a commit right away."""
        disk = self._disk
        o = disk.open
        match item:
            case q.Open(session):
                disk.open = SessionBuffer(session)
                return False
            case q.Close(status, done):
                try:
                    disk.end(status)
                finally:
                    done.set()
                return False
            case q.Flush(done):
                flushes.append(done)
                return True
            case q.Samples(columns) if o is not None:
                o.last_t_us = int(columns["t_us"][-1])
                o.pending.append(columns)
                self._samples += len(columns["seq"])
                pending = sum(len(p["seq"]) for p in o.pending)
                return disk.storage_ok and pending >= disk.per_chunk()
            case q.Event(row) if o is not None:
                if row.t_us is None and o.last_t_us is not None:
                    # A console event (a command, the pen's INFO, the link back) happened
                    # after the samples queued before it: on the session clock, so the
                    # review can put it in time order among the pen's own events.
                    row = row._replace(t_us=o.last_t_us)
                o.pending_events.append(row)
                self._events += 1
            case q.Pass(row, undone) if o is not None:
                o.pending_passes.append((row, undone))
        return isinstance(item, q.Tick)

    def _notify(self, method: str, message: str) -> None:
        log.warning("%s", message)
        for listener in self._listeners:
            callback = getattr(listener, method, None)
            if callback is not None:
                try:
                    callback(message)
                except Exception:
                    log.exception("recorder listener failed")


def _pen_fields(info: Info) -> dict[str, Any]:
    """What a session keeps of the pen's INFO (the store's `pen` argument)."""
    return {
        "serial": info.serial,
        "model": info.model,
        "firmware": info.firmware,
        "needles": info.needles,
        "gauge": info.gauge,
    }
