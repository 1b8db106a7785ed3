"""`pen-console`: the GUI by default, or a subcommand (simulate, probe, record, ...)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import console.commands


class _VersionAction(argparse.Action):
    """argparse's own version action reflows the text onto one line; this keeps lines."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from console.core.about import version_text

        print(version_text())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [
        m
        for m in pkgutil.iter_modules(console.commands.__path__)
        if m.name[0] != "_" and m.name != "cli"
    ]
    for module in sorted(modules, key=lambda m: m.name):
        importlib.import_module(f"console.commands.{module.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from console.gui import app

        return app.run(args)
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
