"""`pen-console export SESSION --format csv|json [--out FILE]`."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext

from console.commands._common import DAMAGE, add_db_option, damaged, open_store
from console.core.access import Access, Refused
from console.core.export import session_record, write_csv
from console.core.records import exported
from console.store import StoreError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="export one session as CSV or JSON")
    p.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    add_db_option(p)
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--out", metavar="FILE", help="default: standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        session = store.resolve_session(args.session)
        exported(Access(store, None), session, args.format, args.out or "-")
        with open(args.out, "w", newline="") if args.out else nullcontext(sys.stdout) as out:
            if args.format == "csv":
                write_csv(store, session, out)
            else:
                json.dump(session_record(store, session), out, indent=1, default=str)
                out.write("\n")
    except Refused as exc:
        print(f"export: {exc}", file=sys.stderr)
        return exc.exit_code
    except (StoreError, OSError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    except DAMAGE as exc:
        return damaged("export", exc)
    finally:
        store.close()
    return 0
