"""A small but complete session for the report tests, written through the store and the
core services as the console would: a plan, telemetry in three zones, passes, procedure
steps (an early removal, an override), consent with a flagged answer, products (one
expired), before and after photos, alarms and a gap, and an earlier treatment 50 days
before so the series position is "treatment 2 of 3". No pen, no sleeps: about 0.1 s."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from console.core.access import Access
from console.core.consent import ConsentForm, load_questionnaire, save_consent
from console.core.lots import Product, ProductKind, record_product
from console.core.passes import PRP_PASS_BASE
from console.core.photos import PhotoWhen, import_photo
from console.core.zones import available_maps
from console.store import EventKind, Store
from console.store.packing import COLUMNS

PLAN = "Full face — PRP"
PATIENT = "P-RPT"
NAME = "Ana Example"
RATE_HZ = 100
PEN = {"serial": "VP-0042", "model": "VirtualPen 2", "firmware": "1.4.0", "needles": 12,
       "gauge": 32}  # fmt: skip
# zone -> (seconds, measured depth µm): forehead on plan (0.50 mm), cheek_right too
# shallow (plan 1.00 mm, edited to 0.80 mm in the session), nose too deep and above its
# 0.50 mm ceiling.
ZONES = {"forehead": (4, 500), "cheek_right": (4, 700), "nose": (2, 600)}


def _png(size: tuple[int, int], colour: tuple[int, int, int], fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.line([(5, size[1] - 8), (size[0] // 3, 6), (size[0] - 5, size[1] // 2)], "black", 3)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _telemetry(zone_ids: list[str], t0_us: int) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
    t = 0
    for zone, (seconds, depth_um) in ZONES.items():
        n = seconds * RATE_HZ
        depth = np.full(n, depth_um)
        depth[::10] = 0  # needles out between strokes
        values = {
            "t_us": t0_us + (t + np.arange(n)) * (1_000_000 // RATE_HZ),
            "depth_set_um": np.full(n, depth_um),
            "depth_meas_um": depth,
            "rate_dhz": np.full(n, 800),
            "strokes": t + np.arange(n),
            "zone": np.full(n, zone_ids.index(zone) + 1),
            "pass_no": np.full(n, 1),
            "battery_pct": np.full(n, 90),
        }
        for name in COLUMNS:
            parts[name].append(values.get(name, np.zeros(n)))
        t += n
    cols = {name: np.concatenate(v).astype(COLUMNS[name]) for name, v in parts.items()}
    cols["seq"] = (np.arange(t) % 65536).astype(COLUMNS["seq"])
    return cols


def _passes(store: Store, session: str, t0_us: int) -> None:
    marks = [("forehead", 1), ("forehead", 2), ("forehead", PRP_PASS_BASE + 1), ("cheek_right", 1)]
    marks += [("nose", n) for n in (1, 2, 3)] + [("neck", 1)]  # the neck is not in the plan
    for i, (zone, pass_no) in enumerate(marks):
        store.add_pass(session, {
            "zone": zone, "pass_no": pass_no, "started_t_us": t0_us + i * 1000,
            "ended_t_us": t0_us + i * 1000 + 500, "strokes": 100, "contact_ms": 900,
            "depth_mean_um": ZONES.get(zone, (0, 400))[1],
            "depth_max_um": ZONES.get(zone, (0, 400))[1],
        })  # fmt: skip


def _events(store: Store, session: str, t0_us: int) -> None:
    step = {"step": "anaesthetic_removed", "kind": "anaesthetic_removed"}
    for kind, data, arg in (
        (EventKind.STEP_DONE, {"step": "cleanse", "label": "Cleanse", "user": "Dr A"}, None),
        (EventKind.STEP_DONE, {**step, "label": "Remove the numbing cream", "user": "Dr A",
                               "early": {"timer_step": "anaesthetic", "left_s": 754}}, None),
        (EventKind.START_OVERRIDE, {"user": "Dr Sup", "missing": ["prp_ready"]}, None),
        (EventKind.CEILING_OVERRIDE, {"zone": "nose", "ceiling_um": 750, "default_um": 500}, None),
        (EventKind.DEPTH_CLAMPED, {}, 550),
        (EventKind.ALARM, {"condition": "depth_above_ceiling", "priority": "high",
                           "detail": "nose at 0.60 mm", "state": "raised"}, None),
        (EventKind.SEQ_GAP, {"frames_lost": 7}, None),
        # the plan as this session had it: the cheek edited down from 1.00 mm
        (EventKind.PLAN_DEPTH, {"zone": "cheek_right", "plan_um": 800, "requested_um": 800,
                                "ceiling_um": 1500, "acked_um": 750}, None),
    ):  # fmt: skip
        store.add_event(session, kind, t_us=t0_us + 1_000_000, data=data, arg=arg)


def _consent(access: Access, session: str) -> None:
    form = ConsentForm(load_questionnaire())
    for q in form.answers:
        form.answer(q, q == "anticoagulants")
    form.confirm("anticoagulants")
    form.signature.begin((0.1, 0.5))
    for i in range(8):
        form.signature.extend((0.1 + i * 0.1, 0.4 + (i % 2) * 0.2))
    save_consent(access, session, form, _png((300, 100), (255, 255, 255)))


def make_report_session(db: Path, tmp: Path) -> str:
    """The session's uuid in a new database at `db`."""
    store = Store(db)
    try:
        access = Access(store, None)  # a demo database: unattributed
        store.patient_id(PATIENT, name=NAME)
        earlier = store.create_session(PATIENT, "Dr A", plan_name=PLAN)
        store.update_session(earlier, started_utc=_iso(datetime.now(UTC) - timedelta(days=50)))
        store.finish_session(earlier)
        session = store.create_session(PATIENT, "Dr A", plan_name=PLAN, pen=PEN)
        zone_ids = available_maps()["face"].zone_ids
        store.update_session(session, zone_ids=json.dumps(zone_ids))
        t0_us = 1_000_000_000
        store.write_chunk(session, 0, _telemetry(zone_ids, t0_us))
        _passes(store, session, t0_us)
        _events(store, session, t0_us)
        _consent(access, session)
        today = date.today()
        for product in (
            Product(ProductKind.CARTRIDGE, "C-77", "S1", today + timedelta(days=300)),
            Product(ProductKind.PRP_KIT, "K-OLD", None, today - timedelta(days=3), name="RegenKit"),
        ):
            record_product(access, session, PATIENT, product, today)
        for when, zone, colour in ((PhotoWhen.BEFORE, "forehead", (200, 150, 130)),
                                   (PhotoWhen.AFTER, "forehead", (220, 120, 110))):  # fmt: skip
            photo = tmp / f"{when.value}.jpg"
            photo.write_bytes(_png((120, 90), colour, "JPEG"))
            import_photo(access, session, photo, when, zone)
        store.finish_session(session)
        return session
    finally:
        store.close()


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")
