"""H-12: pen use counts as activity for the idle lock, so the screen never locks while the
pen needles or its buttons are pressed (console/core/pen_activity.py, ScreenLock.watch_pen)."""

from __future__ import annotations

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.idle_lock import IdleLock
from console.core.live import Drained, Latest
from console.core.pen_activity import pen_in_use
from console.gui.sign_in import ScreenLock
from drivers.messages import Button, Event, EventCode, Status


class _Clock:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


def test_motor_telemetry_and_button_presses_count_and_nothing_else() -> None:
    running, stopped = Latest(status=int(Status.MOTOR_RUNNING)), Latest(status=0)
    assert pen_in_use(Drained(samples=12), running)
    assert not pen_in_use(Drained(samples=12), stopped)  # streaming, motor off
    assert not pen_in_use(Drained(samples=0), running)  # a stall: nothing shows anyone
    press = Event(0, 0, EventCode.BUTTON_SHORT, 1)
    assert pen_in_use(Drained(events=[press]), stopped)
    other = Event(0, 0, EventCode.CARTRIDGE_INSERTED, 0)
    assert not pen_in_use(Drained(events=[other]), stopped)


def test_the_screen_does_not_lock_while_the_pen_needles(qtbot, window, stream, store) -> None:
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    nurse = accounts.add(
        "nurse.kim", Role.PRACTITIONER, "correct horse", access=Access(store, admin)
    )
    lock = ScreenLock(window, accounts, nurse, timeout_s=60)
    lock.stop()  # polled by hand below, with a clock the test moves; no input counted
    clock = _Clock()
    lock.lock = IdleLock(60, clock=clock)
    lock.lock.sign_in(nurse)
    window.attach_screen_lock(lock)
    pen = stream()
    controller = window.controller

    clock.t += 59
    pen.press(Button.RUN_STOP)  # started from the pen: no mouse, no key
    qtbot.waitUntil(lambda: lock.lock.seconds_left() == 60, timeout=3000)
    clock.t += 61  # over the timeout, but the motor still runs
    qtbot.waitUntil(lambda: lock.lock.seconds_left() == 60, timeout=3000)
    lock.poll()
    assert not lock.lock.locked

    pen.press(Button.RUN_STOP)  # stopped; a depth press on the pen still counts
    qtbot.waitUntil(lambda: not controller.live.latest.has(Status.MOTOR_RUNNING), timeout=3000)
    clock.t += 50
    pen.press(Button.DEPTH_UP)
    qtbot.waitUntil(lambda: lock.lock.seconds_left() == 60, timeout=3000)
    clock.t += 61  # the pen idle, streaming with the motor off: the lock comes
    lock.poll()
    assert lock.lock.locked
