"""Screenshots of the live screen in a real X window, mid-treatment with the zone map.

    xvfb-run -a -s "-screen 0 1600x1000x24" \
        .venv/bin/python scripts/shoot_live.py docs/screenshots 14
"""

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from console.gui.settings import ConsoleSettings
from console.gui.sound import AlarmSound
from console.store import Store
from drivers.messages import Fault

out = Path(sys.argv[1])
wait_s = float(sys.argv[2]) if len(sys.argv) > 2 else 25
tmp = Path(tempfile.mkdtemp())
app = QApplication(sys.argv[:1])
settings = ConsoleSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
store = Store(tmp / "s.db")
c = PenController(store)
w = MainWindow(c, settings, sound=AlarmSound(c.alarms, audio=False))
w.apply_theme("dark")
w.rescan()
w.resize(1400, 860)
w.move(0, 0)
w.show()
c.connect_to("virtual://zones?telemetry_hz=1000")


def start():
    w.zone_panel.plan_choice.setCurrentIndex(w.zone_panel.plan_choice.findText("Full face — PRP"))
    w.session_bar.patient.setText("P-0142")
    w.session_bar.practitioner.setText("Dr A. Moreau")
    w.session_bar.button.click()


QTimer.singleShot(1500, start)


def grab(name):
    w.screen().grabWindow(w.winId()).save(str(out / name))
    print("saved", name, flush=True)


def dark():
    grab("live-dark.png")
    w.apply_theme("light")


def light():
    grab("live-light.png")
    w.apply_theme("dark")
    c.link.virtual_pen.raise_fault(Fault.MOTOR_STALL)


def alarm():
    if w.banner.level != "high":
        QTimer.singleShot(20, alarm)
        return
    grab("live-alarm.png")
    w.close()


QTimer.singleShot(int(wait_s * 1000), dark)
QTimer.singleShot(int(wait_s * 1000) + 1500, light)
QTimer.singleShot(int(wait_s * 1000) + 3000, alarm)
app.exec()
store.close()
