"""Telemetry chunks, events and passes: the SQL of what a session records. The
recorder's writer thread is the only writer of chunks. A mixin of Store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, cast

import numpy as np

from console.store import packing, summaries
from console.store.base import StoreBase
from console.store.rows import ChunkRow, EventKind, EventRecord, EventRow, StoredPass, utc_now
from drivers.messages import Status

# The chunk summary columns a session's content hash covers (version 2).
SUMMARY_COLUMNS = (
    "depth_meas_min_um",
    "depth_meas_max_um",
    "depth_meas_mean_um",
    "strokes_delta",
    "contact_ms",
)


class TelemetryMixin(StoreBase):
    # ------------------------------------------------------------ telemetry

    def write_chunk(self, session: str, chunk_no: int, columns: packing.Columns) -> None:
        self.write_batch(session, [(chunk_no, columns)], [])

    def write_batch(
        self,
        session: str,
        chunks: Iterable[tuple[int, packing.Columns]],
        events: Iterable[EventRow],
        passes: Iterable[tuple[dict[str, Any], bool]] = (),
    ) -> None:
        """Chunks, events and passes in one transaction: all of them land, or none do."""
        rows = [self.pack_chunk(session, no, cols) for no, cols in chunks]
        self.write_packed(session, rows, events, passes)

    def write_packed(
        self,
        session: str,
        rows: list[ChunkRow],
        events: Iterable[EventRow],
        passes: Iterable[tuple[dict[str, Any], bool]] = (),
    ) -> None:
        """Chunks already packed by `pack_chunk`, with events and passes, in one transaction.

        The recorder packs each chunk once and retries only this step while the disk
        refuses writes."""
        with self.transaction():
            if rows:
                self.conn.executemany(
                    "INSERT INTO telemetry_chunks (session_uuid, chunk_no, first_seq, last_seq,"
                    " t_first_us, t_last_us, samples, depth_meas_min_um, depth_meas_max_um,"
                    " depth_meas_mean_um, strokes_delta, contact_ms, data)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                summaries.insert(self.conn, rows)  # the review's overview and zoom levels
            for event in events:
                self._insert_event(session, event)
            for row, undone in passes:
                if undone:
                    self.conn.execute(
                        "UPDATE zone_passes SET undone = 1 WHERE id = (SELECT max(id) FROM"
                        " zone_passes WHERE session_uuid = ? AND zone = ? AND pass_no = ?"
                        " AND undone = 0)",
                        (session, row["zone"], row["pass_no"]),
                    )
                else:
                    self._insert_pass(session, row)

    @staticmethod
    def pack_chunk(session: str, chunk_no: int, cols: packing.Columns) -> ChunkRow:
        """The telemetry_chunks row for one chunk: summary columns and the packed blob."""
        n = len(cols["seq"])
        meas = np.asarray(cols["depth_meas_um"], np.int64)
        running = meas[meas > 0]
        t_us = np.asarray(cols["t_us"], np.int64)
        contact = (np.asarray(cols["status"], np.int64) & int(Status.SKIN_CONTACT)) != 0
        # contact time: sum of sample intervals that start in contact
        dt_us = np.diff(t_us, append=t_us[-1:]) if n else t_us
        contact_ms = int(dt_us[contact].sum() // 1000) if n else 0
        strokes = np.asarray(cols["strokes"], np.int64)
        return ChunkRow(
            session,
            chunk_no,
            int(cols["seq"][0]),
            int(cols["seq"][-1]),
            int(t_us[0]),
            int(t_us[-1]),
            n,
            int(running.min()) if running.size else None,
            int(running.max()) if running.size else None,
            float(running.mean()) if running.size else None,
            int(strokes[-1] - strokes[0]),
            contact_ms,
            packing.pack(cols),
        )

    def chunk_blobs(self, session: str) -> Iterator[bytes]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT data FROM telemetry_chunks WHERE session_uuid = ? ORDER BY chunk_no",
                (session,),
            ).fetchall()
        for (blob,) in rows:
            yield blob

    def chunk_numbers(self, session: str) -> list[int]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT chunk_no FROM telemetry_chunks WHERE session_uuid = ?", (session,)
            ).fetchall()
        return [int(r[0]) for r in rows]

    def load_telemetry(self, session: str, only: frozenset[str] | None = None) -> packing.Columns:
        """The whole session's samples as numpy columns (telemetry + zone + pass_no), or
        `only` the columns named."""
        return packing.unpack_many(list(self.chunk_blobs(session)), only)

    def chunk_digest_rows(
        self, session: str, *, summaries: bool = True
    ) -> list[tuple[list[object], bytes]]:
        """Per chunk: its numbers (no, seqs, times, samples, and the summary columns
        unless `summaries` is false) and its blob, for hashing."""
        extra = SUMMARY_COLUMNS if summaries else ()
        rows = self._db.query(
            "SELECT data, chunk_no, first_seq, last_seq, t_first_us, t_last_us, samples"
            + "".join(f", {c}" for c in extra)
            + " FROM telemetry_chunks WHERE session_uuid = ? ORDER BY chunk_no",
            (session,),
        )
        return [(list(r[1:]), bytes(r[0])) for r in rows]

    def chunk_summary_rows(self, session: str) -> list[tuple[int, int, int, int, bytes, bytes]]:
        """Per chunk that has one: its summary (no, times, samples, coarse, fine)."""
        rows = self._db.query(
            "SELECT chunk_no, t_first_us, t_last_us, samples, coarse, fine FROM chunk_summaries"
            " WHERE session_uuid = ? ORDER BY chunk_no",
            (session,),
        )
        return [(int(a), int(b), int(c), int(d), bytes(e), bytes(f)) for a, b, c, d, e, f in rows]

    # ------------------------------------------------------------ events and passes

    def _insert_event(self, session: str, e: EventRow) -> None:
        self.conn.execute(
            "INSERT INTO events (session_uuid, at_utc, t_us, source, kind, code, arg, data)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                session,
                utc_now(),
                e.t_us,
                e.source,
                str(e.kind),
                e.code,
                e.arg,
                json.dumps(e.data, default=str),
            ),
        )

    def add_event(
        self,
        session: str,
        kind: EventKind,
        *,
        t_us: int | None = None,
        source: str = "console",
        code: int | None = None,
        arg: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction():
            self._insert_event(session, EventRow(t_us, source, kind, code, arg, data or {}))

    def events(self, session: str) -> list[EventRecord]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, at_utc, t_us, source, kind, code, arg, data FROM events"
                " WHERE session_uuid = ? ORDER BY id",
                (session,),
            ).fetchall()
        return [
            EventRecord(
                id=event_id,
                at_utc=at_utc,
                t_us=t_us,
                source=source,
                kind=EventKind.read(kind),
                code=code,
                arg=arg,
                data=json.loads(data),
            )
            for event_id, at_utc, t_us, source, kind, code, arg, data in rows
        ]

    def add_pass(self, session: str, row: dict[str, Any]) -> int:
        with self.transaction():
            return self._insert_pass(session, row)

    def _insert_pass(self, session: str, row: dict[str, Any]) -> int:
        cur = self.conn.execute(
            "INSERT INTO zone_passes (session_uuid, zone, pass_no, started_t_us, ended_t_us,"
            " strokes, contact_ms, depth_mean_um, depth_max_um) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                session,
                row["zone"],
                row["pass_no"],
                row["started_t_us"],
                row["ended_t_us"],
                row["strokes"],
                row["contact_ms"],
                row.get("depth_mean_um"),
                row.get("depth_max_um"),
            ),
        )
        return int(cur.lastrowid or 0)

    def undo_pass(self, pass_id: int) -> None:
        with self.transaction():
            self.conn.execute("UPDATE zone_passes SET undone = 1 WHERE id = ?", (pass_id,))

    def passes(self, session: str, include_undone: bool = False) -> list[StoredPass]:
        sql = "SELECT * FROM zone_passes WHERE session_uuid = ?"
        if not include_undone:
            sql += " AND undone = 0"
        with self.lock:
            cur = self.conn.execute(sql + " ORDER BY id", (session,))
            names = [d[0] for d in cur.description]
            return [cast(StoredPass, dict(zip(names, r, strict=True))) for r in cur]
