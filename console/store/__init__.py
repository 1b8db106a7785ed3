"""The local session store (SQLite): the only place with SQL. Qt-free; shared by the GUI,
the recorder and the CLI. Never imports console.core, console.gui or widgets."""

from console.store.rows import (
    EventKind,
    EventRow,
    SessionFilter,
    StoreError,
    local_tz_name,
    utc_now,
)
from console.store.store import Store

__all__ = [
    "EventKind",
    "EventRow",
    "SessionFilter",
    "Store",
    "StoreError",
    "local_tz_name",
    "utc_now",
]
