"""The GUI entry point (issue 4 fills this in)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--simulate", action="store_true", help="use the built-in virtual pen")


def run(args: argparse.Namespace) -> int:
    raise SystemExit("the console window is not built yet")
