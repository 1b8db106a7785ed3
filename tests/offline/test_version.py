"""`pen-console --version`: the console's version and the pen protocol it speaks."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from console.commands.cli import main
from drivers.messages import PROTOCOL_MAJOR, PROTOCOL_MINOR

ROOT = Path(__file__).resolve().parents[2]


def _project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_version_prints_console_and_protocol_versions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"pen-console {_project_version()}"
    assert lines[1].startswith(f"pen protocol {PROTOCOL_MAJOR}.{PROTOCOL_MINOR} ")
    assert f"{PROTOCOL_MAJOR}.x" in lines[1]


def test_version_does_not_load_qt() -> None:
    code = (
        "import sys\n"
        "from console.commands.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "False"
