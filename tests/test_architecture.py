"""The direction of travel: drivers/ is usable with no Qt at all, the import contracts
in pyproject.toml hold."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import drivers

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_driver_module_loads_no_qt() -> None:
    modules = [f"drivers.{m.name}" for m in pkgutil.iter_modules(drivers.__path__)]
    assert "drivers.codec" in modules
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'console', 'widgets'))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_drivers_source_never_names_qt() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "drivers").rglob("*.py")
        if any(
            line.lstrip().startswith(("import PySide6", "from PySide6", "import pyqtgraph"))
            for line in p.read_text().splitlines()
        )
    ]
    assert offenders == []


def test_import_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts: the rooms and one direction of travel."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint_imports), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 kept, 0 broken" in out.stdout, out.stdout
