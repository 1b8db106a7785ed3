"""What the screenshot scripts share: the output folder, a cart with a nurse signed up, and
a grab that shows what was just painted. The scripts run as `python scripts/shoot_*.py OUT`,
so this module is found beside them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from console.core.access import Access
from console.core.accounts import Accounts, Role, User
from console.core.patients import PatientDetails, add_patient
from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from console.gui.settings import ConsoleSettings
from console.gui.sound import AlarmSound
from console.store import Store

PATIENT = "P-0142"


def output_dir() -> Path:
    """The folder named by the first argument, created if missing."""
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    return out


@dataclass(frozen=True)
class Cart:
    settings: ConsoleSettings
    store: Store
    accounts: Accounts
    nurse: User


def cart(tmp: Path) -> Cart:
    """A fresh cart in `tmp`: an administrator `it` and the practitioner `nurse.kim`."""
    settings = ConsoleSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    store = Store(tmp / "s.db")
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    nurse = accounts.add(
        "nurse.kim", Role.PRACTITIONER, "correct horse", access=Access(store, admin)
    )
    # the scripts' patient is in the register, so Start does not ask about a new one (H-22)
    add_patient(Access(store, nurse), PATIENT, PatientDetails(), date.today())
    return Cart(settings, store, accounts, nurse)


def grab(window: QWidget, path: Path) -> None:
    """Save the window as the X server shows it, after painting what just changed."""
    window.repaint()
    QApplication.processEvents()
    window.screen().grabWindow(window.winId()).save(str(path))
    print("saved", path.name, flush=True)


def live_window(the_cart: Cart) -> tuple[PenController, MainWindow]:
    """The live screen at 1280×800, dark, with the nurse signed in (not yet connected)."""
    controller = PenController(the_cart.store)
    controller.sign_in(the_cart.nurse)
    window = MainWindow(
        controller, the_cart.settings, sound=AlarmSound(controller.alarms, audio=False)
    )
    window.apply_theme("dark", remember=False)
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    return controller, window


def recorded_database(
    scenario: str = "treatment",
    seconds: int = 4,
    practitioner: str = "nurse.kim",
    patient: str = "P-0142",
) -> Path:
    """A new database holding one session recorded headless by `record` on the virtual
    pen's `scenario`, with the PRP plan and every step done (as a cart would)."""
    db = Path(tempfile.mkdtemp()) / "review.db"
    console = [sys.executable, "-m", "console"]
    subprocess.run([*console, "db", "init", "--db", str(db)], check=True)
    subprocess.run(
        [*console, "record", "--port", f"virtual://{scenario}?telemetry_hz=500",
         "--seconds", str(seconds), "--db", str(db), "--practitioner", practitioner,
         "--patient", patient, "--plan", "Full face — PRP", "--done", "all"],
        check=True, capture_output=True,
    )  # fmt: skip
    return db
