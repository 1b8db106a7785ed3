"""The recorder: turns what the link publishes into session records, on its own thread.

The link's reader thread only appends to a queue (it never waits on the disk). The
writer thread groups samples into ~1 s chunks and commits chunks and events together at
least once a second. When the disk refuses a write (full, read-only, I/O error) the
recorder keeps everything in memory, up to MAX_BACKLOG_S of samples, tells its
listeners, retries every RETRY_S, and writes the backlog in order once the disk accepts
writes again. Samples lost on the link are recorded as a gap event, never interpolated.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from console.packing import Columns
from console.store import Store
from drivers.link import CommandResult, LinkState, StateChange
from drivers.messages import Event, EventCode, Info, SeqGap, TelemetryBatch

log = logging.getLogger(__name__)

CHUNK_S = 1.0  # a chunk is committed as soon as it is full: a crash loses at most ~1 s
COMMIT_EVERY_S = 1.0  # events and partial chunks (slow telemetry) at least this often
RETRY_S = 1.0
MAX_BACKLOG_S = 15 * 60
DEFAULT_RATE_HZ = 2000  # bounds the backlog before the pen's rate is known


class Annotator(Protocol):
    """Attributes each sample to a zone and pass (the zone-map model implements it)."""

    zone_ids: list[str]

    def annotate(
        self, batch: TelemetryBatch
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]: ...


class StorageListener(Protocol):
    def on_storage_problem(self, message: str) -> None: ...
    def on_storage_recovered(self, message: str) -> None: ...


@dataclass
class _Open:
    session: str
    chunk_no: int = 0
    pending: list[Columns] = field(default_factory=list)
    pending_events: list[tuple[Any, ...]] = field(default_factory=list)
    pending_passes: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    last_seq: int | None = None
    last_t_us: int | None = None
    samples: int = 0


@dataclass(frozen=True, slots=True)
class RecorderStats:
    samples: int
    events: int
    seq_gaps: int
    backlog_samples: int
    storage_ok: bool


class Recorder:
    def __init__(self, store: Store, *, annotator: Annotator | None = None) -> None:
        self.store = store
        self.annotator = annotator
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._open: _Open | None = None
        self._listeners: list[object] = []
        self._stop = threading.Event()
        self._info: Info | None = None
        self._storage_ok = True
        self._rate_hz = DEFAULT_RATE_HZ
        self._events = 0
        self._gaps = 0
        self._samples = 0
        self._backlog_samples = 0
        self._session_lock = threading.Lock()
        self._idle = threading.Condition()
        self._busy = 0
        self._thread = threading.Thread(target=self._writer, name="recorder-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ public API

    @property
    def session(self) -> str | None:
        return self._open.session if self._open else None

    @property
    def storage_ok(self) -> bool:
        return self._storage_ok

    def stats(self) -> RecorderStats:
        return RecorderStats(
            self._samples, self._events, self._gaps, self._backlog_samples, self._storage_ok
        )

    def add_listener(self, listener: object) -> None:
        self._listeners.append(listener)

    def start_session(
        self,
        patient_code: str,
        practitioner: str,
        plan_name: str | None = None,
        notes: str = "",
    ) -> str:
        if not patient_code.strip():
            raise ValueError("enter the patient's code to start a session")
        if not practitioner.strip():
            raise ValueError("enter the practitioner's name to start a session")
        with self._session_lock:
            if self._open is not None:
                raise RuntimeError("a session is already being recorded; end it first")
            info = self._info
            pen = {}
            if info is not None:
                pen = {
                    "serial": info.serial,
                    "model": info.model,
                    "firmware": info.firmware,
                    "needles": info.needles,
                    "gauge": info.gauge,
                }
            session = self.store.create_session(
                patient_code.strip(),
                practitioner.strip(),
                plan_name=plan_name,
                notes=notes,
                pen=pen,
            )
            if self.annotator is not None:
                self.store.update_session(session, zone_ids=json.dumps(self.annotator.zone_ids))
            self._queue.put(("open", session))
            self.flush()
            return session

    def end_session(self, status: str = "complete") -> str | None:
        with self._session_lock:
            done = threading.Event()
            self._queue.put(("close", (status, done)))
            done.wait(10)
            return self.session

    def add_console_event(self, kind: str, data: dict[str, Any], t_us: int | None = None) -> None:
        """An event the console itself raises: alarm, zone change, pass mark, command."""
        self._queue.put(("event", (t_us, "console", kind, None, None, data)))

    def add_pass(self, row: dict[str, Any], undone: bool = False) -> None:
        """A pass closed (or a close taken back) by the zone model, for zone_passes."""
        self._queue.put(("pass", (row, undone)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is committed (or held in the backlog)."""
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def close(self) -> None:
        if self._open is not None:
            self.end_session()
        self._stop.set()
        self._queue.put(("stop", None))
        self._thread.join(timeout=10)

    # ------------------------------------------------------------ link listener

    def on_info(self, info: Info) -> None:
        self._info = info
        self._rate_hz = max(info.telemetry_hz, 50)

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        if self._open is None:
            return
        cols: Columns = dict(batch.columns())
        n = len(batch)
        if self.annotator is not None:
            zone, pass_no = self.annotator.annotate(batch)
        else:
            zone, pass_no = np.zeros(n, np.uint8), np.zeros(n, np.uint8)
        cols["zone"], cols["pass_no"] = zone, pass_no
        self._queue.put(("telemetry", cols))

    def on_event(self, event: Event) -> None:
        if self._open is None:
            return
        code = int(event.code)
        kind = EventCode(code).name.lower() if code in EventCode._value2member_map_ else "unknown"
        self._queue.put(("event", (event.t_us, "pen", kind, code, event.arg, {})))

    def on_gap(self, gap: SeqGap) -> None:
        """Frames lost on the wire: recorded as a gap with its length, never filled in."""
        if self._open is None:
            return
        self._gaps += 1
        data = {
            "frames_lost": gap.frames_lost,
            "seq_before": gap.seq_before,
            "seq_after": gap.seq_after,
        }
        self._queue.put(
            ("event", (gap.t_us_before, "console", "seq_gap", None, gap.frames_lost, data))
        )

    def on_state(self, change: StateChange) -> None:
        if self._open is None:
            return
        if change.state is LinkState.LOST and change.previous is LinkState.STREAMING:
            data = {"message": change.message}
            self._queue.put(
                ("event", (self._last_t_us(), "console", "link_lost", None, None, data))
            )
        elif change.state is LinkState.STREAMING and change.gap_s is not None:
            data = {"gap_s": round(change.gap_s, 3), "message": change.message}
            self._queue.put(("event", (None, "console", "link_gap", None, None, data)))

    def on_command(self, name: str, requested: int | None, outcome: object) -> None:
        if self._open is None or name == "ping":
            return
        if isinstance(outcome, CommandResult):
            data = {
                "command": name,
                "requested": requested,
                "result": str(getattr(outcome.result, "name", outcome.result)),
                "applied": outcome.value,
            }
        else:
            data = {"command": name, "requested": requested, "error": str(outcome)}
        self._queue.put(("event", (None, "console", "command", None, None, data)))

    def _last_t_us(self) -> int | None:
        return self._open.last_t_us if self._open else None

    # ------------------------------------------------------------ writer thread

    def _writer(self) -> None:
        last_commit = time.monotonic()
        flushes: list[threading.Event] = []
        while True:
            timeout = max(0.0, COMMIT_EVERY_S - (time.monotonic() - last_commit))
            try:
                kind, payload = self._queue.get(timeout=timeout if self._storage_ok else RETRY_S)
            except queue.Empty:
                kind, payload = "tick", None
            if kind == "stop":
                self._commit(final=True)
                for f in flushes:
                    f.set()
                return
            if kind == "open":
                self._open = _Open(payload)
            elif kind == "close":
                status, done = payload
                self._commit(final=True)
                if self._open is not None and self._storage_ok:
                    self._finish(self._open.session, status)
                    self._open = None
                elif self._open is not None:
                    self._open = None  # backlog could not be written: the session stays
                    # `recording`, and the next start marks it interrupted with its data
                done.set()
            elif kind == "telemetry":
                self._take_telemetry(payload)
            elif kind == "event":
                if self._open is not None:
                    self._open.pending_events.append(payload)
                    self._events += 1
            elif kind == "pass":
                if self._open is not None:
                    self._open.pending_passes.append(payload)
            elif kind == "flush":
                flushes.append(payload)
            now = time.monotonic()
            if (
                kind in ("flush", "tick")
                or now - last_commit >= COMMIT_EVERY_S
                or (self._open is not None and self._chunk_ready())
            ):
                self._commit(final=kind == "flush")
                last_commit = now
                for f in flushes:
                    f.set()
                flushes.clear()

    def _chunk_ready(self) -> bool:
        o = self._open
        pending = sum(len(p["seq"]) for p in o.pending) if o else 0
        return self._storage_ok and pending >= self._rate_hz * CHUNK_S

    def _finish(self, session: str, status: str) -> None:
        self._try(lambda: self.store.finish_session(session, status))

    def _take_telemetry(self, cols: Columns) -> None:
        o = self._open
        if o is None:
            return
        seq = cols["seq"]
        o.last_seq = int(seq[-1])
        o.last_t_us = int(cols["t_us"][-1])
        o.pending.append(cols)
        o.samples += len(seq)
        self._samples += len(seq)

    def _commit(self, final: bool) -> None:
        o = self._open
        if o is None:
            return
        chunks: list[tuple[int, Columns]] = []
        merged = _merge(o.pending)
        n = len(merged["seq"]) if merged else 0
        per_chunk = max(1, int(self._rate_hz * CHUNK_S))
        start = 0
        # Full chunks always; the partial remainder (under 1 s) only when asked to.
        while n - start >= per_chunk or (final and n - start > 0):
            stop = min(n, start + per_chunk)
            chunks.append((o.chunk_no + len(chunks), {k: v[start:stop] for k, v in merged.items()}))
            start = stop
        rest = {k: v[start:] for k, v in merged.items()} if merged and start < n else None
        events = list(o.pending_events)
        passes = list(o.pending_passes)
        if not chunks and not events and not passes:
            return
        ok = self._try(lambda: self.store.write_batch(o.session, chunks, events, passes))
        if ok:
            o.chunk_no += len(chunks)
            o.pending = [rest] if rest is not None else []
            o.pending_events = o.pending_events[len(events) :]
            o.pending_passes = o.pending_passes[len(passes) :]
            self._backlog_samples = 0
        else:
            self._backlog_samples = n
            self._bound_backlog(o)

    def _bound_backlog(self, o: _Open) -> None:
        limit = int(MAX_BACKLOG_S * self._rate_hz)
        if self._backlog_samples <= limit:
            return
        merged = _merge(o.pending)
        drop = self._backlog_samples - limit
        o.pending = [{k: v[drop:] for k, v in merged.items()}]
        o.pending_events.append(
            (
                None,
                "console",
                "samples_dropped",
                None,
                drop,
                {
                    "samples": drop,
                    "reason": "the disk refused writes for longer than the "
                    f"{MAX_BACKLOG_S // 60}-minute memory buffer",
                },
            )
        )
        self._backlog_samples = limit
        self._notify(
            "on_storage_problem",
            f"{drop} samples could not be kept: the disk has "
            "refused writes for over 15 minutes. Free space now.",
        )

    def _try(self, write: Callable[[], None]) -> bool:
        try:
            write()
        except sqlite3.Error as exc:
            if self._storage_ok:
                self._storage_ok = False
                if self._open is not None:  # written with the backlog once the disk is back
                    self._open.pending_events.append(
                        (
                            self._open.last_t_us,
                            "console",
                            "alarm",
                            None,
                            None,
                            {
                                "priority": "high",
                                "condition": "storage_failing",
                                "detail": str(exc),
                            },
                        )
                    )
                self._notify(
                    "on_storage_problem",
                    f"recording storage is failing ({exc}). Samples are kept in memory "
                    f"(up to {MAX_BACKLOG_S // 60} minutes) and written as soon as the disk "
                    "accepts them: free disk space or check the drive.",
                )
            return False
        if not self._storage_ok:
            self._storage_ok = True
            self._notify(
                "on_storage_recovered",
                "recording storage works again; everything held in memory has been written",
            )
        return True

    def _notify(self, method: str, message: str) -> None:
        log.warning("%s", message)
        for listener in self._listeners:
            callback = getattr(listener, method, None)
            if callback is not None:
                try:
                    callback(message)
                except Exception:
                    log.exception("recorder listener failed")


def _merge(parts: list[Columns]) -> Columns:
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
