"""Screenshots of the procedure flow at a cart's 1280×800 (issues 11 and 12):

- new-patient-ask.png: Start with a code not in the register asks before adding;
- consent.png: the consent screen opened from the checklist's consent step, a flagged
  answer confirmed and a drawn signature;
- live-steps.png: the live screen with the consent signed, the anaesthetic dwell running,
  and the skin type rule lowering the plan's depths for a type V patient.

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_procedure.py docs/screenshots

The pen is the virtual pen, idle on the cart (the motor is not started before the steps).
"""

from __future__ import annotations

import math
import sys
import tempfile
from datetime import date
from pathlib import Path

from _shots import cart, live_window, output_dir
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from console.core.access import Access
from console.core.lots import Product, ProductKind
from console.core.patients import Fitzpatrick, PatientDetails, add_patient
from console.gui.patient_ask import new_patient_box

out = output_dir()
app = QApplication(sys.argv[:1])
the_cart = cart(Path(tempfile.mkdtemp()))
store = the_cart.store
add_patient(
    Access(store, the_cart.nurse), "P-0142", PatientDetails(skin_type=Fitzpatrick.V), date.today()
)
c, w = live_window(the_cart)
c.connect_to("virtual://idle?telemetry_hz=500")


def save(widget: QWidget, name: str) -> None:
    widget.repaint()
    for _ in range(10):
        app.processEvents()
    widget.grab().save(str(out / name))
    print(f"saved {name}", flush=True)


def ask_new_patient() -> None:
    w.zone_panel.plan_choice.setCurrentIndex(w.zone_panel.plan_choice.findText("Full face — PRP"))
    w.session_bar.patient.setText("P-1O")
    w.session_bar.practitioner.setText("nurse.kim")
    question = c.new_patient_question("P-1O")
    assert question is not None
    box = new_patient_box(w, question)
    box.show()
    QTimer.singleShot(500, lambda: shoot_box(box))


def shoot_box(box: QWidget) -> None:
    w.screen().grabWindow(0).save(str(out / "new-patient-ask.png"))  # the box is its own window
    print("saved new-patient-ask.png", flush=True)
    box.close()
    QTimer.singleShot(300, start)


def _draw(pad: QWidget, points: list[tuple[float, float]]) -> None:
    def event(kind: QMouseEvent.Type, x: float, y: float) -> QMouseEvent:
        p = QPointF(x * pad.width(), y * pad.height())
        return QMouseEvent(
            kind, p, p, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip

    app.sendEvent(pad, event(QMouseEvent.Type.MouseButtonPress, *points[0]))
    for x, y in points[1:]:
        app.sendEvent(pad, event(QMouseEvent.Type.MouseMove, x, y))
    app.sendEvent(pad, event(QMouseEvent.Type.MouseButtonRelease, *points[-1]))


def start() -> None:
    w.session_bar.patient.setText("P-0142")
    w.session_bar.button.click()
    # the fitted cartridge's lot, as the lot prompt would record it (scanned at the start)
    c.treatment.record_lot(Product(ProductKind.CARTRIDGE, "C24-118", "0042"))
    w.procedure_view.checklist.buttons["consent"].click()
    QTimer.singleShot(500, consent)


def consent() -> None:
    dialog = w.procedure_view.screens.consent
    assert dialog is not None
    dialog.resize(1280, 800)
    for row in dialog.rows:
        (row.yes if row.question.id == "anticoagulants" else row.no).click()
        if row.question.id == "anticoagulants":
            row.confirm.setChecked(True)
    wave = [(0.08 + 0.5 * i / 59, 0.55 - 0.25 * math.sin(i / 59 * 12) * (1 - i / 59))
            for i in range(60)]  # fmt: skip
    _draw(dialog.pad, wave)
    _draw(dialog.pad, [(0.62, 0.35), (0.66, 0.5), (0.7, 0.65), (0.74, 0.52), (0.78, 0.4)])
    save(dialog, "consent.png")
    dialog.save_button.click()
    c.mark_step("cleanse")
    c.mark_step("anaesthetic", "LIDO-2291")
    QTimer.singleShot(4000, finish)


def finish() -> None:
    w.procedure_view.refresh()
    save(w, "live-steps.png")
    w.close()


QTimer.singleShot(1500, ask_new_patient)
app.exec()
store.close()
