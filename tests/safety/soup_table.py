"""The rules docs/soup.md must keep against pyproject.toml, scripts/bootstrap.sh and what
is installed, as plain functions (used by test_soup.py and scripts/release_check.py).

- The pinned table lists exactly the runtime requirements of pyproject.toml, each written
  as in pyproject (name, version specifier and environment marker): nothing missing,
  nothing extra.
- The transitive table lists exactly the distributions those pins pull in at run time on
  this interpreter (not pinned by us; their versions are informative).
- Every system package the bootstrap installs for Qt is named.
- The SQLite row gives the minimum version the store needs, and the linked one meets it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sqlite3
import tomllib
from pathlib import Path

from md_tables import Table, backticked, tables
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
SOUP_MD = ROOT / "docs" / "soup.md"
PYPROJECT = ROOT / "pyproject.toml"
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"

Pin = tuple[str, str, str]  # (canonical name, specifier, marker)


def pin_of(requirement: str) -> Pin:
    r = Requirement(requirement)
    return canonicalize_name(r.name), str(r.specifier), str(r.marker or "")


def runtime_pins(pyproject: Path = PYPROJECT) -> dict[Pin, str]:
    """pyproject's [project].dependencies, keyed by their parsed form."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return {pin_of(d): d for d in deps}


def _table(text: str, first_column: str, must_have: str) -> Table | None:
    found = [t for t in tables(text) if t.header and t.header[0].startswith(first_column)]
    found = [t for t in found if t.column(must_have)]
    return found[0] if len(found) == 1 else None


def pinned_table(text: str) -> Table | None:
    return _table(text, "package", "pin")


def transitive_table(text: str) -> Table | None:
    return _table(text, "package", "pulled in by")


def platform_table(text: str) -> Table | None:
    return _table(text, "component", "version")


def check_pins(text: str, pins: dict[Pin, str]) -> list[str]:
    table = pinned_table(text)
    if table is None:
        return ["docs/soup.md needs one table whose columns start: package | pin | ..."]
    pin_col = table.column("pin") or "pin"
    problems: list[str] = []
    claimed: dict[Pin, int] = {}
    for row in table.rows:
        tokens = backticked(row.get(pin_col))
        if not tokens:
            problems.append(f"docs/soup.md line {row.line}: the pin column names no pin")
        for token in tokens:
            try:
                claimed[pin_of(token)] = row.line
            except InvalidRequirement:
                problems.append(f"docs/soup.md line {row.line}: {token!r} is not a requirement")
    for pin, text_in_pyproject in pins.items():
        if pin not in claimed:
            problems.append(f"pyproject.toml pins {text_in_pyproject!r}; docs/soup.md does not")
    for pin, line in claimed.items():
        if pin not in pins:
            problems.append(
                f"docs/soup.md line {line} claims {pin[0]} {pin[1]}"
                f"{'; ' + pin[2] if pin[2] else ''}, which pyproject.toml does not pin"
            )
    return problems


def check_installed(pins: dict[Pin, str]) -> list[str]:
    """Every pin that applies to this interpreter is what is installed."""
    problems = []
    for (name, _spec, _), text in pins.items():
        r = Requirement(text)
        if r.marker is not None and not r.marker.evaluate():
            continue
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{text!r} is pinned but {name} is not installed")
            continue
        if not r.specifier.contains(have, prereleases=True):
            problems.append(f"{text!r} is pinned but {name} {have} is installed")
    return problems


def runtime_closure(pins: dict[Pin, str]) -> dict[str, str]:
    """Every installed distribution the runtime pins pull in here: name -> version."""
    found: dict[str, str] = {}
    todo = [Requirement(t) for t in pins.values()]
    while todo:
        r = todo.pop()
        if r.marker is not None and not r.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(r.name)
        if name in found:
            continue
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # reported by check_installed for pins; optional extras are skipped
        todo += [Requirement(s) for s in metadata.requires(name) or []]
    return found


def check_transitive(text: str, pins: dict[Pin, str]) -> list[str]:
    table = transitive_table(text)
    if table is None:
        return ["docs/soup.md needs one table whose columns start: package | ... | pulled in by"]
    pinned = {pin[0] for pin in pins}
    needed = {n for n in runtime_closure(pins) if n not in pinned}
    listed = {canonicalize_name(r.get("package").strip("`* ")): r.line for r in table.rows}
    problems = [
        f"{name} is installed as a runtime dependency but docs/soup.md does not list it"
        for name in sorted(needed - listed.keys())
    ]
    problems += [
        f"docs/soup.md line {listed[name]} lists {name}, which no runtime pin pulls in here"
        for name in sorted(listed.keys() - needed)
    ]
    return problems


def bootstrap_apt_packages(bootstrap: Path = BOOTSTRAP) -> list[str]:
    text = bootstrap.read_text(encoding="utf-8")
    packages: list[str] = []
    for m in re.finditer(r"^apt_\w+=\(([^)]*)\)", text, re.MULTILINE):
        packages += m.group(1).split()
    return packages


def check_platform(text: str) -> list[str]:
    table = platform_table(text)
    if table is None:
        return ["docs/soup.md needs one table whose columns start: component | version | ..."]
    problems = []
    named = " ".join(" ".join(r.cells.values()) for r in table.rows)
    apt = bootstrap_apt_packages()
    if not apt:
        problems.append("scripts/bootstrap.sh names no apt packages (apt_...=(...)): parse error?")
    for package in apt:
        if not re.search(rf"`{re.escape(package)}`", named):
            problems.append(
                f"scripts/bootstrap.sh installs {package}; docs/soup.md does not name it"
            )
    sqlite_rows = [r for r in table.rows if r.get("component").lower().startswith("sqlite")]
    minimums = [t for r in sqlite_rows for t in backticked(r.get("version")) if t.startswith(">=")]
    if len(minimums) != 1:
        problems.append("docs/soup.md: the SQLite row must give its minimum as `>=X.Y.Z`")
    elif Version(sqlite3.sqlite_version) < Version(minimums[0][2:]):
        problems.append(
            f"this Python links SQLite {sqlite3.sqlite_version}, below the {minimums[0]} "
            "docs/soup.md says the store needs"
        )
    return problems


def check(text: str | None = None) -> list[str]:
    text = SOUP_MD.read_text(encoding="utf-8") if text is None else text
    pins = runtime_pins()
    return (
        check_pins(text, pins)
        + check_installed(pins)
        + check_transitive(text, pins)
        + check_platform(text)
    )
