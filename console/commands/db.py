"""`pen-console db check|backup|recover-spill`: integrity, online backups, spill merges."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from console.commands._common import add_db_option, open_store
from console.store import spill
from console.store.maintenance import backup, check, notes


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="check or back up the database")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    c = actions.add_parser("check", help="integrity, schema, orphans, audit chain, signatures")
    add_db_option(c)
    c.set_defaults(func=run_check)
    r = actions.add_parser(
        "recover-spill", help="merge back recordings saved elsewhere while the disk was full"
    )
    r.add_argument("files", nargs="*", metavar="FILE", help="spill files (default: all found)")
    add_db_option(r)
    r.set_defaults(func=run_recover_spill)
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
        remarks = notes(store)
    finally:
        store.close()
    for p in problems:
        print(f"db check: {p}", file=sys.stderr)
    for n in remarks:  # not problems: the exit code stays 0 for them
        print(f"db check: note: {n}")
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


def run_recover_spill(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    paths = [Path(f) for f in args.files] or spill.find(store.path)
    code = 0
    try:
        for path in paths:
            try:
                merged = spill.recover(store, path)
            except (OSError, ValueError, sqlite3.Error) as exc:
                print(
                    f"db recover-spill: {path} was not merged ({exc}); it is kept", file=sys.stderr
                )
                code = 2
                continue
            for r in merged:
                print(
                    f"db recover-spill: merged {r.samples} samples of session {r.session} "
                    f"from {r.path}"
                )
    finally:
        store.close()
    if not paths:
        print(f"db recover-spill: no spill files for {store.path}")
    return code
