"""The review window's session list, one page at a time (issue 12 and issue 15, "Scale").

A clinic's database holds years of sessions, so the list never loads them all: the
window asks for the count and one sorted page (`session_page`), and for more pages as the
table scrolls. Sorting and filtering happen here, in SQL; the page's extra details (the
highest alarm priority, a dead recorder's status) are read for that page's rows only.

Matching is case-insensitive: the patient filter matches the start of a code or a name,
the practitioner filter the whole name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from console.store import liveness
from console.store.rows import SessionFilter
from console.store.store import Store


class SessionColumn(enum.IntEnum):
    """The list's columns, in the order shown (the value is the column index)."""

    PATIENT = 0
    STARTED = 1
    PRACTITIONER = 2
    PLAN = 3
    DURATION = 4
    STATUS = 5
    SIGNED = 6
    ALARMS = 7
    LINK_GAPS = 8


# Seconds from start to end; a session without an end (interrupted, recording) counts
# its telemetry's span. coalesce() stops at the first non-NULL, so the subquery runs only
# for those few.
_DURATION_S = (
    "coalesce((julianday(s.ended_utc) - julianday(s.started_utc)) * 86400.0,"
    " (SELECT (max(c.t_last_us) - min(c.t_first_us)) / 1e6 FROM telemetry_chunks c"
    " WHERE c.session_uuid = s.uuid))"
)

_SORT_SQL: dict[SessionColumn, tuple[str, ...]] = {
    SessionColumn.PATIENT: ("pa.code COLLATE NOCASE",),
    SessionColumn.STARTED: ("s.started_utc",),
    SessionColumn.PRACTITIONER: ("pr.display_name COLLATE NOCASE",),
    SessionColumn.PLAN: ("s.plan_name COLLATE NOCASE",),
    SessionColumn.DURATION: ("duration_s",),
    SessionColumn.STATUS: ("status_now",),
    SessionColumn.SIGNED: ("g.meaning", "g.signer COLLATE NOCASE"),
    SessionColumn.ALARMS: ("coalesce(t.alarms, 0)",),
    SessionColumn.LINK_GAPS: ("coalesce(t.link_gaps, 0)",),
}

_FROM = (
    " FROM sessions s LEFT JOIN patients pa ON pa.id = s.patient_id"
    " LEFT JOIN practitioners pr ON pr.id = s.practitioner_id"
    " LEFT JOIN session_totals t ON t.session_uuid = s.uuid"
)

# The latest signature of each signed session (few rows: materialised once per query).
_LAST_SIGNATURE = (
    " LEFT JOIN (SELECT session_uuid, max(id) AS id FROM signatures GROUP BY session_uuid)"
    " last ON last.session_uuid = s.uuid LEFT JOIN signatures g ON g.id = last.id"
)


@dataclass(frozen=True, slots=True)
class SessionSort:
    column: SessionColumn = SessionColumn.STARTED
    descending: bool = True  # the newest first


@dataclass(frozen=True, slots=True)
class SessionListRow:
    """One row of the list, as shown (times in UTC; the window shows them local)."""

    uuid: str
    patient_code: str | None
    patient_name: str | None
    started_utc: str
    practitioner: str | None
    plan_name: str | None
    duration_s: float | None
    status: str  # as readers show it: a dead recorder's session is interrupted
    signer: str | None
    meaning: str | None
    signed_utc: str | None
    alarms: int
    highest_alarm: str | None  # "high", "medium" or "low"; None without alarms
    link_gaps: int
    simulated: bool  # recorded from the virtual pen: not a treatment (H-35)
    interrupted: bool = False  # signed after its recorder died: still says so


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _dead_recordings(store: Store) -> list[str]:
    """Sessions marked recording whose recorder is gone (they read as interrupted)."""
    with store.lock:
        rows = store.conn.execute("SELECT uuid FROM sessions WHERE status = 'recording'")
        recording = [str(r[0]) for r in rows]
    return [u for u in recording if not liveness.is_live(store.path, u)]


def _status_sql(dead: list[str]) -> tuple[str, list[Any]]:
    if not dead:
        return "s.status", []
    return f"CASE WHEN s.uuid IN ({', '.join('?' * len(dead))}) THEN 'interrupted' " + (
        "ELSE s.status END"
    ), list(dead)


def _where(f: SessionFilter, status_sql: str, status_args: list[Any]) -> tuple[str, list[Any]]:
    """The WHERE clause and its arguments, in the order of their placeholders (the status
    expression's own arguments go where it is used)."""
    where: list[str] = []
    args: list[Any] = []
    for clause, value in (
        ("s.started_utc >= ?", f.since_utc),
        ("s.started_utc < ?", f.until_utc),
        ("pr.display_name = ? COLLATE NOCASE", f.practitioner),
    ):
        if value:
            where.append(clause)
            args.append(value)
    if f.patient_code:
        where.append(
            "s.patient_id IN (SELECT id FROM patients WHERE code LIKE ? ESCAPE '\\'"
            " OR name LIKE ? ESCAPE '\\')"
        )
        args += [_like_prefix(f.patient_code)] * 2
    if f.text:  # the trigram index answers LIKE (case-insensitive) from 3 characters on
        # % and _ typed in the search are the characters themselves, not wildcards; the
        # ESCAPE clause is added only when needed (the trigram index answers plain LIKE).
        escape = " ESCAPE '\\'" if any(c in f.text for c in "%_\\") else ""
        pattern = f"%{_like_prefix(f.text)}" if escape else f"%{f.text}%"
        if len(f.text) >= 3:
            where.append(f"s.uuid IN (SELECT uuid FROM session_notes WHERE notes LIKE ?{escape})")
        else:
            where.append(f"s.notes LIKE ?{escape}")
        args.append(pattern)
    if f.has_alarms:
        where.append("t.alarms > 0")
    if f.has_link_gaps:
        where.append("t.link_gaps > 0")
    if f.status:
        where.append(f"({status_sql}) = ?")
        args += [*status_args, f.status]
    return ("WHERE " + " AND ".join(where)) if where else "", args


