"""`pen-console doctor`: can this machine open the console window? Names missing packages."""

from __future__ import annotations

import argparse
import json

from console.core.syslibs import apt_command, missing_libraries, qt_files


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check the system libraries the console window needs (Qt's)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files = qt_files()
    missing = missing_libraries(files)
    command = apt_command(missing)
    if args.json:
        print(
            json.dumps(
                {
                    "qt_found": bool(files),
                    "missing": [
                        {"soname": m.soname, "needed_by": m.needed_by, "apt": m.apt_package}
                        for m in missing
                    ],
                    "install": command,
                }
            )
        )
    elif not files:
        print("doctor: PySide6 (Qt) is not installed in this environment; reinstall the console.")
    elif not missing:
        print("doctor: every system library the console window needs is present.")
    else:
        print("doctor: the console window needs system libraries this machine lacks:")
        for m in missing:
            print(f"  {m}")
        if command:
            print(f"Install them with:\n    {command}")
        print("The command-line tools (record, sessions, db, backup, bundle) work without them.")
    return 1 if missing or not files else 0
