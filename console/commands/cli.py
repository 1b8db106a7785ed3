"""`pen-console`: the GUI by default, or a subcommand (simulate, probe, record, ...)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import console.commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pen-console",
        description="Operator console for the microneedling pen. "
        "Without a subcommand it opens the console window.",
    )
    from console.gui import app

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
