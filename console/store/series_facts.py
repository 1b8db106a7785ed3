"""What the series rule needs to know of each session with a patient: only SQL.

Whether a session counts as a treatment of the series is decided in console/core/series.py
from these facts: its passes, how long it lasted and whether it started too soon.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store import liveness
from console.store.store import Store


@dataclass(frozen=True, slots=True)
class SeriesFacts:
    uuid: str
    patient_code: str
    started_utc: str
    ended_utc: str | None
    status_now: str  # a dead recorder's `recording` reads `interrupted`
    plan_name: str | None
    passes: int  # passes recorded and not undone
    too_soon: bool  # started sooner than the series allows (a reason was recorded)


def series_facts(store: Store, patient_code: str | None = None) -> list[SeriesFacts]:
    """Every session with a patient (or of one patient), in start order."""
    where, args = ("WHERE pa.code = ?", (patient_code,)) if patient_code else ("", ())
    with store.lock:
        rows = store.conn.execute(
            "SELECT s.uuid, pa.code, s.started_utc, s.ended_utc, s.status, s.plan_name,"
            " (SELECT count(*) FROM zone_passes z WHERE z.session_uuid = s.uuid"
            "  AND z.undone = 0),"
            " EXISTS (SELECT 1 FROM series_exceptions e WHERE e.session_uuid = s.uuid)"
            f" FROM sessions s JOIN patients pa ON pa.id = s.patient_id {where}"
            " ORDER BY s.started_utc",
            args,
        ).fetchall()
    return [
        SeriesFacts(
            str(uuid),
            str(code),
            str(started),
            ended,
            liveness.effective_status(store.path, str(uuid), str(status)),
            plan,
            int(passes),
            bool(early),
        )
        for uuid, code, started, ended, status, plan, passes, early in rows
    ]
