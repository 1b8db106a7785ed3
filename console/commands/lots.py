"""`pen-console lots find LOT [--json]`: the recall search (needs sign-in).

Lists every session and patient that used the lot: one line, or JSON object, each.
Exit 1 when the lot was never used (a check that found nothing to recall is still worth
a distinct code in a script), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from console.commands._common import (
    CommandError,
    Exit,
    add_signed_options,
    shown,
    signed_in,
)
from console.core.accounts import Action
from console.core.lots import LotError, find_lot


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("lots", help="find every session and patient of a lot (needs sign-in)")
    verbs = p.add_subparsers(dest="verb", metavar="find", required=True)
    find = verbs.add_parser("find", help="every session and patient that used LOT")
    find.add_argument("lot", metavar="LOT")
    add_signed_options(find)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with signed_in(args, Action.REVIEW, f"lot:{args.lot}") as access:
        try:
            uses = find_lot(access, args.lot)
        except LotError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps([asdict(u) for u in uses], indent=1))
    else:
        for u in uses:
            print(
                f"{shown(u.session)}  {shown(u.started_utc)}  patient {shown(u.patient_code):<10} "
                f"{shown(u.kind):<16} lot {shown(u.lot)} serial {shown(u.serial)}"
            )
        if not uses:
            print(f"no session used the lot {shown(args.lot)}")
    return Exit.OK if uses else Exit.PROBLEMS
