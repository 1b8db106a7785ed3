"""`pen-console doctor`: can this machine open the console window and sound its alarms?
Names missing packages."""

from __future__ import annotations

import argparse
import json

from console.core.syslibs import (
    SOUND_APT,
    SOUND_PLAYERS,
    apt_command,
    missing_libraries,
    qt_files,
    sound_player,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the console window's system libraries (Qt's) and the alarm sound player",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files = qt_files()
    missing = missing_libraries(files)
    command = apt_command(missing)
    player = sound_player()
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
                    "sound_player": player,
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
    if player is None and not args.json:
        print(
            f"doctor: no alarm sound player ({' or '.join(SOUND_PLAYERS)}): alarms will be"
            f" silent, visual only. Install one with:\n    sudo apt install {SOUND_APT}"
        )
    return 1 if missing or not files or player is None else 0
