"""`pen-console users add|list|disable|enable|role|unlock|password`: a cart's accounts.

The very first account is the administrator and is created without sign-in (on a new
database too, which this then creates and says so). After that an administrator signs
in (--user) for every change. Passwords come from the terminal without echo, or, when
standard input is not a terminal, one line each: the acting user's password first, then
the new password twice.
"""

from __future__ import annotations

import argparse
import sys

from console.commands._common import (
    CommandError,
    Passwords,
    add_db_option,
    add_user_option,
    database_path,
    shown,
    sign_in,
    store_for,
)
from console.core.access import Access
from console.core.accounts import AccountError, Accounts, Action, Role
from console.core.credentials import (
    CredentialError,
    check_display_name,
    check_login,
    check_password,
)
from console.store import Store

ROLES = [r.value for r in Role]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add, list, disable or re-role user accounts")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="add a user; the first one is the administrator (no sign-in)"
    )
    add.add_argument("name", metavar="NAME", help="login name: letters, digits, . _ -")
    add.add_argument("--role", choices=ROLES, help="required after the first (admin) account")
    add.add_argument("--display-name", default="", metavar="TEXT", help="shown on records")
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="users, roles and state (administrator)")
    listing.set_defaults(func=run_list)
    for action, text in (
        ("disable", "stop an account signing in (records keep its name)"),
        ("enable", "let a disabled account sign in again"),
        ("unlock", "lift the lock after too many failed sign-ins"),
    ):
        a = actions.add_parser(action, help=text)
        a.add_argument("name", metavar="NAME")
        a.set_defaults(func=run_change)
    role = actions.add_parser("role", help="give a user another role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=ROLES, metavar="ROLE", help=" | ".join(ROLES))
    role.set_defaults(func=run_change)
    password = actions.add_parser(
        "password", help="change your password, or (administrator) reset someone's"
    )
    password.add_argument("name", nargs="?", metavar="NAME", help="default: the --user")
    password.set_defaults(func=run_password)
    for each in actions.choices.values():
        add_db_option(each)
        add_user_option(each)


def _admin(args: argparse.Namespace, store: Store, obj: str, pw: Passwords) -> Access:
    return sign_in(args, store, Action.MANAGE_USERS, obj, pw)


def run_add(args: argparse.Namespace) -> int:
    first_on_new_file = not database_path(args).exists()
    if first_on_new_file and args.role not in (None, Role.ADMIN.value):
        raise CommandError(
            f"there is no database at {database_path(args)}, and its first account must be "
            "the administrator: add it with --role admin (or fix --db)."
        )
    pw = Passwords()
    password = None
    if first_on_new_file:  # check what can be checked before a database is created
        try:
            login = check_login(args.name)
            check_display_name(args.display_name, login)
            password = pw.new(login)
            check_password(password, login)
        except CredentialError as exc:
            raise CommandError(f"{exc}; nothing was created") from exc
    with store_for(args, create=True) as store:
        accounts = Accounts(store)
        first = accounts.count() == 0
        access = None if first else _admin(args, store, f"user:{args.name}", pw)
        role = args.role or (Role.ADMIN.value if first else None)
        if role is None:
            raise CommandError(f"give the new user's role: --role {'|'.join(ROLES)}")
        try:
            user = accounts.add(
                args.name,
                role,
                password if password is not None else pw.new(args.name),
                access=access,
                display_name=args.display_name,
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
    what = "the administrator" if first else user.role
    print(f"users: added {shown(user.name)} ({what})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with store_for(args) as store:
        _admin(args, store, "users", Passwords())
        accounts = Accounts(store)
        rows = [(u, accounts.locked_until(u.name)) for u in accounts.list()]
    for user, locked in rows:
        state = "" if user.active else "  (disabled)"
        if locked is not None:
            state += f"  (locked until {locked:%Y-%m-%d %H:%M} UTC)"
        shown_as = "" if user.display_name == user.name else f"  “{shown(user.display_name)}”"
        print(f"{shown(user.name):<24} {user.role:<13}{state}{shown_as}")
    return 0


def run_change(args: argparse.Namespace) -> int:
    with store_for(args) as store:
        access = _admin(args, store, f"user:{args.name}", Passwords())
        accounts = Accounts(store)
        try:
            match args.users_action:
                case "disable":
                    accounts.set_active(args.name, False, access=access)
                case "enable":
                    accounts.set_active(args.name, True, access=access)
                case "unlock":
                    accounts.unlock(args.name, access=access)
                case "role":
                    accounts.set_role(args.name, args.role, access=access)
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
    print(f"users: {args.users_action} {shown(args.name)}: done (logged)")
    return 0


def run_password(args: argparse.Namespace) -> int:
    pw = Passwords()
    with store_for(args) as store:
        target = args.name
        own = target is None
        access = sign_in(args, store, None if own else Action.MANAGE_USERS, "users", pw)
        if access.user is None:
            raise CommandError("this database has no accounts yet; add the administrator first")
        target = target or access.user.name
        try:
            Accounts(store).set_password(target, pw.new(target), access=access)
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
    print(f"users: the password of {shown(target)} was changed (logged)", file=sys.stderr)
    return 0
