"""The session report as plain data: what the PDF says, assembled once. Qt-free.

`build_report` gathers every section from the record: the header (clinic, patient code,
local date with its zone named once, practitioner, pen, cartridge), the procedure
timeline, consent, products and lots, photos, per-zone depth and passes against the plan,
the series position, alarms and link gaps, signatures and amendments, and the plot
envelopes. The review window's export and `pen-console report` both draw this model with
console/gui/report.py, so the two cannot drift apart. Times are the clinic's local time.

The patient's name is left out unless the clinic opts in (resources/report/report.json,
"show_patient_name"): the code is enough to file the report (data minimisation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from console.core.aftercare import AFTERCARE, DEFAULT_CLINIC, status_after
from console.core.consent import load_questionnaire
from console.core.event_timeline import TimelineRow, timeline
from console.core.event_words import local_time, parse_utc, resolve_tz, zone_label
from console.core.report_zones import ZoneResult, session_map, zone_results
from console.core.review import STEP_KINDS, SessionReview
from console.core.signing import amendments, signatures
from console.core.simulated import WORDS, is_simulated
from console.core.trust import head_words
from console.store import EventKind, Store
from console.store.rows import ALARM_KINDS, GAP_KINDS
from resources import RESOURCES_DIR

REPORT_SETTINGS = RESOURCES_DIR / "report" / "report.json"
# The procedure timeline: the checklist, and every override with who and why. Passes and
# plan depths are in the zone table; alarms and gaps have their own list.
TIMELINE_KINDS = STEP_KINDS | {
    EventKind.CEILING_OVERRIDE,
    EventKind.CARTRIDGE_INSERTED,
    EventKind.CARTRIDGE_REMOVED,
}
TROUBLE_KINDS = (
    ALARM_KINDS
    | GAP_KINDS
    | {
        EventKind.SAMPLES_DROPPED,
        EventKind.SESSION_INTERRUPTED,
        EventKind.NEW_PEN,
        EventKind.PEN_RESTARTED,
        EventKind.HOST_LINK_LOST,
    }
)
PLOT_BINS = 600
Curve = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Header:
    clinic: str
    patient_code: str
    patient_name: str | None  # only when the clinic opts in
    when: str  # "2 December 2026, 14:03–14:31 CET": the zone named once, here
    duration: str
    practitioner: str
    pen: str
    cartridge: str
    plan: str
    status: str
    session: str
    simulated: str | None  # H-35: the words for a session from the virtual pen, or None


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the timeline or of the alarm list: local time and words."""

    at: str  # "14:03:12", or "t = 12.3 s" when only the pen's clock is known
    what: str


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    question: str
    yes: bool
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Consent:
    questionnaire: str
    signed: str  # local
    confirmed_by: str | None
    answers: tuple[ConsentAnswer, ...]
    signature_png: bytes | None


@dataclass(frozen=True, slots=True)
class ProductLine:
    kind: str
    name: str
    lot: str
    serial: str
    expiry: str
    expired: bool  # on the day of the session
    override: str


@dataclass(frozen=True, slots=True)
class Photo:
    when: str  # before | after
    zone: str
    date: str  # "taken 2026-12-01" (EXIF), else "imported 2026-12-02"
    data: bytes


@dataclass(frozen=True, slots=True)
class Report:
    header: Header
    timeline: tuple[Line, ...]
    consents: tuple[Consent, ...]
    products: tuple[ProductLine, ...]
    photos: tuple[Photo, ...]
    zones: tuple[ZoneResult, ...]
    series: str  # "treatment 2 of 3; next due 2027-01-20 to 2027-02-03"
    alarms: tuple[Line, ...]
    signatures: tuple[str, ...]
    amendments: tuple[str, ...]
    audit_head: str
    depth_set_mm: Curve
    depth_meas_mm: Curve
    rate_hz: Curve
    passes_done: dict[str, int]  # for the zone map drawn beside the report
    map_id: str | None  # that map (None: the session's zones are on no known map)


def report_settings(path: Path = REPORT_SETTINGS) -> dict[str, object]:
    """The clinic's report settings; a missing or broken file means the defaults, which
    leave the patient's name out (the safe side of data minimisation)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def clinic_name(clinic: str | None = None) -> str:
    """The name given, else the clinic's own (the aftercare text holds it)."""
    if clinic:
        return clinic
    data = json.loads(AFTERCARE.read_text(encoding="utf-8"))
    return str(data.get("clinic") or DEFAULT_CLINIC)


