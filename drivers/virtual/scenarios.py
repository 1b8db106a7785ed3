"""Scripts for the virtual pen: timelines of practitioner actions and faults.

A scenario is data: steps `Step(at_s, action, arg)` played against the pen's clock (seconds
since the pen powered on), optionally repeating every `cycle_s`. Actions:

- PRESS / LONG_PRESS: a pen button (arg: Button), exactly as the practitioner would;
- WORK: the practitioner starts (arg True) or stops (False) working on the skin; while
  working, skin contact comes and goes in 1–4 s segments;
- CARTRIDGE: insert (arg = (needles, gauge)) or remove (None);
- FAULT: the cause of a fault appears (arg = Fault); FAULT_GONE: it goes away;
- BATTERY: the battery reads arg percent.

Shipped: idle, treatment, faults, zones (mark-button presses). Never imports Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

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
