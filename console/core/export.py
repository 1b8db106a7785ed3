"""Session export: one CSV row per stored sample, or the whole record as JSON."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from typing import Any, TextIO

import numpy as np

from console.core.passes import closed_at_end_ids, is_prp_pass, pass_label
from console.core.signing import amendments, signatures
from console.core.simulated import is_simulated
from console.store import EventKind, Store
from console.store.packing import Columns
from console.store.rows import GAP_KINDS

CSV_COLUMNS = [
    "t_s",
    "t_us",
    "seq",
    "depth_set_um",
    "depth_meas_um",
    "rate_hz",
    "strokes",
    "motor_ma",
    "force_mn",
    "battery_pct",
    "temp_c",
    "status",
    "zone",
    "pass",
]


def write_csv(store: Store, session: str, out: TextIO) -> int:
    cols = store.load_telemetry(session)
    zone_ids: list[str] = json.loads(store.session(session).get("zone_ids") or "[]")
    n = len(cols["seq"])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    if n == 0:
        return 0
    t_us = cols["t_us"].astype(np.int64)
    t_s = (t_us - t_us[0]) / 1e6
    zone_names = np.array(["", *zone_ids], dtype=object)
    zone_idx = cols["zone"].astype(np.int64)
    zone_col = zone_names[np.clip(zone_idx, 0, len(zone_names) - 1)]
    pass_no = np.asarray(cols["pass_no"], np.int64)
    labels = np.array([pass_label(n) for n in range(256)], dtype=object)  # "2", "prp1"
    pass_col = labels[np.clip(pass_no, 0, 255)]
    rows = zip(
        (f"{v:.6f}" for v in t_s),
        t_us.tolist(),
        cols["seq"].tolist(),
        cols["depth_set_um"].tolist(),
        cols["depth_meas_um"].tolist(),
        (f"{v / 10:.1f}" for v in cols["rate_dhz"].tolist()),
        cols["strokes"].tolist(),
        cols["motor_ma"].tolist(),
        cols["force_mn"].tolist(),
        cols["battery_pct"].tolist(),
        (f"{v / 10:.1f}" for v in cols["temp_dc"].tolist()),
        cols["status"].tolist(),
        zone_col.tolist(),
        pass_col.tolist(),
        strict=True,
    )
    writer.writerows(rows)
    return n


def session_record(
    store: Store, session: str, link_stats: dict[str, Any] | None = None
) -> dict[str, Any]:
    meta = store.session(session)
    cols: Columns = store.load_telemetry(session)
    events = store.events(session)
    passes = store.passes(session)
    closed = closed_at_end_ids(passes, events)  # closed by End session, not by a mark
    gaps = [e for e in events if e["kind"] in GAP_KINDS]
    return {
        "session": {
            **{
                k: meta[k]
                for k in ("uuid", "status", "started_utc", "ended_utc", "tz", "plan_name", "notes")
            },
            "simulated": is_simulated(meta),  # from the virtual pen: not a treatment (H-35)
        },
        "patient": {"code": meta["patient_code"]},
        "practitioner": meta["practitioner"],
        "pen": {
            "serial": meta["pen_serial"],
            "model": meta["pen_model"],
            "firmware": meta["pen_firmware"],
            "cartridge_needles": meta["cartridge_needles"],
            "cartridge_gauge": meta["cartridge_gauge"],
        },
        "samples": len(cols["seq"]),
        "events": events,
        "passes": [
            {
                **p,
                "pass": pass_label(p["pass_no"]),
                "prp": is_prp_pass(p["pass_no"]),
                "closed_at_end": p["id"] in closed,
            }
            for p in passes
        ],
        "link": {
            "seq_gaps": sum(1 for e in events if e["kind"] is EventKind.SEQ_GAP),
            "frames_lost": sum(e["arg"] or 0 for e in events if e["kind"] is EventKind.SEQ_GAP),
            "link_gaps": [e["data"] for e in gaps if e["kind"] is EventKind.LINK_GAP],
            **(link_stats or {}),
        },
        "signatures": [
            {
                "signer": s.signer,
                "time": s.signed_utc,
                "meaning": s.meaning,
                "hash": s.content_sha256,
            }
            for s in signatures(store, session)
        ],
        "amendments": [
            {k: v for k, v in asdict(a).items() if k not in ("id", "session")}
            for a in amendments(store, session)
        ],
    }
