"""A small clinic's sessions for the session-list tests: known patients, practitioners,
plans, start times, durations, alarms, link gaps, a signature and a product lot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from console.core.access import Access
from console.core.lots import ProductKind, parse_scan, record_product
from console.core.signing import sign
from console.store import EventKind, EventRow, Store

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PATIENTS = {"P-0001": "Ada Lovelace", "P-0002": "Alan Turing", "Q-0003": "Grace Hopper"}


@dataclass(frozen=True)
class Made:
    uuid: str
    patient: str
    practitioner: str
    started: datetime
    duration_s: int
    alarms: int
    gaps: int


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def make_clinic(store: Store, n: int = 12) -> list[Made]:
    """`n` ended sessions, one a day from START, cycling through the patients and two
    practitioners; every third has a (high or medium) alarm, every fourth a link gap."""
    for code, name in PATIENTS.items():
        store.patient_id(code, name=name)
    made = []
    codes = list(PATIENTS)
    for i in range(n):
        patient = codes[i % len(codes)]
        practitioner = ("Dr Lee", "Nurse Kim")[i % 2]
        session = store.create_session(
            patient,
            practitioner,
            plan_name=("Full face", "Acne scars")[i % 2],
            notes=f"visit {i}" + (" melasma follow-up" if i % 5 == 0 else ""),
        )
        events = []
        alarms = 0
        if i % 3 == 0:
            events.append(
                EventRow(None, "console", EventKind.ALARM, None, None, {"priority": "medium"})
            )
            alarms += 1
            if i % 2 == 0:
                events.append(
                    EventRow(None, "console", EventKind.ALARM, None, None, {"priority": "high"})
                )
                alarms += 1
        gaps = 0
        if i % 4 == 1:
            events.append(EventRow(None, "console", EventKind.LINK_GAP, None, None, {"gap_s": 2}))
            gaps = 1
        store.write_batch(session, [], events)
        store.finish_session(session)
        started = START + timedelta(days=i, minutes=7 * i)
        duration_s = 300 + 60 * ((i * 7) % 11)
        store.update_session(
            session,
            started_utc=iso(started),
            ended_utc=iso(started + timedelta(seconds=duration_s)),
        )
        store.seal(session, "test: back-dated")  # else signing it is refused as tampered
        made.append(Made(session, patient, practitioner, started, duration_s, alarms, gaps))
    return made


def sign_one(access: Access, session: str, password: str) -> None:
    sign(access, session, "approved", password)


def use_lot(access: Access, made: Made, lot: str) -> None:
    product = parse_scan(ProductKind.PRP_KIT, lot, "PRP kit")
    record_product(access, made.uuid, made.patient, product, date(2026, 3, 1))
