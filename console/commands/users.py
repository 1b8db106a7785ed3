"""`pen-console users add NAME --role ROLE` and `users list`: provision a cart's accounts.

With a terminal the password is asked twice without echo; without one (scripts, IT
provisioning) it is read from the first line of standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from console.commands._common import add_db_option, open_store
from console.core.access import Access, Refused
from console.core.accounts import AccountError, Accounts, Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add or list local user accounts")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="add a user (password from the terminal or stdin)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in Role])
    add_db_option(a)
    a.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list users and roles")
    add_db_option(listing)
    listing.set_defaults(func=run_list)


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ; nothing was changed")
    return first


def run_add(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        accounts = Accounts(store)
        user = accounts.add(args.name, args.role, read_password(), access=Access(store, None))
        print(f"users: added {user.name} ({user.role})")
        return 0
    except AccountError as exc:
        print(f"users: {exc}", file=sys.stderr)
        return 2
    except Refused as exc:
        print(f"users: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        store.close()


def run_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        for user in Accounts(store).list():
            state = "" if user.active else "  (disabled)"
            print(f"{user.name:<24} {user.role}{state}")
    finally:
        store.close()
    return 0
