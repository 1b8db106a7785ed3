"""SIGTERM and SIGINT end the console as its window's close does: a recording session is
ended as End session ends it (the open pass closed, the record marked complete), the link
and the recorder are closed, then the application quits. Without this a service manager's
stop, or Ctrl-C in the terminal, killed the process and left the session "recording".

Python runs a signal handler only between bytecodes, and Qt waits in C++; a small timer
gives the interpreter a turn so the handler runs within a quarter of a second.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

WAKE_MS = 250
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def close_on_signals(window: QWidget) -> QTimer:
    """Install the handlers; keep the returned timer for the run."""

    def close_and_quit() -> None:
        window.close()  # its closeEvent ends the session and closes the link
        QApplication.quit()  # also leaves a dialog's own loop, if one is open

    def on_signal(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, close_and_quit)

    for sig in SIGNALS:
        signal.signal(sig, on_signal)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(WAKE_MS)
    return wake
