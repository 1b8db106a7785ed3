"""What the subcommands share: --db and --user, opening the store, sign-in, errors, output.

A subcommand raises CommandError (or lets the core's refusal through); `cli.main` turns
either into one sentence on stderr and the documented exit code, never a traceback.
Permission rules are not decided here: `console.core.access` decides and audits them.
"""

from __future__ import annotations

import argparse
import enum
import getpass
import os
import sqlite3
import stat
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from console.core.access import Access, Refused
from console.core.accounts import Accounts, Action
from console.core.paths import DB_ENV, default_db_path, resolve_db_path
from console.core.safe_files import database_files, make_private
from console.store import Store, StoreError

USER_ENV = "PEN_CONSOLE_USER"


class Exit(enum.IntEnum):
    """The documented exit codes of every subcommand."""

    OK = 0
    PROBLEMS = 1  # a check found problems
    BAD_INPUT = 2  # bad input, or a file that cannot be opened
    PROTOCOL = 3  # the pen speaks another protocol version
    REFUSED = 4  # not signed in, or not permitted


class CommandError(Exception):
    """What went wrong, as one sentence saying what to do; cli.main prints it."""

    def __init__(self, message: str, code: Exit = Exit.BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- options


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="database file (default: $PEN_CONSOLE_DB or the user data dir)"
    )


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"who signs in (default: ${USER_ENV}); the password is asked on the terminal, "
        "or read from standard input, one line per password",
    )


def add_signed_options(parser: argparse.ArgumentParser, *, json: bool = True) -> None:
    """--db and --user for a command that signs in, and --json when it prints records."""
    add_db_option(parser)
    add_user_option(parser)
    if json:
        parser.add_argument("--json", action="store_true", help="machine-readable output")


# ---------------------------------------------------------------- the database


def database_path(args: argparse.Namespace) -> Path:
    return resolve_db_path(getattr(args, "db", None))