def build_report(
    review: SessionReview, clinic: str | None = None, show_name: bool | None = None
) -> Report:
    store, session = review.store, review.session
    show = bool(report_settings().get("show_patient_name")) if show_name is None else show_name
    m = review.meta
    zone_map = session_map(review)
    x, set_um = review.envelope("depth_set_um", PLOT_BINS)
    xm, meas_um = review.envelope("depth_meas_um", PLOT_BINS)
    xr, rate_dhz = review.envelope("rate_dhz", PLOT_BINS)
    rows = timeline(
        review.events,
        t0_us=review.t0_us,
        started_utc=m["started_utc"],
        tz=m["tz"],
        zone_labels={} if zone_map is None else {z.id: z.label for z in zone_map.zones},
    )
    too_soon = [
        Line(
            local_time(soon.recorded_utc, m["tz"]),
            f"started {soon.days_since_previous:.0f} days after the previous treatment "
            f"(the series allows {soon.min_days}) by {soon.recorded_by}: {soon.reason}",
        )
        for soon in store.patients.exceptions(session)
    ]
    return Report(
        header=_header(review, clinic_name(clinic), show),
        timeline=tuple(too_soon + _lines(rows, TIMELINE_KINDS)),
        consents=tuple(_consents(store, session, m["tz"])),
        products=tuple(_products(store, session, _local(m["started_utc"], m["tz"]).date())),
        photos=tuple(
            Photo(
                p.taken,
                p.zone or "no zone",
                f"taken {p.exif_date[:10]}" if p.exif_date else f"imported {p.imported_utc[:10]}",
                store.media.photo_data(p.id),
            )
            for p in store.media.photos(session)
        ),
        zones=tuple(zone_results(review)),
        series=status_after(store, session).position(),
        alarms=tuple(_lines(rows, TROUBLE_KINDS)),
        signatures=tuple(
            f"{s.meaning.upper()} by {s.signer} at "
            f"{local_time(s.signed_utc, m['tz'], with_date=True)} · content SHA-256 "
            f"{s.content_sha256}"
            for s in signatures(store, session)
        ),
        amendments=tuple(
            f"{local_time(a.created_utc, m['tz'], with_date=True)} · {a.author} · "
            f"{a.field.replace(':', ', ')}: {a.text}"  # "follow-up, outcome: ..."
            for a in amendments(store, session)
        ),
        # Written down on paper, the chain head lets `db check --anchor` find a later cut.
        audit_head=head_words(store.audit.head()),
        depth_set_mm=(x, set_um / 1000),
        depth_meas_mm=(xm, np.where(meas_um > 0, meas_um, np.nan) / 1000),
        rate_hz=(xr, rate_dhz / 10),
        passes_done=review.state_at(review.duration_s).passes_done,
        map_id=None if zone_map is None else zone_map.id,
    )


def _lines(rows: list[TimelineRow], kinds: frozenset[EventKind]) -> list[Line]:
    return [Line(r.clock, r.words.text) for r in rows if r.event["kind"] in kinds]


def _local(utc_iso: str, tz: str | None) -> datetime:
    return parse_utc(utc_iso).astimezone(resolve_tz(tz))


def _header(review: SessionReview, clinic: str, show_name: bool) -> Header:
    m = review.meta
    start = _local(m["started_utc"], m["tz"])
    ended = m["ended_utc"]
    end = f"–{_local(ended, m['tz']):%H:%M}" if ended else ""
    minutes, seconds = divmod(int(review.duration_s), 60)
    name = None
    if show_name and m["patient_code"]:
        row = review.store.patients.find(m["patient_code"])
        name = row.name if row else None
    needles, gauge = m["cartridge_needles"], m["cartridge_gauge"]
    return Header(
        clinic=clinic,
        patient_code=m["patient_code"] or "(no patient code)",
        patient_name=name,
        when=f"{start:%-d %B %Y, %H:%M}{end} {zone_label(m['tz'], m['started_utc'])}",
        duration=f"{minutes} min {seconds:02d} s",
        practitioner=m["practitioner"] or "(not recorded)",
        pen=f"{m['pen_model'] or 'unknown model'}, S/N {m['pen_serial'] or '?'}, "
        f"firmware {m['pen_firmware'] or '?'}",
        cartridge=f"{needles} needles, {gauge} G" if needles and gauge else "not reported",
        plan=m["plan_name"] or "none",
        status=m["status"],
        session=review.session,
        simulated=WORDS if is_simulated(m) else None,
    )


def _consents(store: Store, session: str, tz: str | None) -> list[Consent]:
    texts = {q.id: q.text for q in load_questionnaire().questions}
    out = []
    for c in store.media.consents(session):
        answers = json.loads(c.answers)
        out.append(
            Consent(
                questionnaire=c.questionnaire,
                signed=local_time(c.signed_utc, tz, with_date=True),
                confirmed_by=c.confirmed_by,
                answers=tuple(
                    ConsentAnswer(texts.get(q, q), bool(a["answer"]), bool(a["confirmed"]))
                    for q, a in answers.items()
                ),
                signature_png=c.signature_png,
            )
        )
    return out


def _products(store: Store, session: str, on: date) -> list[ProductLine]:
    return [
        ProductLine(
            kind=p.kind.replace("_", " "),
            name=p.name,
            lot=p.lot,
            serial=p.serial or "",
            expiry=p.expiry or "",
            expired=bool(p.expiry) and date.fromisoformat(str(p.expiry)[:10]) < on,
            override=p.override_reason or "",
        )
        for p in store.products.for_session(session)
    ]
