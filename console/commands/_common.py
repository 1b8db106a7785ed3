"""Helpers shared by the subcommands: the --db option and opening the store."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from console.core.paths import resolve_db_path
from console.store import Store, StoreError


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="database file (default: $PEN_CONSOLE_DB or the user data dir)"
    )


def open_store(args: argparse.Namespace) -> Store | None:
    """The store, or None after printing why it cannot be opened."""
    try:
        return Store(resolve_db_path(args.db))
    except StoreError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return None


def damaged(command: str, exc: Exception) -> int:
    """A read hit damaged data: say so in words (exit 2), never with a traceback."""
    print(
        f"{command}: the database is damaged ({exc}). Run `pen-console db check` to see "
        "what is affected; restore a backup, or move the file aside to start a new one.",
        file=sys.stderr,
    )
    return 2


DAMAGE = (sqlite3.DatabaseError, ValueError)  # ValueError covers packing.PackError
