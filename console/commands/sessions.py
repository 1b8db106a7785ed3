"""`pen-console sessions`: one line (or JSON object) per recorded session."""

from __future__ import annotations

import argparse
import json

from console.commands._common import (
    DAMAGE,
    add_db_option,
    add_user_option,
    damaged,
    shown,
    sign_in,
    store_for,
)
from console.core.accounts import Action
from console.core.records import list_sessions
from console.core.simulated import TAG, is_simulated
from console.store.rows import SessionFilter

KEYS = (
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
    "simulated",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sessions", help="list recorded sessions (needs sign-in)")
    add_db_option(p)
    add_user_option(p)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--has-alarms", action="store_true", help="only sessions with an alarm in their record"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with store_for(args) as store:
        access = sign_in(args, store, Action.REVIEW, "sessions")
        try:
            filt = SessionFilter(has_alarms=True) if args.has_alarms else None
            rows = list_sessions(access, filt)
        except DAMAGE as exc:
            raise damaged(exc) from exc
    for row in rows:
        row["status"] = row["status_now"]  # a dead recorder's session shows as interrupted
        if args.json:  # json.dumps escapes control characters itself
            print(json.dumps({**{k: row[k] for k in KEYS}, "simulated": is_simulated(row)}))
        else:
            print(
                f"{shown(row['uuid'])}  {shown(row['status']):<11} {shown(row['started_utc'])}  "
                f"{shown(row['patient_code']):<10} {shown(row['practitioner']):<14} "
                f"{row['samples']:>9} samples{'  ' + TAG if is_simulated(row) else ''}"
            )
    return 0
