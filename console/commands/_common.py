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
        store = Store(resolve_db_path(args.db))
    except StoreError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return None
    announce_upgrade(store)
    return store


def announce_upgrade(store: Store) -> None:
    """Name the copy kept before this start upgraded the database (the first start of a
    newer version); nothing when no upgrade ran."""
    if store.migration_backup is not None:
        print(
            f"pen-console: the database {store.path} was upgraded for this version; the copy "
            f"from before the upgrade is {store.migration_backup}",
            file=sys.stderr,
        )


def damaged(command: str, exc: Exception) -> int:
    """A read hit damaged data: say so in words (exit 2), never with a traceback."""
    print(
        f"{command}: the database is damaged ({exc}). Run `pen-console db check` to see "
        "what is affected; restore a backup, or move the file aside to start a new one.",
        file=sys.stderr,
    )
    return 2


DAMAGE = (sqlite3.DatabaseError, ValueError)  # ValueError covers packing.PackError
