"""`pen-console follow-up SESSION --kind outcome|complication|note --text "..."`.

Adds a follow-up note to an ended session (signed or not) as an amendment: the signed
record and its hash are untouched. Without --text it lists the session's follow-ups
(`--json` for one object per line). Practitioners and supervisors may add them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from console.commands._common import (
    CommandError,
    add_db_option,
    add_user_option,
    shown,
    sign_in,
    store_for,
)
from console.core.accounts import Action
from console.core.followups import (
    FollowUpError,
    FollowUpKind,
    add_follow_up,
    follow_ups,
    parse_kind,
)
from console.store import StoreError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "follow-up", help="add an outcome or complication note to an ended session, or list them"
    )
    p.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    p.add_argument(
        "--kind",
        default=FollowUpKind.OUTCOME.value,
        metavar="|".join(k.value for k in FollowUpKind),
        help="what the note is (default: outcome)",
    )
    p.add_argument("--text", help="the note; without it, the session's follow-ups are listed")
    p.add_argument("--json", action="store_true")
    add_db_option(p)
    add_user_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    adding = args.text is not None
    action = Action.ADD_FOLLOW_UP if adding else Action.REVIEW
    with store_for(args) as store:
        access = sign_in(args, store, action, f"session:{args.session}")
        try:
            session = store.resolve_session(args.session)
            if adding:
                added = add_follow_up(access, session, parse_kind(args.kind), args.text)
                print(
                    f"follow-up: {added.kind.value} added to session {shown(session)} by "
                    f"{shown(added.author)} at {added.created_utc}"
                )
                return 0
            notes = follow_ups(store, session)
        except (StoreError, FollowUpError) as exc:
            raise CommandError(str(exc)) from exc
    for f in notes:
        if args.json:
            print(json.dumps(asdict(f)))
        else:
            print(f"{f.created_utc}  {f.kind.value:<12} {shown(f.author)}: {shown(f.text)}")
    return 0
