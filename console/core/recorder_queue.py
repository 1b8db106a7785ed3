"""What the recorder's callers and the link's reader thread hand its writer thread: one
type per item, dispatched with `match` (console/core/recorder.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from console.store import EventRow
from console.store.packing import Columns


@dataclass(frozen=True, slots=True)
class Open:
    session: str


@dataclass(frozen=True, slots=True)
class Close:
    status: str
    done: threading.Event


@dataclass(frozen=True, slots=True)
class Flush:
    done: threading.Event


@dataclass(frozen=True, slots=True)
class Stop:
    pass


@dataclass(frozen=True, slots=True)
class Tick:
    pass


@dataclass(frozen=True, slots=True)
class Samples:
    columns: Columns


@dataclass(frozen=True, slots=True)
class Event:
    row: EventRow


@dataclass(frozen=True, slots=True)
class Pass:
    row: dict[str, Any]
    undone: bool


Item = Open | Close | Flush | Stop | Tick | Samples | Event | Pass
