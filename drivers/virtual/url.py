"""`virtual://SCENARIO?key=value&...`: which virtual pen a URL describes, or why it is wrong.

The scenario is the host part (`virtual://faults`); an empty one means `treatment`. Every
PenConfig field may be given as a query key (`telemetry_hz=2000`, `seed=9`, `noise=0.01`,
`seq0=65000`, `firmware=2.3.1`, `keep_logs=0`, ...). A wrong scenario, an unknown key or
a value of the wrong kind is a `VirtualUrlError` whose words name the bad part and what
is accepted; nothing is guessed. Never imports Qt.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import get_type_hints
from urllib.parse import parse_qsl, urlsplit

from drivers.virtual.records import PenConfig
from drivers.virtual.scenarios import SCENARIOS

SCHEME = "virtual"
DEFAULT_SCENARIO = "treatment"
_WIDEST = {  # the wire width of each integer field that is not a u16
    "protocol_major": 0xFF,
    "protocol_minor": 0xFF,
    "needles": 0xFF,
    "gauge": 0xFF,
    "t_us0": 0xFFFFFFFF,
    "strokes0": 0xFFFFFFFF,
    "seq0": 0xFFFFFFFF,
    "seed": 0xFFFFFFFF,
}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class VirtualUrlError(ValueError):
    """A virtual:// URL names something the virtual pen does not have."""


def parse(url: str) -> tuple[str, PenConfig]:
    """(scenario name, config) for a virtual:// URL."""
    parts = urlsplit(url)
    if parts.scheme != SCHEME:
        raise VirtualUrlError(f"{url!r} is not a virtual pen URL; they start with virtual://")
    name = parts.netloc or parts.path.strip("/") or DEFAULT_SCENARIO
    if name not in SCENARIOS:
        known = ", ".join(sorted(SCENARIOS))
        raise VirtualUrlError(f"unknown virtual pen scenario {name!r}; choose one of: {known}")
    values: dict[str, object] = {}
    for key, text in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _KINDS:
            known = ", ".join(sorted(_KINDS))
            raise VirtualUrlError(f"unknown virtual pen option {key!r}; the options are: {known}")
        values[key] = _READERS[_KINDS[key]](key, text)
    return name, PenConfig(**values)  # type: ignore[arg-type]


def _whole(key: str, text: str) -> int:
    top = _WIDEST.get(key, 0xFFFF)
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= top:
        raise VirtualUrlError(
            f"virtual pen option {key} wants a whole number from 0 to {top}, not {text!r}"
        )
    return value


def _number(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise VirtualUrlError(f"virtual pen option {key} wants a number, not {text!r}")
    if key == "noise" and not 0.0 <= value <= 1.0:
        raise VirtualUrlError(
            f"virtual pen option noise wants a fraction from 0 to 1, not {text!r}"
        )
    return value


def _switch(key: str, text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise VirtualUrlError(f"virtual pen option {key} wants 1 or 0, not {text!r}")


def _version(key: str, text: str) -> tuple[int, ...]:
    numbers = text.split(".")
    if len(numbers) != 3 or not all(n.isdigit() for n in numbers):
        raise VirtualUrlError(
            f"virtual pen option {key} wants a version such as 2.3.1, not {text!r}"
        )
    return tuple(int(n) for n in numbers)


def _text(_key: str, text: str) -> str:
    return text


# How each PenConfig field's type is read from a query value.
_READERS: dict[object, Callable[[str, str], object]] = {
    int: _whole,
    float: _number,
    bool: _switch,
    tuple[int, int, int]: _version,
    str: _text,
}
_KINDS = get_type_hints(PenConfig)
