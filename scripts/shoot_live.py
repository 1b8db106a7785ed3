"""Screenshots of the live screen in a real X window at a cart's 1280×800, mid-treatment:
dark and light themes, an active alarm, the locked screen, and the link-lost state.

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_live.py docs/screenshots 12

The pen is a virtual pen behind a pty, so that the cable can be "pulled" for the
link-lost picture exactly as a real unplug happens.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _shots import cart, grab, output_dir
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.core.consent import ConsentForm, load_questionnaire
from console.core.lots import Product, ProductKind
from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from console.gui.sign_in import ScreenLock
from console.gui.sound import AlarmSound
from drivers.link import LinkState
from drivers.messages import Fault
from drivers.virtual.endpoints import PtyServer
from drivers.virtual.pen import PenConfig, VirtualPen
from widgets.signature_pad import signature_png

SIZE = (1280, 800)
out = output_dir()
wait_s = float(sys.argv[2]) if len(sys.argv) > 2 else 20
tmp = Path(tempfile.mkdtemp())
app = QApplication(sys.argv[:1])
the_cart = cart(tmp)
store = the_cart.store
pen = VirtualPen(PenConfig(telemetry_hz=1000), "zones")
pty = PtyServer(pen, tmp / "ttyPEN")
c = PenController(store)
c.sign_in(the_cart.nurse)
w = MainWindow(c, the_cart.settings, sound=AlarmSound(c.alarms, audio=False))
w.attach_screen_lock(ScreenLock(w, the_cart.accounts, the_cart.nurse, timeout_s=3600))
w.apply_theme("dark", remember=False)
w.rescan()
w.resize(*SIZE)
w.move(0, 0)
w.show()
c.connect_to(str(pty.path))
steps: list[tuple[float, object]] = []


def start() -> None:
    w.zone_panel.plan_choice.setCurrentIndex(w.zone_panel.plan_choice.findText("Full face — PRP"))
    w.session_bar.patient.setText("P-0142")  # a known patient: not asked about (H-22)
    w.session_bar.practitioner.setText("nurse.kim")
    w.session_bar.button.click()
    # the fitted cartridge's lot, the signed consent, then the other steps before needling,
    # so mid-treatment has no early start, no lot prompt and no lot alarm
    c.treatment.record_lot(Product(ProductKind.CARTRIDGE, "C24-118", "0042"))
    form = ConsentForm(load_questionnaire())
    for q in form.answers:
        form.answer(q, False)
    form.signature.strokes = [[(0.1 + 0.05 * i, 0.5) for i in range(10)]]
    c.complete_consent(form, signature_png(form.signature))
    for step in ("cleanse", "anaesthetic", "anaesthetic_removed"):
        c.mark_step(step)


def when(condition, then, tries: int = 400) -> None:
    """Run `then` once `condition` holds (checked every 25 ms), or give up loudly."""
    if condition():
        then()
    elif tries <= 0:
        print("gave up waiting", then.__name__, flush=True)
        then()
    else:
        QTimer.singleShot(25, lambda: when(condition, then, tries - 1))


def dark() -> None:
    grab(w, out / "live-dark.png")
    w.apply_theme("light", remember=False)
    QTimer.singleShot(1500, light)


def light() -> None:
    grab(w, out / "live-light.png")
    w.apply_theme("dark", remember=False)
    pen.raise_fault(Fault.MOTOR_STALL)
    when(lambda: w.banner.level == "high", alarm)


def alarm() -> None:
    grab(w, out / "live-alarm.png")
    w.lock_now()
    QTimer.singleShot(800, locked)


def locked() -> None:
    grab(w, out / "live-locked.png")
    w.screen_lock.unlock_with("nurse.kim", "correct horse")
    c.alarms.acknowledge_all("nurse.kim")
    pty.unplug()
    when(lambda: c.live.state is LinkState.LOST, lambda: QTimer.singleShot(4000, lost))


def lost() -> None:
    grab(w, out / "live-link-lost.png")
    w.close()


QTimer.singleShot(1500, start)
QTimer.singleShot(int(wait_s * 1000), dark)
app.exec()
pty.close()
store.close()
