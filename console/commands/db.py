"""`pen-console db check|backup`: integrity and consistent online backups."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from console.commands._common import add_db_option, open_store
from console.store.maintenance import backup, check


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="check or back up the database")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    c = actions.add_parser("check", help="integrity, schema, orphans, audit chain, signatures")
    add_db_option(c)
    c.set_defaults(func=run_check)
    b = actions.add_parser("backup", help="consistent copy, safe while recording")
    b.add_argument("dest", metavar="DEST")
    add_db_option(b)
    b.set_defaults(func=run_backup)


def run_check(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        problems = check(store)
    finally:
        store.close()
    for p in problems:
        print(f"db check: {p}", file=sys.stderr)
    if not problems:
        print(f"db check: {store.path} is sound")
    return 1 if problems else 0


def run_backup(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        dest = backup(store, args.dest)
    except (OSError, sqlite3.Error) as exc:
        print(f"db backup: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"db backup: wrote {dest}")
    return 0
