"""Sessions, patients and practitioners: the SQL behind a session's life (create,
update, end and seal, interrupted at the next start, find, list). A mixin of Store."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any, cast

from console.store import liveness
from console.store.base import StoreBase
from console.store.rows import (
    EventKind,
    EventRow,
    SessionFilter,
    SessionRecord,
    StoreError,
    local_tz_name,
    utc_now,
)
from console.store.signatures import check_seal, seal_words


class SessionsMixin(StoreBase):
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
        session: str | None = None,
        simulated: bool = False,
    ) -> str:
        # The recorder passes the uuid it already holds the liveness lock for.
        session = session or str(uuidlib.uuid4())
        pen = pen or {}
        patient = self.patient_id(patient_code)
        practitioner_id = self.practitioner_id(practitioner)
        with self.transaction():
            self.conn.execute(
                "INSERT INTO sessions (uuid, patient_id, practitioner_id, pen_serial, pen_model,"
                " pen_firmware, cartridge_needles, cartridge_gauge, started_utc, tz, status,"
                " plan_name, notes, simulated) VALUES (?,?,?,?,?,?,?,?,?,?,'recording',?,?,?)",
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
                    int(simulated),
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
            words = seal_words(self, session)
            self.audit.append(
                by, "session.seal", f"session:{session}", None, {**words, "reason": reason}
            )
        return str(words["sha256"])

    def reseal_if_ended(self, session: str, reason: str, by: str) -> None:
        """A record added to an ended session (an after photo, a lot typed late) is
        sealed with it, inside the caller's transaction; a recording one is sealed when it
        ends. A signed session takes no additions (the schema's triggers). Callers
        run `check_unchanged` before adding, so a seal never covers an edit made behind
        the console's back."""
        if self.session(session)["status"] in ("complete", "interrupted"):
            self.seal(session, reason, by=by)

    def check_unchanged(self, session: str) -> None:
        """SealBroken (a StoreError naming the changed part) when `session` no longer
        matches its last seal or signature."""
        check_seal(self, session)

    def mark_interrupted(self) -> list[SessionRecord]:
        """Sessions left `recording` by a dead recorder become `interrupted` and are
        sealed; returns them. A session whose recorder still holds its liveness lock
        (another process recording into the same file) is left alone.

        A session `recording` that was sealed before (an ended session set back behind
        the console's back) or that has no `session.start` audit row (one inserted behind
        its back) is not sealed, so its edits are not laundered: it is left as it is and
        named in `self.not_sealed`, one sentence each."""
        self.not_sealed = []
        sealed: list[SessionRecord] = []
        with self.lock:
            for s in self._session_rows("WHERE s.status = 'recording'", []):
                why = self._close_dead(s)
                if why is not None:
                    self.not_sealed.append(why)
                elif s["status_now"] == "interrupted":
                    sealed.append(s)
        return sealed

    def close_if_dead(self, session: str) -> str | None:
        """`mark_interrupted` for one session, for whoever acts on it now (sign, follow
        up, review) rather than at the next start. None when it was closed or needed no
        closing; the sentence why when it could not be sealed (it stays `recording`)."""
        with self.lock:
            rows = self._session_rows("WHERE s.uuid = ? AND s.status = 'recording'", [session])
            return self._close_dead(rows[0]) if rows else None

    def _close_dead(self, s: SessionRecord) -> str | None:
        if s["status_now"] != "interrupted":  # its recorder is alive
            return None
        why = self._unsealable(s["uuid"])
        if why is not None:
            return (
                f"session {s['uuid']} is marked recording but {why}, so it was not "
                "sealed as interrupted; run `pen-console db check`"
            )
        last = self.conn.execute(
            "SELECT max(t_last_us) FROM telemetry_chunks WHERE session_uuid = ?",
            (s["uuid"],),
        ).fetchone()[0]
        with self.transaction():
            self.conn.execute(
                "UPDATE sessions SET status = 'interrupted' WHERE uuid = ?", (s["uuid"],)
            )
            self._insert_event(  # dated at the last stored sample, not when it was found
                s["uuid"],
                EventRow(
                    last,
                    "console",
                    EventKind.SESSION_INTERRUPTED,
                    None,
                    None,
                    {"last_t_us": last, "found_utc": utc_now()},
                ),
            )
            self.seal(s["uuid"], "interrupted")
        liveness.forget(self.path, s["uuid"])
        return None

    def _unsealable(self, session: str) -> str | None:
        actions = {e.action for e in self.audit.entries(f"session:{session}")}
        if actions & {"session.seal", "sign"}:
            return "it was sealed as ended before (its status was set back)"
        if "session.start" not in actions:
            return "the audit trail has no session.start row for it (it was inserted)"
        return None

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

    def session(self, session: str) -> SessionRecord:
        rows = self._session_rows("WHERE s.uuid = ?", [session])
        if not rows:
            raise StoreError(f"no session {session}")
        return rows[0]

    def sessions(self, filt: SessionFilter | None = None) -> list[SessionRecord]:
        f = filt or SessionFilter()
        where, args = [], []
        for clause, value in (
            ("s.started_utc >= ?", f.since_utc),
            ("s.started_utc < ?", f.until_utc),
            ("pr.display_name = ?", f.practitioner),
            ("pa.code = ?", f.patient_code),
        ):
            if value:
                where.append(clause)
                args.append(value)
        if f.text:  # the trigram index (session_notes) answers LIKE from 3 characters on
            if len(f.text) >= 3:
                where.append("s.uuid IN (SELECT uuid FROM session_notes WHERE notes LIKE ?)")
            else:
                where.append("s.notes LIKE ?")
            args.append(f"%{f.text}%")
        if f.has_alarms:  # session_totals is kept by triggers (scale_schema.py)
            where.append("t.alarms > 0")
        if f.has_link_gaps:
            where.append("t.link_gaps > 0")
        if f.status:  # a dead recorder's `recording` reads as interrupted (liveness)
            statuses = ("interrupted", "recording") if f.status == "interrupted" else (f.status,)
            where.append(f"s.status IN ({', '.join('?' * len(statuses))})")
            args += statuses
        rows = self._session_rows(("WHERE " + " AND ".join(where)) if where else "", args)
        return [r for r in rows if not f.status or r["status_now"] == f.status]

    def _session_rows(self, where: str, args: list[Any]) -> list[SessionRecord]:
        sql = (
            "SELECT s.*, pa.code AS patient_code, pr.display_name AS practitioner,"
            " coalesce(t.samples, 0) AS samples, coalesce(t.events, 0) AS events"
            " FROM sessions s LEFT JOIN patients pa ON pa.id = s.patient_id"
            " LEFT JOIN practitioners pr ON pr.id = s.practitioner_id"
            f" LEFT JOIN session_totals t ON t.session_uuid = s.uuid {where}"
            " ORDER BY s.started_utc"
        )
        with self.lock:
            cur = self.conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            rows = [cast(SessionRecord, dict(zip(names, row, strict=True))) for row in cur]
        for r in rows:  # what to show: a dead recorder's session is interrupted at once
            r["status_now"] = liveness.effective_status(self.path, r["uuid"], r["status"])
        return rows
