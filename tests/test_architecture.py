"""The direction of travel: drivers/ is usable with no Qt at all, a real link loads no
simulator code (virtual:// is a pyserial URL handler, imported only when opened), the
import contracts in pyproject.toml hold, and no module grows past about 400 lines."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import drivers

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_driver_module_loads_no_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(drivers.__path__, "drivers.")]
    assert "drivers.codec" in modules and "drivers.virtual.protocol_virtual" in modules
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


def _virtual_modules_after(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; the drivers.virtual modules it ended up loading."""
    script = (
        "import json, sys, time\n"
        "from drivers.link import Link, LinkState\n"
        f"{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('drivers.virtual'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


OPEN_AND_HANDSHAKE = """
link = Link(URL)
link.start()
assert link.wait_for_state(LinkState.HANDSHAKING, 5), link.state
import serial
assert "drivers.virtual" in serial.protocol_handler_packages  # registered, not imported
link.close()
"""


def test_a_real_link_loads_no_simulator_code() -> None:
    loop = OPEN_AND_HANDSHAKE.replace("URL", "'loop://'")
    assert _virtual_modules_after(loop) == []
    pty = "import os, tty\nmaster, slave = os.openpty()\ntty.setraw(slave)\n" + (
        OPEN_AND_HANDSHAKE.replace("URL", "os.ttyname(slave)")
    )
    assert _virtual_modules_after(pty) == []


def test_a_virtual_url_is_what_loads_the_simulator() -> None:
    """The check above can fail: the same script with a virtual:// URL loads it."""
    virtual = OPEN_AND_HANDSHAKE.replace("URL", "'virtual://idle'")
    assert "drivers.virtual.protocol_virtual" in _virtual_modules_after(virtual)


def test_the_link_and_transport_import_nothing_from_the_simulator() -> None:
    for name in ("link.py", "transport.py", "heartbeat.py", "link_commands.py"):
        lines = (ROOT / "drivers" / name).read_text().splitlines()
        runtime = [  # an indented import is one under `if TYPE_CHECKING:`
            line for line in lines if line.startswith(("import ", "from ")) and "virtual" in line
        ]
        assert runtime == [], (name, runtime)


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


ABOUT_400_LINES = 420  # "about 400": past this a module wants a model or widget of its own


def test_no_module_grows_past_about_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for room in ("console", "widgets", "drivers")
        for p in (ROOT / room).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > ABOUT_400_LINES
    }
    assert long == {}, f"split these: {long}"


def test_mypy_strict_passes_on_drivers_core_and_store(tmp_path: Path) -> None:
    """`mypy --strict` over the files pyproject.toml names (drivers, console/core,
    console/store): the Qt-free rooms stay fully typed. A scratch cache keeps it honest."""
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=140,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout, out.stdout


def test_the_store_owns_all_sql() -> None:
    """No module outside console/store reaches for a connection (issue 9's grep)."""
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in (ROOT / "console").rglob("*.py")
        if "store" not in p.relative_to(ROOT / "console").parts[:1]
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "conn.execute" in line or ".conn " in line or line.rstrip().endswith(".conn")
    ]
    assert offenders == []
