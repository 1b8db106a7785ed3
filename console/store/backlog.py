"""What the recorder holds for the disk, and the writing of it (on the writer thread only).

Each session's samples wait in a SessionBuffer until chunking.cut() closes a chunk; the
chunk is then packed once and kept packed until a transaction takes it together with the
session's events and passes. When SQLite refuses the write (full disk, read-only file,
I/O error) everything stays in memory and is retried; past MAX_BACKLOG_S of samples the
oldest chunks go to a spill file elsewhere (the `overflow` hook, console/store/spill.py),
a batch at a time so that a long outage writes a file a minute rather than a second, each
batch with a `samples_spilled` event. Only if no place takes the file are the chunks
dropped, each with a `samples_dropped` event carrying its seq and time range. Ended
sessions keep being retried until written, and only then get their status.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from console.store import chunking
from console.store.packing import Columns, PackError
from console.store.rows import ChunkRow, EventKind, EventRow
from console.store.store import Store

CHUNK_S = 1.0  # a chunk is committed as soon as it is full: a crash loses at most ~1 s
MAX_BACKLOG_S = 15 * 60
DEFAULT_RATE_HZ = 2000  # bounds the backlog before the pen's rate is known
SPILL_BATCH_S = 60  # spilled at once past the bound (a quarter of the bound if that is less)

Notify = Callable[[str, str], None]  # (listener method name, message)
# Writes one session's chunks to a spill file: its path, or None when no place takes it.
Overflow = Callable[[str, list[ChunkRow]], Path | None]


@dataclass
class SessionBuffer:
    """One session's data on its way to the disk."""

    session: str
    status: str = "recording"  # set on the session once everything is written
    chunk_no: int = 0
    pending: list[Columns] = field(default_factory=list)  # samples not yet cut into chunks
    packed: list[ChunkRow] = field(default_factory=list)  # packed, waiting for the disk
    pending_events: list[EventRow] = field(default_factory=list)
    pending_passes: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    last_t_us: int | None = None

    def held_samples(self) -> int:
        return sum(r.samples for r in self.packed) + sum(len(p["seq"]) for p in self.pending)

    def empty(self) -> bool:
        return not (self.pending or self.packed or self.pending_events or self.pending_passes)


