"""`pen-console sign SESSION --meaning reviewed|approved --user NAME`: scripted review.

A supervisor signs one ended session; the password comes from the terminal or the first
line of standard input. The signature binds the session's content and locks it.
"""

from __future__ import annotations

import argparse

from console.commands._common import (
    CommandError,
    Exit,
    Passwords,
    add_signed_options,
    shown,
    signed_in,
)
from console.core.accounts import Action
from console.core.signing import MEANINGS, ChangedSinceSeal, SigningError, sign
from console.store import StoreError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sign", help="sign an ended session as a supervisor")
    p.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    p.add_argument("--meaning", choices=MEANINGS, required=True)
    add_signed_options(p, json=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pw = Passwords()
    with signed_in(args, Action.SIGN, f"session:{args.session}", pw) as access:
        if access.user is None:
            raise CommandError(
                "this console has no user accounts, so nobody can sign: add the "
                "administrator (pen-console users add NAME), then a supervisor."
            )
        try:
            session = access.store.resolve_session(args.session)
            signature = sign(access, session, args.meaning, pw.acting or "")
        except ChangedSinceSeal as exc:
            raise CommandError(str(exc), Exit.PROBLEMS) from exc
        except (StoreError, SigningError) as exc:
            raise CommandError(str(exc)) from exc
    print(
        f"sign: session {shown(session)} {signature.meaning} by {shown(signature.signer)} at "
        f"{signature.signed_utc} (content {signature.content_sha256[:12]}…)"
    )
    return 0
