"""Screenshot of the live screen with the plan's checklist and a running anaesthetic dwell
timer, at a cart's 1280×800 (issue 11):

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_procedure.py docs/screenshots

The pen is the virtual pen, idle on the cart (the motor is not started before the steps).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _shots import cart, grab, live_window, output_dir
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

out = output_dir()
app = QApplication(sys.argv[:1])
the_cart = cart(Path(tempfile.mkdtemp()))
store = the_cart.store
c, w = live_window(the_cart)
c.connect_to("virtual://idle?telemetry_hz=500")


def start() -> None:
    w.zone_panel.plan_choice.setCurrentIndex(w.zone_panel.plan_choice.findText("Full face — PRP"))
    c.mark_step("consent")
    c.mark_step("cleanse")
    c.mark_step("anaesthetic", "LIDO-2291")
    w.session_bar.patient.setText("P-0142")
    w.session_bar.practitioner.setText("nurse.kim")
    w.session_bar.button.click()
    QTimer.singleShot(5000, finish)


def finish() -> None:
    grab(w, out / "live-steps.png")
    w.close()


QTimer.singleShot(1500, start)
app.exec()
store.close()
