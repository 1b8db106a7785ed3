"""Missing Qt system libraries are named by their apt package (`pen-console doctor`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.core import syslibs

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibQt6Gui.so.6 => /opt/venv/PySide6/Qt/lib/libQt6Gui.so.6 (0x00007f)
\tlibmystery.so.3 => not found
"""
LDCONFIG_OUTPUT = (
    "541 libs found in cache `/etc/ld.so.cache'\n\tlibc.so.6 (libc6,x86-64) => /lib/libc.so.6\n"
)


def _fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
    out = LDCONFIG_OUTPUT if args[1:] == ["-p"] else LDD_OUTPUT
    return subprocess.CompletedProcess(args, 0, out, "")


def test_each_missing_library_is_named_with_its_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(syslibs.subprocess, "run", _fake_run)
    monkeypatch.setattr(syslibs.shutil, "which", lambda name: f"/usr/bin/{name}")
    missing = syslibs.missing_libraries([Path("/x/libqxcb.so"), Path("/x/QtGui.abi3.so")])
    assert [(m.soname, m.apt_package) for m in missing] == [
        ("libmystery.so.3", None),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),  # dlopened: found through ldconfig -p
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ]
    assert syslibs.apt_command(missing) == (
        "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    )
    assert "apt-file search libmystery.so.3" in str(missing[0])


def test_doctor_on_this_machine_agrees_with_ldd() -> None:
    """Whatever this machine has: doctor's exit code matches what it lists."""
    done = subprocess.run(
        [sys.executable, "-m", "console", "doctor", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["qt_found"] is True
    assert done.returncode == (1 if report["missing"] or report["sound_player"] is None else 0)


def _doctor(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": str(path)},
    )


def test_doctor_names_a_missing_alarm_sound_player(tmp_path: Path) -> None:
    """H-34: with no aplay or paplay on PATH the alarms would be silent; doctor says so."""
    done = _doctor(tmp_path)
    assert done.returncode == 1
    assert "no alarm sound player (paplay or aplay)" in done.stdout
    assert "sudo apt install alsa-utils" in done.stdout
    assert json.loads(_doctor(tmp_path, "--json").stdout)["sound_player"] is None
    aplay = tmp_path / "aplay"
    aplay.write_text("#!/bin/sh\n")
    aplay.chmod(0o755)
    assert json.loads(_doctor(tmp_path, "--json").stdout)["sound_player"] == "aplay"
    assert "sound player" not in _doctor(tmp_path).stdout
