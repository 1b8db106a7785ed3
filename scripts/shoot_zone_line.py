"""Screenshot of the live screen's zone column at a cart's 1280×800: the zone line on two
lines (elided, never clipped) and the forehead's and glabella's labels with stroke counts:

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_zone_line.py docs/screenshots

The pen is the virtual pen; passes are marked from here, strokes come from its telemetry.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _shots import cart, grab, live_window, output_dir
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.core.lots import Product, ProductKind

out = output_dir()
app = QApplication(sys.argv[:1])
the_cart = cart(Path(tempfile.mkdtemp()))
c, w = live_window(the_cart)
c.connect_to("virtual://treatment?telemetry_hz=500")


def start() -> None:
    w.session_bar.patient.setText("P-0142")
    w.session_bar.button.click()
    # the fitted cartridge's lot, as the lot prompt records it at the start
    c.treatment.record_lot(Product(ProductKind.CARTRIDGE, "C24-118", "0042"))
    c.zones.tracker.select("forehead", how="touch")
    QTimer.singleShot(4000, glabella)


def glabella() -> None:
    c.zones.mark_pass()  # strokes show on the map once a pass holds them
    c.zones.tracker.select("glabella", how="touch")
    QTimer.singleShot(3000, over_target)


def over_target() -> None:
    c.zones.mark_pass()
    c.zones.tracker.select("periorbital_right", how="touch")
    for _ in range(4):  # two more than the zone's target: flagged
        c.zones.mark_pass()
    w.zone_panel.refresh()
    QTimer.singleShot(1000, finish)


def finish() -> None:
    grab(w, out / "live-zone-line.png")
    c.end_session() if c.treatment.session else None
    w.close()


QTimer.singleShot(1500, start)
app.exec()
the_cart.store.close()
