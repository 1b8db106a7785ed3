"""Scripts for the virtual pen: timelines of practitioner actions and faults.

A scenario is data: a list of steps `(at_s, action, arg)` played against the pen's clock,
optionally repeating every `cycle_s`. Actions:

- `press` / `long_press`: a pen button (arg: Button), exactly as the practitioner would;
- `contact`: the practitioner starts (arg True) or stops (False) working on the skin;
  while working, skin contact comes and goes in 1–4 s segments;
- `cartridge`: insert (arg = (needles, gauge)) or remove (None);
- `fault`: raise (arg = Fault) or remove the cause (arg = -Fault);
- `battery`: set the battery percent.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.messages import Button, Fault


@dataclass(frozen=True, slots=True)
class Step:
    at_s: float
    action: str
    arg: object = None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    steps: tuple[Step, ...]
    cycle_s: float | None = None  # repeat the steps every cycle_s after the first run


def _depth_presses(at_s: float, button: Button, count: int) -> list[Step]:
    return [Step(at_s + 0.15 * i, "press", button) for i in range(count)]


_TREATMENT_CYCLE = (
    Step(0.0, "contact", True),
    *_depth_presses(20.0, Button.DEPTH_UP, 2),
    *_depth_presses(40.0, Button.DEPTH_DOWN, 2),
    Step(55.0, "contact", False),
)

SCENARIOS: dict[str, Scenario] = {
    "idle": Scenario(
        "idle",
        "Cartridge fitted, motor stopped, the pen lying on the cart.",
        (),
    ),
    "treatment": Scenario(
        "treatment",
        "Motor started at 1 s, then one-minute cycles of work on the skin with small "
        "depth changes from the pen's buttons.",
        (
            Step(0.5, "press", Button.RUN_STOP),
            *(Step(1.0 + s.at_s, s.action, s.arg) for s in _TREATMENT_CYCLE),
        ),
        cycle_s=60.0,
    ),
    "faults": Scenario(
        "faults",
        "Treatment interrupted by a motor stall, a cartridge pulled and re-fitted, and "
        "an over-temperature that clears by itself.",
        (
            Step(0.5, "press", Button.RUN_STOP),
            Step(1.0, "contact", True),
            Step(4.0, "fault", Fault.MOTOR_STALL),
            Step(5.0, "fault", -Fault.MOTOR_STALL),
            Step(7.0, "cartridge", None),
            Step(8.0, "cartridge", (12, 32)),
            Step(8.5, "press", Button.RUN_STOP),
            Step(11.0, "fault", Fault.OVER_TEMPERATURE),
            Step(13.0, "fault", -Fault.OVER_TEMPERATURE),
            Step(13.5, "press", Button.RUN_STOP),
            Step(15.0, "battery", 14),
        ),
        cycle_s=20.0,
    ),
    "zones": Scenario(
        "zones",
        "Passes marked with the pen's mark button: a short press closes a pass, a long "
        "press moves to the next zone of the plan.",
        (
            Step(0.3, "press", Button.RUN_STOP),
            Step(0.5, "contact", True),
            Step(3.0, "press", Button.MARK),
            Step(5.5, "press", Button.MARK),
            Step(6.0, "long_press", Button.MARK),
            Step(8.5, "press", Button.MARK),
            Step(9.0, "long_press", Button.MARK),
            Step(11.5, "press", Button.MARK),
            Step(14.0, "press", Button.MARK),
            Step(14.5, "contact", False),
        ),
    ),
}


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r}; choose one of: {known}") from None
