"""The session store: one SQLite file (WAL, synchronous=FULL) reached through sqlite-utils.

Opening migrates forward and refuses a database from a newer console. Every write is
one short transaction; the recorder is the only writer of telemetry.
"""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from console.store import packing
from console.store.audit import AuditTrail
from console.store.ceilings import CeilingTable
from console.store.db import Db
from console.store.keys import ChainHead, HeadFile
from console.store.schema import MIGRATIONS, SCHEMA_VERSION, SEALS_SINCE
from console.store.signatures import HASH_VERSION, SignatureTable, content_hash
from console.store.users import UserTable
from drivers.messages import Status

SESSION_STATUSES = ("recording", "complete", "interrupted", "signed")

ChunkRow = tuple[Any, ...]  # a telemetry_chunks row, in insert order; [6] is `samples`
# (t_us, source, kind, code, arg, data) of one events row
EventRow = tuple[int | None, str, str, int | None, int | None, dict[str, Any]]


# The chunk summary columns a session's content hash covers (version 2).
SUMMARY_COLUMNS = (
    "depth_meas_min_um",
    "depth_meas_max_um",
    "depth_meas_mean_um",
    "strokes_delta",
    "contact_ms",
)


class StoreError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class SessionFilter:
    since_utc: str | None = None
    until_utc: str | None = None
    practitioner: str | None = None
    patient_code: str | None = None
    status: str | None = None
    text: str | None = None  # searched in notes
    has_alarms: bool = False
    has_link_gaps: bool = False


def _is_access_problem(exc: sqlite3.DatabaseError) -> bool:
    """Permissions, locks and I/O: the file may be fine, the access is not."""
    words = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and not any(
        w in words for w in ("not a database", "malformed", "encrypted")
    )


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def local_tz_name() -> str:
    return str(datetime.now().astimezone().tzname() or "UTC")