class DiskWriter:
    """The open session's buffer, ended sessions still to be written, and the disk's state."""

    def __init__(self, store: Store, notify: Notify) -> None:
        self.store = store
        self._notify = notify
        self.open: SessionBuffer | None = None
        self.closing: list[SessionBuffer] = []  # ended, but their backlog is not written yet
        self.storage_ok = True
        self.rate_hz = DEFAULT_RATE_HZ
        self.backlog_samples = 0
        self.on_finished: Callable[[str], None] = lambda session: None  # status is final
        self.overflow: Overflow = lambda session, rows: None  # set by the recorder
        self.spilled: list[Path] = []  # mid-session spill files not merged back yet

    def end(self, status: str) -> None:
        """The open session ends: it is written (or retried) like an older backlog."""
        o = self.open
        if o is not None:
            self.open = None
            o.status = status
            self.closing.append(o)
        self.commit_all(final=True)

    def per_chunk(self) -> int:
        return max(1, int(self.rate_hz * CHUNK_S))

    def commit_all(self, final: bool) -> None:
        """Ended sessions first (their data is older), then the open one."""
        for o in list(self.closing):
            if self._commit(o, final=True) and o.empty() and self._finish(o):
                self.closing.remove(o)
                self.on_finished(o.session)
        if self.open is not None:
            self._commit(self.open, final)
        held = sum(o.held_samples() for o in self.sessions())
        self.backlog_samples = held if not self.storage_ok else 0
        if held > MAX_BACKLOG_S * self.rate_hz:
            self._bound_backlog()

    def _finish(self, o: SessionBuffer) -> bool:
        return self._try(o, lambda: self.store.finish_session(o.session, o.status))

    def sessions(self) -> list[SessionBuffer]:
        return [*self.closing, *([self.open] if self.open else [])]

    def _commit(self, o: SessionBuffer, final: bool) -> bool:
        self._pack_pending(o, final)
        rows = list(o.packed)
        events = list(o.pending_events)
        passes = list(o.pending_passes)
        if not rows and not events and not passes:
            return True
        if not self._try(o, lambda: self.store.write_packed(o.session, rows, events, passes)):
            return False
        del o.packed[: len(rows)]
        del o.pending_events[: len(events)]
        del o.pending_passes[: len(passes)]
        return True

    def _pack_pending(self, o: SessionBuffer, final: bool) -> None:
        """Cut the pending samples into chunks and pack each one, exactly once."""
        merged = merge(o.pending)
        if not merged:
            return
        t_us = merged["t_us"].astype(np.int64, copy=False)
        strokes = merged["strokes"].astype(np.int64, copy=False)
        spans, rest = chunking.cut(t_us, strokes, self.per_chunk(), final)
        for start, stop in spans:
            cols = {k: v[start:stop] for k, v in merged.items()}
            try:
                o.packed.append(self.store.pack_chunk(o.session, o.chunk_no, cols))
                o.chunk_no += 1
            except PackError as exc:  # cannot happen for cut() chunks; never silent anyway
                o.pending_events.append(dropped_event(cols, f"could not be packed: {exc}"))
                self._notify("on_storage_problem", f"{stop - start} samples not stored: {exc}")
        n = len(merged["seq"])
        o.pending = [{k: v[rest:] for k, v in merged.items()}] if rest < n else []

    def _bound_backlog(self) -> None:
        """Over MAX_BACKLOG_S held in memory: the oldest chunks go to a spill file, or, if
        no place takes one, the excess is dropped with an event per chunk."""
        limit = int(MAX_BACKLOG_S * self.rate_hz)
        excess = sum(o.held_samples() for o in self.sessions()) - limit
        batch = int(min(SPILL_BATCH_S, MAX_BACKLOG_S / 4) * self.rate_hz)
        spilled = dropped = 0
        for o in self.sessions():
            if excess <= 0:
                break
            must = _take_oldest(o.packed, excess)
            extra = _take_oldest(o.packed, batch)
            excess -= sum(r.samples for r in must)
            path = self.overflow(o.session, must + extra) if must else None
            if path is not None:
                self.spilled.append(path)
                o.pending_events.append(spilled_event(must + extra, path))
                spilled += sum(r.samples for r in must + extra)
                continue
            o.packed[:0] = extra  # nowhere takes them: only the excess is lost
            for row in must:
                dropped += row.samples
                o.pending_events.append(dropped_chunk_event(row))
        if spilled:
            self._notify(
                "on_storage_problem",
                f"{spilled} samples were moved to a spill file ({self.spilled[-1]}): the disk "
                f"has refused writes for over {MAX_BACKLOG_S / 60:g} minutes. They are merged "
                "back once the disk accepts writes, or with `pen-console db recover-spill`.",
            )
        if dropped:
            self._notify(
                "on_storage_problem",
                f"{dropped} samples could not be kept: the disk has refused writes for over "
                f"{MAX_BACKLOG_S / 60:g} minutes and no other place takes a spill file. Free "
                "space now.",
            )
        self.backlog_samples -= spilled + dropped

    def _try(self, o: SessionBuffer, write: Callable[[], None]) -> bool:
        try:
            write()
        except sqlite3.Error as exc:
            if self.storage_ok:
                self.storage_ok = False
                o.pending_events.append(storage_alarm(o.last_t_us, "raised", str(exc)))
                self._notify(
                    "on_storage_problem",
                    f"recording storage is failing ({exc}). Samples are kept in memory "
                    f"(up to {MAX_BACKLOG_S / 60:g} minutes) and written as soon as the disk "
                    "accepts them: free disk space or check the drive.",
                )
            return False
        if not self.storage_ok:
            self.storage_ok = True
            target = self.open or o
            target.pending_events.append(storage_alarm(target.last_t_us, "cleared", ""))
            self._notify(
                "on_storage_recovered",
                "recording storage works again; everything held in memory is being written",
            )
        return True

    def report_unwritten(self) -> None:
        held = sum(o.held_samples() for o in self.sessions())
        if not any(not o.empty() for o in self.sessions()):
            return
        message = (
            f"the disk still refuses writes: {held} samples and the last events of session(s) "
            f"{', '.join(o.session for o in self.sessions())} could not be written. The "
            "session stays open and is marked interrupted, with everything written before, "
            "at the next start."
        )
        self._notify("on_storage_problem", message)


def storage_alarm(t_us: int | None, state: str, detail: str) -> EventRow:
    data = {"priority": "high", "condition": "storage_failing", "state": state, "detail": detail}
    return EventRow(t_us, "console", EventKind.ALARM, None, None, data)


def _take_oldest(packed: list[ChunkRow], samples: int) -> list[ChunkRow]:
    """Removes and returns the oldest chunks holding at least `samples` (or all of them)."""
    taken: list[ChunkRow] = []
    while samples > 0 and packed:
        taken.append(packed.pop(0))
        samples -= taken[-1].samples
    return taken


def _range(rows: list[ChunkRow]) -> dict[str, int]:
    return {
        "samples": sum(r.samples for r in rows),
        "first_seq": rows[0].first_seq,
        "last_seq": rows[-1].last_seq,
        "t_first_us": rows[0].t_first_us,
        "t_last_us": rows[-1].t_last_us,
    }


def spilled_event(rows: list[ChunkRow], path: Path) -> EventRow:
    data: dict[str, Any] = {**_range(rows), "file": str(path)}
    return EventRow(
        rows[0].t_first_us, "console", EventKind.SAMPLES_SPILLED, None, data["samples"], data
    )


def dropped_chunk_event(row: ChunkRow) -> EventRow:
    data: dict[str, Any] = {
        **_range([row]),
        "reason": "the disk refused writes for longer than the "
        f"{MAX_BACKLOG_S / 60:g}-minute memory buffer and no place took a spill file",
    }
    return EventRow(row.t_first_us, "console", EventKind.SAMPLES_DROPPED, None, row.samples, data)


def dropped_event(cols: Columns, reason: str) -> EventRow:
    n = len(cols["seq"])
    data = {"samples": n, "first_seq": int(cols["seq"][0]), "reason": reason}
    return EventRow(int(cols["t_us"][0]), "console", EventKind.SAMPLES_DROPPED, None, n, data)


def merge(parts: list[Columns]) -> Columns:
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
