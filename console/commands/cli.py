"""`pen-console`: the GUI by default, or a subcommand (simulate, probe, record, ...).

Every failure a person can cause ends here as one sentence on stderr and the documented
exit code (see `_common.Exit`), never a traceback: a bad argument, a refusal, a missing
file, or a reader that closed the pipe (`pen-console sessions | head -1`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

import console.commands
from console.commands._common import CommandError, Exit, damaged

# Everything the console creates (database, its -wal and -shm, backups, exports,
# reports, key files, the data folder) is readable by this user only.
PRIVATE_UMASK = 0o077


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line instead of argparse's usage block: what was wrong, where to look."""
        self.exit(Exit.BAD_INPUT, f"{self.prog}: {message}. See `{self.prog} --help`.\n")


class _VersionAction(argparse.Action):
    """argparse's own version action reflows the text onto one line; this keeps lines."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from console.core.about import version_text

        print(version_text())
        parser.exit(0)


def build_parser(subcommands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; `subcommands=False`: the window's options only, without
    importing every subcommand's module (and what they import) first."""
    parser = Parser(
        prog="pen-console",
        description="Operator console for the microneedling pen. "
        "Without a subcommand it opens the console window.",
    )
    from console.gui import app

    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the console's version and the pen protocol it speaks, then exit",
    )
    app.add_arguments(parser)
    if not subcommands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _subcommand_names():
        importlib.import_module(f"console.commands.{name}").register(sub)
    return parser


def _subcommand_names() -> list[str]:
    found = pkgutil.iter_modules(console.commands.__path__)
    return sorted(m.name for m in found if m.name[0] != "_" and m.name != "cli")


def _window_only(argv: Sequence[str] | None) -> bool:
    """No subcommand named and no help asked for: opening the window needs none of the
    subcommands' modules, and importing them all costs its cold start (issue 13)."""
    words = set(sys.argv[1:] if argv is None else argv)
    commands = {n.replace("_", "-") for n in _subcommand_names()}  # follow_up: follow-up
    return not words & {*commands, "-h", "--help"}


def main(argv: Sequence[str] | None = None) -> int:
    umask = os.umask(PRIVATE_UMASK)
    try:
        return _run(argv)
    finally:
        os.umask(umask)


def _run(argv: Sequence[str] | None) -> int:
    from console.core.access import Refused
    from console.store import StoreError
    from console.store.keys import KeyFileError

    args, rest = None, None
    if _window_only(argv):
        args, rest = build_parser(subcommands=False).parse_known_args(argv)
    if args is None or rest:  # a subcommand, help, or a word the window does not know
        args = build_parser().parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from console.gui import app

        return app.run(args)
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except CommandError as exc:
        return _say(args, str(exc), exc.code)
    except Refused as exc:
        return _say(args, str(exc), Exit.REFUSED)
    except BrokenPipeError:
        _drop_stdout()
        return _say(
            args,
            "the program reading the output closed it early (e.g. `| head`); "
            "the rest was not printed",
            Exit.BAD_INPUT,
        )
    except KeyboardInterrupt:
        return _say(args, "interrupted (Ctrl-C); what was done before is kept", 130)
    except (StoreError, KeyFileError) as exc:
        return _say(args, str(exc), Exit.BAD_INPUT)
    except sqlite3.DatabaseError as exc:
        return _say(args, str(damaged(exc)), Exit.BAD_INPUT)
    except OSError as exc:  # disk full, permission denied, a vanished folder
        return _say(args, f"{exc}; nothing more was done", Exit.BAD_INPUT)


def _say(args: argparse.Namespace, sentence: str, code: int) -> int:
    print(f"{args.command}: {sentence}", file=sys.stderr)
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null so Python's flush at exit does not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
