"""The zone map widget: whole-zone hit targets, and an image-regression check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from console.core.passes import PassTracker
from console.core.zones import ZoneDataError, available_maps, find_plan, load_map
from widgets.zone_map import ZoneMapWidget, centroid

HERE = Path(__file__).parent
FACE_ZONES = [
    "forehead",
    "glabella",
    "temple_left",
    "temple_right",
    "periorbital_left",
    "periorbital_right",
    "nose",
    "cheek_left",
    "cheek_right",
    "upper_lip",
    "chin",
    "jawline_left",
    "jawline_right",
    "neck",
]


def test_face_map_has_exactly_the_issue_zones_and_two_maps_ship() -> None:
    maps = available_maps()
    assert sorted(maps["face"].zone_ids) == sorted(FACE_ZONES)
    assert "body" in maps
    face = maps["face"]
    assert face.zone("periorbital_left").depth_max_um == 300
    assert face.zone("cheek_right").depth_max_um == 1500
    assert "patient" in face.note.lower()


def test_click_at_every_zone_centroid_selects_that_zone(qtbot) -> None:
    face = available_maps()["face"]
    tracker = PassTracker(face)
    widget = ZoneMapWidget(face, tracker)
    qtbot.addWidget(widget)
    widget.resize(500, 650)
    widget.show()
    qtbot.waitExposed(widget)
    for zone in face.zone_ids:
        point = widget.mapFromScene(centroid(widget.shapes[zone]))
        with qtbot.waitSignal(widget.zone_clicked) as blocker:
            qtbot.mousePress(widget.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))
        assert blocker.args == [zone]
        assert tracker.active == zone


def test_read_only_map_ignores_clicks(qtbot) -> None:
    face = available_maps()["face"]
    tracker = PassTracker(face)
    widget = ZoneMapWidget(face, tracker, read_only=True)
    qtbot.addWidget(widget)
    widget.resize(400, 520)
    widget.show()
    qtbot.waitExposed(widget)
    point = widget.mapFromScene(centroid(widget.shapes["nose"]))
    qtbot.mousePress(widget.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))
    assert tracker.active is None


def _known_state_image(qtbot) -> QImage:
    face = available_maps()["face"]
    tracker = PassTracker(face, find_plan("Full face — PRP"))
    tracker.start()
    for _ in range(3):
        tracker.mark_pass(0)
    tracker.advance()
    tracker.mark_pass(0)
    widget = ZoneMapWidget(face, tracker)
    qtbot.addWidget(widget)
    widget.refresh()
    return widget.render_image(400, 520).convertToFormat(QImage.Format.Format_RGB32)


def _pixels(image: QImage) -> np.ndarray:
    ptr = image.constBits()
    return (
        np.frombuffer(ptr, np.uint8)
        .reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
        .astype(np.int16)
    )


def test_rendered_map_matches_the_reference_image(qtbot) -> None:
    image = _known_state_image(qtbot)
    reference = QImage(str(HERE / "reference_face.png")).convertToFormat(QImage.Format.Format_RGB32)
    assert (reference.width(), reference.height()) == (image.width(), image.height())
    diff = np.abs(_pixels(image) - _pixels(reference))
    changed = (diff > 40).mean()
    # Text antialiasing may differ by a few pixels between font builds; fills may not.
    assert diff.mean() < 2.0
    assert changed < 0.02
    # forehead (3/3 done) is the darkest step of the scale, off its label
    assert image.pixelColor(250, 120).name() == "#2a4570"


def test_a_map_whose_svg_lacks_a_zone_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    (tmp_path / "m.json").write_text(
        '{"id": "m", "name": "M", "svg": "m.svg", "zones": [{"id": "a", "label": "A",'
        ' "depth_min_um": 250, "depth_max_um": 500, "target_passes": 2}]}'
    )
    with pytest.raises(ZoneDataError, match="no element for zones"):
        load_map(tmp_path / "m.json")


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform's, once per window
@pytest.mark.parametrize("size", [(300, 390), (400, 520)])
def test_forehead_and_glabella_labels_never_overlap(qtbot, size) -> None:
    """Finding 13: with stroke counts both labels are two lines and used to overlap."""
    face = available_maps()["face"]
    widget = ZoneMapWidget(face, None)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)  # fitted to its size
    done = {z: 1 for z in face.zone_ids}
    widget.show_state(done, "glabella", {"forehead": 1234, "glabella": 567})
    forehead, glabella = widget.label_rect("forehead"), widget.label_rect("glabella")
    assert not forehead.isEmpty() and not glabella.isEmpty()
    assert not forehead.intersects(glabella)
    # The forehead's label stays on the forehead (it moved up, clear of the glabella's).
    assert widget.items["forehead"].shape().contains(forehead.center())
    widget.show_state(done, "glabella", {"forehead": 1234, "glabella": 568})  # a stroke later
    assert not widget.label_rect("forehead").intersects(widget.label_rect("glabella"))
