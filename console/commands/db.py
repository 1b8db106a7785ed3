"""`pen-console db check|backup`: integrity and consistent online backups."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from console.commands._common import add_db_option, open_store
from console.core.access import Access, Refused
from console.core.db_admin import backup
from console.core.trust import check_database, head_words
from console.store.keys import ChainHead


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="check or back up the database")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    c = actions.add_parser(
        "check", help="integrity, audit chain, and every record checked against the chain"
    )
    c.add_argument(
        "--anchor",
        metavar="HEAD",
        help="a chain head written down earlier (NUMBER:HASH, as in a backup's manifest)",
    )
    add_db_option(c)
    c.set_defaults(func=run_check)
    b = actions.add_parser("backup", help="consistent copy, safe while recording")
    b.add_argument("dest", metavar="DEST")
    add_db_option(b)
    b.set_defaults(func=run_backup)


def run_check(args: argparse.Namespace) -> int:
    anchor = None
    if args.anchor:
        try:
            anchor = ChainHead.parse(args.anchor)
        except ValueError as exc:
            print(f"db check: {exc}", file=sys.stderr)
            return 2
    store = open_store(args)
    if store is None:
        return 2
    try:
        problems = check_database(store, anchor)
        head = store.audit.head()
    finally:
        store.close()
    for p in problems:
        print(f"db check: {p}", file=sys.stderr)
    if not problems:
        print(f"db check: {store.path} is sound; chain head {head_words(head)}")
    return 1 if problems else 0


def run_backup(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        dest, head = backup(Access(store, None), args.dest)  # --user: see issue 10's CLI
    except Refused as exc:
        print(f"db backup: {exc}", file=sys.stderr)
        return exc.exit_code
    except (OSError, sqlite3.Error) as exc:
        print(f"db backup: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"db backup: wrote {dest}; chain head {head_words(head)}")
    return 0