def session_count(store: Store, f: SessionFilter) -> int:
    status_sql, status_args = _status_sql(_dead_recordings(store) if f.status else [])
    where, args = _where(f, status_sql, status_args)
    with store.lock:
        row = store.conn.execute(f"SELECT count(*){_FROM} {where}", args).fetchone()
    return int(row[0])


def session_page(
    store: Store, f: SessionFilter, sort: SessionSort, offset: int, limit: int
) -> list[SessionListRow]:
    """Rows offset .. offset+limit of the filtered list in `sort` order (ties: newest
    first, then by uuid, so pages never overlap or skip)."""
    status_sql, status_args = _status_sql(_dead_recordings(store))
    where, args = _where(f, status_sql, status_args)
    direction = "DESC" if sort.descending else "ASC"
    order = ", ".join(f"{part} {direction}" for part in _SORT_SQL[sort.column])
    sql = (
        "SELECT s.uuid, pa.code, pa.name, s.started_utc, pr.display_name, s.plan_name,"
        f" {_DURATION_S} AS duration_s, {status_sql} AS status_now, g.signer, g.meaning,"
        " g.signed_utc, coalesce(t.alarms, 0), coalesce(t.link_gaps, 0), s.simulated"
        f"{_FROM}{_LAST_SIGNATURE} {where}"
        f" ORDER BY {order}, s.started_utc DESC, s.uuid LIMIT ? OFFSET ?"
    )
    with store.lock:
        # The status expression's arguments: once in SELECT, again in WHERE when filtered.
        rows = store.conn.execute(sql, [*status_args, *args, limit, offset]).fetchall()
        highest = _highest_alarms(store, [str(r[0]) for r in rows if r[11]])
        interrupted = _interrupted(store, [str(r[0]) for r in rows if r[7] == "signed"])
    return [
        SessionListRow(
            uuid=r[0],
            patient_code=r[1],
            patient_name=r[2],
            started_utc=r[3],
            practitioner=r[4],
            plan_name=r[5],
            duration_s=None if r[6] is None else float(r[6]),
            status=r[7],
            signer=r[8],
            meaning=r[9],
            signed_utc=r[10],
            alarms=int(r[11]),
            highest_alarm=highest.get(r[0]),
            link_gaps=int(r[12]),
            simulated=bool(r[13]),
            interrupted=r[0] in interrupted,
        )
        for r in rows
    ]


_PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3}


def _highest_alarms(store: Store, sessions: list[str]) -> dict[str, str]:
    if not sessions:
        return {}
    rows = store.conn.execute(
        "SELECT session_uuid, json_extract(data, '$.priority') FROM events"
        f" WHERE kind = 'alarm' AND session_uuid IN ({', '.join('?' * len(sessions))})",
        sessions,
    )
    out: dict[str, str] = {}
    for session, priority in rows:
        if priority in _PRIORITY_RANK and _PRIORITY_RANK[priority] > _PRIORITY_RANK.get(
            out.get(session, ""), 0
        ):
            out[session] = priority
    return out


def _interrupted(store: Store, sessions: list[str]) -> set[str]:
    """Which of `sessions` have a session_interrupted event (the page's signed ones)."""
    if not sessions:
        return set()
    rows = store.conn.execute(
        "SELECT DISTINCT session_uuid FROM events WHERE kind = 'session_interrupted'"
        f" AND session_uuid IN ({', '.join('?' * len(sessions))})",
        sessions,
    )
    return {str(r[0]) for r in rows}


def practitioner_names(store: Store) -> list[str]:
    with store.lock:
        rows = store.conn.execute(
            "SELECT display_name FROM practitioners ORDER BY display_name COLLATE NOCASE"
        ).fetchall()
    return [str(r[0]) for r in rows]


def patient_words(store: Store) -> list[str]:
    """Every patient's code, and name where known: what the patient filter completes."""
    with store.lock:
        rows = store.conn.execute("SELECT code, name FROM patients ORDER BY code").fetchall()
    words = [str(code) for code, _ in rows]
    words += sorted({str(name) for _, name in rows if name}, key=str.casefold)
    return words


def treatments_by_start(store: Store) -> list[tuple[str, str, str | None]]:
    """(patient code, started_utc, plan name) of every session with a patient, in start
    order: what the due list needs, without building a full row per session."""
    with store.lock:
        rows = store.conn.execute(
            "SELECT pa.code, s.started_utc, s.plan_name FROM sessions s"
            " JOIN patients pa ON pa.id = s.patient_id ORDER BY s.started_utc"
        ).fetchall()
    return [(str(code), str(started), plan) for code, started, plan in rows]
