"""Where the console keeps its files. PEN_CONSOLE_DB overrides the database everywhere."""

from __future__ import annotations

import os
from pathlib import Path

from console.store.keys import data_dir

DB_ENV = "PEN_CONSOLE_DB"


def default_db_path() -> Path:
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override)
    return data_dir() / "pen-console.db"


def resolve_db_path(cli_value: str | None) -> Path:
    """`--db` wins, then PEN_CONSOLE_DB, then the per-user data directory."""
    return Path(cli_value) if cli_value else default_db_path()
