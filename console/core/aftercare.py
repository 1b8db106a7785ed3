"""The aftercare sheet given at the end of a session, as plain data for the PDF.

The text is the clinic's, in resources/aftercare/aftercare.json (defaults from the seed
article: redness for 2–4 days, 1–2 days of social downtime, pinpoint bleeding possible,
the next treatment 6–8 weeks later). `{next_due}` in a point becomes the next treatment's
date range, from the plan's series as it stood after this session. Giving the sheet is
recorded (`aftercare_given`: EXPORT, audited). Qt-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from console.core.access import Access
from console.core.roles import Action
from console.core.series import local_date, rule_for_plan, treatments
from console.core.series_rule import SeriesStatus, series_status
from console.store import Store
from resources import RESOURCES_DIR

AFTERCARE = RESOURCES_DIR / "aftercare" / "aftercare.json"
DEFAULT_CLINIC = "Your clinic"


@dataclass(frozen=True, slots=True)
class AftercareSheet:
    clinic: str
    title: str
    patient_code: str
    treated_on: date
    points: tuple[str, ...]
    closing: str
    series: SeriesStatus


def status_after(store: Store, session: str) -> SeriesStatus:
    """The patient's series as it stood right after `session` (which counts)."""
    meta = store.session(session)
    earlier = [
        r
        for r in treatments(store, meta["patient_code"] or "")
        if r["started_utc"] <= meta["started_utc"] and r["uuid"] != session
    ]
    dates = [local_date(r["started_utc"]) for r in earlier] + [local_date(meta["started_utc"])]
    return series_status(dates, rule_for_plan(meta["plan_name"]), dates[-1])


def aftercare_sheet(
    store: Store, session: str, clinic: str | None = None, path: Path = AFTERCARE
) -> AftercareSheet:
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = store.session(session)
    status = status_after(store, session)
    due = (
        f"{status.due_from:%d %B %Y} and {status.due_by:%d %B %Y}"
        if status.due_from and status.due_by
        else "(your series is complete)"
    )
    return AftercareSheet(
        clinic or data.get("clinic") or DEFAULT_CLINIC,
        data["title"],
        meta["patient_code"] or "",
        local_date(meta["started_utc"]),
        tuple(p.replace("{next_due}", due) for p in data["points"]),
        data.get("closing", ""),
        status,
    )


def aftercare_given(access: Access, session: str, out: str) -> None:
    """Check and audit that the sheet was printed or saved for the patient."""
    access.perform(Action.EXPORT, f"session:{session}", None, {"aftercare": out})