class Store:
    def __init__(self, path: str | Path, *, key_dir: Path | None = None) -> None:
        """`key_dir` holds the installation key and chain heads (default: the per-user
        data directory, or $PEN_CONSOLE_KEY_DIR)."""
        self.path = Path(path)
        self.key_dir = key_dir
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the database {self.path}: {exc}. Check the folder exists and "
                "is writable, or pass another file with --db."
            ) from exc
        self._db = Db(self.path, conn, key_dir)
        self.conn = conn
        self.lock = self._db.lock  # one connection, shared by the writer and readers
        self.users = UserTable(self._db)
        self.audit = AuditTrail(self._db)
        self.signatures = SignatureTable(self._db)
        self.ceilings = CeilingTable(self._db)
        try:
            self._refuse_unusable()  # before any PRAGMA that would rewrite the file header
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_access_problem(exc):
                raise StoreError(
                    f"cannot use the database {self.path} ({exc}). Check that the file and "
                    "its folder are writable and that no other program holds it, or pass "
                    "another file with --db."
                ) from exc
            raise StoreError(
                f"{self.path} is not a Pen Console database, or it is damaged ({exc}). "
                "Nothing was changed. Restore it from a backup (pen-console db backup), "
                "or move it aside to start a new one."
            ) from exc
        self.db = sqlite_utils.Database(conn)

    def open_another(self) -> Store:
        """A second Store on the same file with a connection of its own (for a writer
        thread whose transactions must not mix with other threads' on `conn`)."""
        return Store(self.path, key_dir=self.key_dir)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction for several store calls (a change and its audit row)."""
        return self._db.transaction()

    def anchor_copy(self, copy: Path, head: ChainHead | None) -> None:
        """Record `head` as the chain head of the database copy at `copy` (a backup)."""
        HeadFile(copy, self._db.key).reset(head)

    def chain_head_file(self) -> tuple[ChainHead | None, str | None]:
        """This database's chain head as kept outside it, or a sentence why not."""
        return self._db.head.read()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # ------------------------------------------------------------ schema

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_unusable(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise StoreError(
                f"{self.path} was written by a newer Pen Console (schema {version}; this "
                f"console knows up to {SCHEMA_VERSION}). Update this console to open it; "
                "nothing was changed."
            )
        if version == 0:
            foreign = self.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if foreign:
                self.conn.close()
                raise StoreError(
                    f"{self.path} is an SQLite database of another program (it has tables "
                    "but no Pen Console schema version). Nothing was changed; pass another "
                    "file with --db."
                )

    def _migrate(self) -> None:
        version = self.schema_version
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.conn.executescript(
                f"BEGIN;\n{MIGRATIONS[target - 1]}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
        if 0 < version < SEALS_SINCE <= SCHEMA_VERSION:
            self.audit.mark_keyed()
            self._seal_ended("upgrade")

    def _seal_ended(self, reason: str) -> None:
        """Seal the ended sessions of a database from before seals (once, at upgrade)."""
        rows = self.conn.execute(
            "SELECT uuid FROM sessions WHERE status IN ('complete', 'interrupted', 'signed')"
        ).fetchall()
        for (session,) in rows:
            self.seal(str(session), reason)

    # ------------------------------------------------------------ people

    def practitioner_id(self, display_name: str) -> int:
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO practitioners (display_name) VALUES (?)", (display_name,)
            )
            row = self.conn.execute(
                "SELECT id FROM practitioners WHERE display_name = ?", (display_name,)
            ).fetchone()
        return int(row[0])

    def patient_id(self, code: str, **details: Any) -> int:
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO patients (code) VALUES (?)", (code,))
            if details:
                sets = ", ".join(f"{k} = ?" for k in details)
                self.conn.execute(
                    f"UPDATE patients SET {sets} WHERE code = ?", (*details.values(), code)
                )
            row = self.conn.execute("SELECT id FROM patients WHERE code = ?", (code,)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------ sessions

    def create_session(
        self,
        patient_code: str,
        practitioner: str,
        *,
        plan_name: str | None = None,
        notes: str = "",
        pen: dict[str, Any] | None = None,
    ) -> str:
        session = str(uuidlib.uuid4())
        pen = pen or {}
        patient = self.patient_id(patient_code)
        practitioner_id = self.practitioner_id(practitioner)
        with self.transaction():
            self.conn.execute(
                "INSERT INTO sessions (uuid, patient_id, practitioner_id, pen_serial, pen_model,"
                " pen_firmware, cartridge_needles, cartridge_gauge, started_utc, tz, status,"
                " plan_name, notes) VALUES (?,?,?,?,?,?,?,?,?,?,'recording',?,?)",
                (
                    session,
                    patient,
                    practitioner_id,
                    pen.get("serial"),
                    pen.get("model"),
                    pen.get("firmware"),
                    pen.get("needles"),
                    pen.get("gauge"),
                    utc_now(),
                    local_tz_name(),
                    plan_name,
                    notes,
                ),
            )
        return session

    def update_session(self, session: str, **fields: Any) -> None:
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction():
            self.conn.execute(
                f"UPDATE sessions SET {sets} WHERE uuid = ?", (*fields.values(), session)
            )

    def finish_session(self, session: str, status: str = "complete") -> None:
        """The session's status and end time, and its seal in the audit trail."""
        with self.transaction():
            self.update_session(session, status=status, ended_utc=utc_now())
            self.seal(session, status)

    def seal(self, session: str, reason: str, by: str = "console") -> str:
        """Write the session's content hash into the audit trail (`session.seal`): from
        now on `db check` reports any change to it that has no later seal."""
        with self.transaction():
            digest = content_hash(self, session)
            self.audit.append(
                by,
                "session.seal",
                f"session:{session}",
                None,
                {"sha256": digest, "hash_version": HASH_VERSION, "reason": reason},
            )
        return digest

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

    def mark_interrupted(self) -> list[dict[str, Any]]:
        """Sessions left `recording` by a crash become `interrupted`; returns them."""
        with self.lock:
            stuck = self.sessions(SessionFilter(status="recording"))
            for s in stuck:
                last = self.conn.execute(
                    "SELECT max(t_last_us) FROM telemetry_chunks WHERE session_uuid = ?",
                    (s["uuid"],),
                ).fetchone()[0]
                with self.transaction():
                    self.conn.execute(
                        "UPDATE sessions SET status = 'interrupted' WHERE uuid = ?", (s["uuid"],)
                    )
                    self._insert_event(
                        s["uuid"],
                        None,
                        "console",
                        "session_interrupted",
                        None,
                        None,
                        {"last_t_us": last, "found_utc": utc_now()},
                    )
                    self.seal(s["uuid"], "interrupted")
        return stuck

    def resolve_session(self, prefix: str) -> str:
        rows = self.conn.execute(
            "SELECT uuid FROM sessions WHERE uuid LIKE ? ORDER BY started_utc",
            (prefix.lower() + "%",),
        ).fetchall()
        if not rows:
            raise StoreError(f"no session starts with {prefix!r}; list them with `sessions`")
        if len(rows) > 1:
            raise StoreError(f"{prefix!r} matches {len(rows)} sessions; give more characters")
        return str(rows[0][0])

    def session(self, session: str) -> dict[str, Any]:
        rows = self._session_rows("WHERE s.uuid = ?", [session])
        if not rows:
            raise StoreError(f"no session {session}")
        return rows[0]

    def sessions(self, filt: SessionFilter | None = None) -> list[dict[str, Any]]:
        f = filt or SessionFilter()
        where, args = [], []
        for clause, value in (
            ("s.started_utc >= ?", f.since_utc),
            ("s.started_utc < ?", f.until_utc),
            ("pr.display_name = ?", f.practitioner),
            ("pa.code = ?", f.patient_code),
            ("s.status = ?", f.status),
        ):
            if value:
                where.append(clause)
                args.append(value)
        if f.text:
            where.append("s.notes LIKE ?")
            args.append(f"%{f.text}%")
        if f.has_alarms:
            where.append(
                "EXISTS (SELECT 1 FROM events e WHERE e.session_uuid = s.uuid AND e.kind = 'alarm')"
            )
        if f.has_link_gaps:
            where.append(
                "EXISTS (SELECT 1 FROM events e WHERE e.session_uuid = s.uuid"
                " AND e.kind IN ('link_gap', 'seq_gap'))"
            )
        return self._session_rows(("WHERE " + " AND ".join(where)) if where else "", args)

    def _session_rows(self, where: str, args: list[Any]) -> list[dict[str, Any]]:
        sql = (
            "SELECT s.*, pa.code AS patient_code, pr.display_name AS practitioner,"
            " (SELECT coalesce(sum(samples), 0) FROM telemetry_chunks c"
            "  WHERE c.session_uuid = s.uuid) AS samples,"
            " (SELECT count(*) FROM events e WHERE e.session_uuid = s.uuid) AS events"
            " FROM sessions s LEFT JOIN patients pa ON pa.id = s.patient_id"
            f" LEFT JOIN practitioners pr ON pr.id = s.practitioner_id {where}"
            " ORDER BY s.started_utc"
        )
        with self.lock:
            cur = self.conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur]

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
            for t_us, source, kind, code, arg, data in events:
                self._insert_event(session, t_us, source, kind, code, arg, data)
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
        return (
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

    def load_telemetry(self, session: str) -> packing.Columns:
        """The whole session's samples as numpy columns (telemetry + zone + pass_no)."""
        return packing.unpack_many(list(self.chunk_blobs(session)))

    # ------------------------------------------------------------ events and passes

    def _insert_event(
        self,
        session: str,
        t_us: int | None,
        source: str,
        kind: str,
        code: int | None,
        arg: int | None,
        data: dict[str, Any],
    ) -> None:
        self.conn.execute(
            "INSERT INTO events (session_uuid, at_utc, t_us, source, kind, code, arg, data)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (session, utc_now(), t_us, source, kind, code, arg, json.dumps(data, default=str)),
        )

    def add_event(
        self,
        session: str,
        kind: str,
        *,
        t_us: int | None = None,
        source: str = "console",
        code: int | None = None,
        arg: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction():
            self._insert_event(session, t_us, source, kind, code, arg, data or {})

    def events(self, session: str) -> list[dict[str, Any]]:
        with self.lock:
            cur = self.conn.execute(
                "SELECT id, at_utc, t_us, source, kind, code, arg, data FROM events"
                " WHERE session_uuid = ? ORDER BY id",
                (session,),
            )
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur]
        for r in rows:
            r["data"] = json.loads(r["data"])
        return rows

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

    def passes(self, session: str, include_undone: bool = False) -> list[dict[str, Any]]:
        sql = "SELECT * FROM zone_passes WHERE session_uuid = ?"
        if not include_undone:
            sql += " AND undone = 0"
        with self.lock:
            cur = self.conn.execute(sql + " ORDER BY id", (session,))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur]
