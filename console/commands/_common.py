"""Helpers shared by the subcommands: the --db option and opening the store."""

from __future__ import annotations

import argparse
import sys

from console.paths import resolve_db_path
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
