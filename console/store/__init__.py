"""The local session store (SQLite). Qt-free; shared by the GUI, the recorder and the CLI."""

from console.store.store import SessionFilter, Store, StoreError, local_tz_name, utc_now

__all__ = ["SessionFilter", "Store", "StoreError", "local_tz_name", "utc_now"]