def open_store(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The store at --db. A missing file is a mistyped path, not a new database, unless
    this command is one of the few that create one (`create`), which then says so."""
    path = database_path(args)
    new = not path.exists()
    if new:
        if not create:
            raise CommandError(
                f"there is no database at {path}. Check --db or ${DB_ENV}; "
                f"to start a new one run `pen-console db init --db {path}`."
            )
        _make_data_dir(path)
    open_folder = _open_folder(path.parent)
    if open_folder and new:
        raise CommandError(f"{open_folder}; no database was created there.")
    if open_folder:
        print(f"{args.command}: warning: {open_folder}.", file=sys.stderr)
    try:
        store = Store(path)
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    for own in database_files(path):  # older consoles left them 0644: patient data
        if own.exists() and own.stat().st_mode & 0o077:
            make_private(own)
    if new:
        print(f"{args.command}: created a new database at {path}", file=sys.stderr)
    elif store.migration_backup is not None:  # the first start of a newer version
        print(
            f"{args.command}: the database {path} was upgraded for this version; the copy "
            f"from before the upgrade is {store.migration_backup}",
            file=sys.stderr,
        )
    return store


def _open_folder(folder: Path) -> str | None:
    """Why a folder is unsafe for the database: anyone on the machine may replace or
    delete files in it (world-writable without the sticky bit); else None."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return None
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        return (
            f"the folder {folder} is writable by every account on this machine (mode "
            f"{stat.S_IMODE(mode):o}), so anyone could replace or delete the database; "
            f"make it private (chmod 700 {folder}) or use another folder"
        )
    return None


def _make_data_dir(path: Path) -> None:
    """The default data directory is created private (0700). A folder named in --db must
    already exist: a mistyped USB or network path must not land on the internal disk."""
    folder = path.parent
    if folder.is_dir():
        return
    if path != default_db_path() or os.environ.get(DB_ENV):
        raise CommandError(f"the folder {folder} does not exist; create it first, or fix --db.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is filtered by the umask


@contextmanager
def store_for(args: argparse.Namespace, *, create: bool = False) -> Iterator[Store]:
    store = open_store(args, create=create)
    try:
        yield store
    finally:
        store.close()


def damaged(exc: Exception) -> CommandError:
    """A read hit damaged data: say so in words (exit 2), never with a traceback."""
    return CommandError(
        f"the database is damaged ({exc}). Run `pen-console db check` to see what is "
        "affected; restore a backup, or move the file aside to start a new one."
    )


DAMAGE = (sqlite3.DatabaseError, ValueError)  # ValueError covers packing.PackError


# ---------------------------------------------------------------- sign-in


class Passwords:
    """Passwords in the order a command needs them: the acting user's first, then any
    new password twice. From the terminal without echo, or, when standard input is not
    a terminal (scripts, provisioning), one line each from it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdin
        self.acting: str | None = None  # kept for a signature, which re-checks it

    def current(self, name: str) -> str | None:
        """The acting user's password, or None when none came (no line, Ctrl-D, Ctrl-C)."""
        try:
            self.acting = self._line(f"Password for {name}: ")
        except (EOFError, KeyboardInterrupt):
            self.acting = None
        return self.acting

    def new(self, whose: str) -> str:
        """A new password, asked twice; CommandError when the two differ or none came."""
        try:
            first = self._line(f"New password for {whose}: ")
            again = self._line("The same again: ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError(
                f"no new password for {whose} was given (give it twice, one line each)"
            ) from None
        if first != again:
            raise CommandError("the two new passwords differ; nothing was changed")
        return first

    def _line(self, prompt: str) -> str:
        if self._stream.isatty():
            return getpass.getpass(prompt)
        line = self._stream.readline()
        if not line:
            raise EOFError
        return line.removesuffix("\n").removesuffix("\r")


def user_name(args: argparse.Namespace) -> str | None:
    name = getattr(args, "user", None) or os.environ.get(USER_ENV, "")
    return name.strip() or None


def sign_in(
    args: argparse.Namespace,
    store: Store,
    action: Action | None,
    obj: str,
    passwords: Passwords | None = None,
) -> Access:
    """The door for `action` on `obj`, for whoever signs in with --user (`action` None:
    any signed-in user; the core service then decides). On a demo database (no accounts)
    nobody needs to: everything is recorded as unattributed. Otherwise the core refuses
    (Refused, exit 4) and audits it when nobody signs in, the password is wrong, or the
    role does not allow the action."""
    access = Access(store, None)
    if access.demo:
        return access
    name = user_name(args)
    password = None if name is None else (passwords or Passwords()).current(name)
    accounts = Accounts(store)
    user = None if name is None or password is None else accounts.login(name, password)
    if user is None:  # Accounts audits a failed sign-in; the refusal is audited here
        why = (
            f"this console has user accounts, so give --user NAME (or ${USER_ENV}) and the password"
            if name is None
            else "no password was given"
            if password is None
            else accounts.why_refused(name)
        )
        if action is None:
            raise Refused(f"not signed in: {why}.")
        try:
            access.require(action, obj)
        except Refused as exc:
            raise Refused(f"not signed in: {why}.", action) from exc
    signed = Access(store, user)
    if action is not None:
        signed.require(action, obj)
    return signed


@contextmanager
def signed_in(
    args: argparse.Namespace,
    action: Action | None,
    obj: str,
    passwords: Passwords | None = None,
) -> Iterator[Access]:
    """The store at --db, opened, and the door for `action` on `obj` (see sign_in);
    the store is closed when the block ends. `access.store` is the open store."""
    with store_for(args) as store:
        yield sign_in(args, store, action, obj, passwords)


# ---------------------------------------------------------------- output


_UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def shown(value: object) -> str:
    """Text for the terminal: control, format (bidi) and unassigned characters become
    visible escapes, so a name or code cannot forge lines or recolour the screen."""
    text = "-" if value is None else str(value)
    return "".join(_escape(ch) if unicodedata.category(ch) in _UNSAFE else ch for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
