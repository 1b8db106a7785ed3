"""The review's zone map is the session's own (a body plan on the body map), with its
plan's pass targets, and the replay reaches the session's last pass."""

from __future__ import annotations

import json

import numpy as np
import pytest

from console.core.review_map import review_map
from console.core.zones import available_maps
from console.gui.review_window import ReviewWindow
from console.store import Store, packing

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

BODY = "Stretch marks — abdomen and flanks"
ACNE = "Acne scars — cheeks"


def test_the_plan_names_the_map_and_the_targets() -> None:
    maps = available_maps()
    body = review_map(BODY, maps["body"].zone_ids)
    assert body.zone_map.id == "body" and body.targets["abdomen"] == 3
    acne = review_map(ACNE, maps["face"].zone_ids)
    assert acne.zone_map.id == "face" and acne.targets == {"cheek_right": 4, "cheek_left": 4}
    renamed = review_map("a plan since removed", maps["body"].zone_ids)
    assert renamed.zone_map.id == "body" and renamed.targets == {}


def _session(store: Store, plan: str, map_id: str, zone: str, pass_end_us: int) -> str:
    session = store.create_session("P-1", "Dr A", plan_name=plan)
    zone_ids = available_maps()[map_id].zone_ids
    store.update_session(session, zone_ids=json.dumps(zone_ids))
    n = 200
    cols = {name: np.zeros(n).astype(dt) for name, dt in packing.COLUMNS.items()}
    cols["t_us"] = (np.arange(n) * 10_000).astype(packing.COLUMNS["t_us"])  # 0 .. 1.99 s
    cols["zone"] = np.full(n, zone_ids.index(zone) + 1).astype(packing.COLUMNS["zone"])
    store.write_batch(session, [(0, cols)], [])
    store.add_pass(
        session,
        {
            "zone": zone,
            "pass_no": 1,
            "started_t_us": 0,
            "ended_t_us": pass_end_us,
            "strokes": 50,
            "contact_ms": 900,
        },
    )
    store.finish_session(session)
    return session


def test_the_window_draws_the_sessions_map_targets_and_last_pass(qtbot, store: Store) -> None:
    body = _session(store, BODY, "body", "abdomen", pass_end_us=2_500_000)  # after the samples
    acne = _session(store, ACNE, "face", "cheek_left", pass_end_us=1_000_000)
    w = ReviewWindow(store, None)
    qtbot.addWidget(w)
    w.open_session(body)
    assert w.zone_map.map.id == "body"
    assert w.replay.duration_s == pytest.approx(2.5)  # the slider reaches the last pass
    w.replay.seek(w.replay.duration_s)
    assert w.zone_map.labels["abdomen"].text().startswith("1/3")
    w.open_session(acne)
    assert w.zone_map.map.id == "face"
    assert w.zone_map.labels["cheek_left"].text().startswith("0/4")  # the plan's 4, not 3
    w.replay.seek(1.0)  # a pass counts as done at its end time
    assert w.zone_map.labels["cheek_left"].text().startswith("1/4")
