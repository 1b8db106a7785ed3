"""`pen-console sessions`: one line (or JSON object) per recorded session."""

from __future__ import annotations

import argparse
import json

from console.commands._common import DAMAGE, add_db_option, damaged, open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sessions", help="list recorded sessions")
    add_db_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        rows = store.sessions()
    except DAMAGE as exc:
        return damaged("sessions", exc)
    finally:
        store.close()
    keys = (
        "uuid",
        "status",
        "started_utc",
        "ended_utc",
        "patient_code",
        "practitioner",
        "pen_serial",
        "plan_name",
        "samples",
        "events",
    )
    for row in rows:
        if args.json:
            print(json.dumps({k: row[k] for k in keys}))
        else:
            print(
                f"{row['uuid']}  {row['status']:<11} {row['started_utc']}  "
                f"{row['patient_code'] or '-':<10} {row['practitioner'] or '-':<14} "
                f"{row['samples']:>9} samples"
            )
    return 0
