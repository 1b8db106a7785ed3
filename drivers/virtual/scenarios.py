"""Scripts for the virtual pen: timelines of practitioner actions and faults.

A scenario is data: steps `Step(at_s, action, arg)` played against the pen's clock (seconds
since the pen powered on), optionally repeating every `cycle_s`. Actions:

- PRESS / LONG_PRESS: a pen button (arg: Button), exactly as the practitioner would;
- WORK: the practitioner starts (arg True) or stops (False) working on the skin; while
  working, skin contact comes and goes in 1–4 s segments;
- CARTRIDGE: insert (arg = (needles, gauge)) or remove (None);
- FAULT: the cause of a fault appears (arg = Fault); FAULT_GONE: it goes away;
- BATTERY: the battery reads arg percent.

Shipped: idle, treatment, faults, zones (mark-button presses). `ScenarioPlayer` plays one
against anything with the practitioner's controls (`Practitioner`: the virtual pen).
Never imports Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from drivers.messages import Button, Fault


class Action(enum.Enum):
    PRESS = enum.auto()
    LONG_PRESS = enum.auto()
    WORK = enum.auto()
    CARTRIDGE = enum.auto()
    FAULT = enum.auto()
    FAULT_GONE = enum.auto()
    BATTERY = enum.auto()


@dataclass(frozen=True, slots=True)
class Step:
    at_s: float
    action: Action
    arg: object = None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    steps: tuple[Step, ...]
    cycle_s: float | None = None  # repeat the steps every cycle_s after the first run


def _presses(at_s: float, button: Button, count: int) -> list[Step]:
    return [Step(at_s + 0.15 * i, Action.PRESS, button) for i in range(count)]


_TREATMENT_MINUTE = (
    Step(0.0, Action.WORK, True),
    *_presses(20.0, Button.DEPTH_UP, 2),
    *_presses(40.0, Button.DEPTH_DOWN, 2),
    Step(55.0, Action.WORK, False),
)

_ZONE = (  # one zone: three passes, each closed with a short press of mark
    Step(0.0, Action.WORK, True),
    Step(2.5, Action.PRESS, Button.MARK),
    Step(5.0, Action.PRESS, Button.MARK),
    Step(7.5, Action.PRESS, Button.MARK),
    Step(7.6, Action.WORK, False),
    Step(8.0, Action.LONG_PRESS, Button.MARK),  # next zone
)

SCENARIOS: dict[str, Scenario] = {
    "idle": Scenario(
        "idle",
        "Cartridge fitted, motor stopped, the pen lying on the cart.",
        (),
    ),
    "treatment": Scenario(
        "treatment",
        "Motor started at 0.5 s, then one-minute cycles of work on the skin with small "
        "depth changes from the pen's buttons.",
        (
            Step(0.5, Action.PRESS, Button.RUN_STOP),
            *(Step(1.0 + s.at_s, s.action, s.arg) for s in _TREATMENT_MINUTE),
        ),
        cycle_s=60.0,
    ),
    "faults": Scenario(
        "faults",
        "Treatment interrupted by a motor stall, a cartridge pulled while running and "
        "re-fitted, and an over-temperature; each cleared by a long press of run/stop "
        "once its cause is gone. The battery runs low.",
        (
            Step(0.5, Action.PRESS, Button.RUN_STOP),
            Step(1.0, Action.WORK, True),
            Step(4.0, Action.FAULT, Fault.MOTOR_STALL),
            Step(5.0, Action.FAULT_GONE, Fault.MOTOR_STALL),
            Step(5.5, Action.LONG_PRESS, Button.RUN_STOP),
            Step(6.0, Action.PRESS, Button.RUN_STOP),
            Step(7.0, Action.CARTRIDGE, None),
            Step(8.0, Action.CARTRIDGE, (12, 32)),
            Step(8.3, Action.LONG_PRESS, Button.RUN_STOP),
            Step(8.5, Action.PRESS, Button.RUN_STOP),
            Step(11.0, Action.FAULT, Fault.OVER_TEMPERATURE),
            Step(13.0, Action.FAULT_GONE, Fault.OVER_TEMPERATURE),
            Step(13.5, Action.LONG_PRESS, Button.RUN_STOP),
            Step(13.8, Action.PRESS, Button.RUN_STOP),
            Step(15.0, Action.BATTERY, 14),
            Step(19.0, Action.WORK, False),
            Step(19.2, Action.PRESS, Button.RUN_STOP),
            Step(19.5, Action.BATTERY, 60),
        ),
        cycle_s=20.0,
    ),
    "zones": Scenario(
        "zones",
        "Passes marked with the pen's mark button: a short press closes a pass, a long "
        "press moves to the next zone. Three zones of three passes, then the motor stops.",
        (
            Step(0.3, Action.PRESS, Button.RUN_STOP),
            *(Step(0.5 + 8.5 * z + s.at_s, s.action, s.arg) for z in range(3) for s in _ZONE),
            Step(26.0, Action.PRESS, Button.RUN_STOP),
        ),
    ),
}


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r}; choose one of: {known}") from None


class Practitioner(Protocol):
    """What a scenario can do to a pen: the hands on it and the faults that befall it."""

    def press(self, button: Button | int, long: bool = False) -> None: ...
    def set_working(self, working: bool) -> None: ...
    def set_cartridge(self, cartridge: tuple[int, int] | None) -> None: ...
    def raise_fault(self, fault: Fault | int) -> None: ...
    def remove_fault_cause(self, fault: Fault | int) -> None: ...
    def set_battery(self, pct: float) -> None: ...


class ScenarioPlayer:
    """Which steps fall due as a pen's clock runs, and what each one does to the pen."""

    def __init__(self, played: Scenario) -> None:
        self.scenario = played
        self._index = 0
        self._cycle = 0

    def due(self, now_s: float) -> list[tuple[float, Step]]:
        """The steps due up to now_s, each with the pen-clock time it falls at, in order."""
        steps, cycle_s = self.scenario.steps, self.scenario.cycle_s
        due: list[tuple[float, Step]] = []
        while steps:
            if self._index >= len(steps):
                if cycle_s is None:
                    break
                self._index = 0
                self._cycle += 1
            step = steps[self._index]
            at_s = step.at_s + self._cycle * (cycle_s or 0.0)
            if at_s > now_s:
                break
            due.append((at_s, step))
            self._index += 1
        return due


def play(step: Step, pen: Practitioner) -> None:
    match step.action:
        case Action.PRESS:
            pen.press(_number(step.arg))
        case Action.LONG_PRESS:
            pen.press(_number(step.arg), long=True)
        case Action.WORK:
            pen.set_working(bool(step.arg))
        case Action.CARTRIDGE:
            pen.set_cartridge(_cartridge(step.arg))
        case Action.FAULT:
            pen.raise_fault(_number(step.arg))
        case Action.FAULT_GONE:
            pen.remove_fault_cause(_number(step.arg))
        case Action.BATTERY:
            pen.set_battery(_number(step.arg))


def _number(arg: object) -> int:
    if not isinstance(arg, int | float):
        raise TypeError(f"scenario step wants a number, got {arg!r}")
    return int(arg)


def _cartridge(arg: object) -> tuple[int, int] | None:
    if arg is None:
        return None
    if not isinstance(arg, tuple) or len(arg) != 2:
        raise TypeError(f"scenario cartridge wants (needles, gauge) or None, got {arg!r}")
    return int(arg[0]), int(arg[1])
