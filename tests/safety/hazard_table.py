"""The rules docs/hazards.md must keep, as plain functions (used by test_hazards.py and
by scripts/release_check.py, which also lists the open hazards).

A hazard row is traceable when it has a mitigation that names where it lives, every test
it names is a node id pytest collects, and, with no test at all, it says `open`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from md_tables import Row, Table, backticked, tables

ROOT = Path(__file__).resolve().parents[2]
HAZARDS_MD = ROOT / "docs" / "hazards.md"

COLUMNS = ("id", "hazard", "cause", "harm", "severity", "mitigation", "tests", "status")
SEVERITIES = ("critical", "serious", "moderate", "minor")
STATUSES = ("open", "closed")
MIN_ROWS = 15  # the fifteen; fewer means the table (or its parsing) lost rows
PLACEHOLDERS = {"", "-", "—", "?", "none", "n/a", "na", "tbd", "todo", "none yet"}
_ID = re.compile(r"^H-\d{2,}$")
_NODE_ID = re.compile(r"^tests/[\w./-]+\.py::\S.*$")
# A backticked token that names a file or folder of the repository.
_PATH = re.compile(r"^[\w.-]+(/[\w.*-]+)+/?$|^[\w-]+\.(toml|md|sh)$")


@dataclass(frozen=True, slots=True)
class Hazard:
    row: Row

    def cell(self, column: str) -> str:
        return self.row.get(column)

    @property
    def id(self) -> str:
        return self.cell("id").strip("`* ")

    @property
    def status(self) -> str:
        words = self.cell("status").strip("`* ").split()
        return words[0].lower().rstrip(".,:;—-") if words else ""

    @property
    def tests(self) -> list[str]:
        return backticked(self.cell("tests"))

    @property
    def paths(self) -> list[str]:
        return [t for t in backticked(self.cell("mitigation")) if _PATH.match(t)]

    @property
    def where(self) -> str:
        return f"{self.id or '(no id)'} (docs/hazards.md line {self.row.line})"


def hazard_table(text: str) -> tuple[Table | None, list[str]]:
    """The one table with every hazard column, or None and why not."""
    candidates = [t for t in tables(text) if all(t.column(c) for c in COLUMNS)]
    if len(candidates) != 1:
        return None, [
            f"docs/hazards.md must hold exactly one table with the columns {', '.join(COLUMNS)}"
            f"; found {len(candidates)}"
        ]
    table = candidates[0]
    # Re-key each row by the canonical column names.
    names = {c: table.column(c) or c for c in COLUMNS}
    table.rows = [Row(r.line, {c: r.get(names[c]) for c in COLUMNS}, r.width) for r in table.rows]
    return table, []


def collected_node_ids(root: Path = ROOT) -> set[str]:
    """Every node id pytest collects, benchmark-marked ones included (`-m ""`)."""
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*cmd, "-m", "", "tests"], cwd=root, capture_output=True, text=True, timeout=600
    )
    ids = {
        line.strip()
        for line in done.stdout.splitlines()
        if line.startswith("tests/") and "::" in line
    }
    if done.returncode != 0 or not ids:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise RuntimeError(f"pytest could not collect the suite (exit {done.returncode}):\n{tail}")
    return ids


def is_collected(node_id: str, collected: set[str]) -> bool:
    if node_id in collected:
        return True
    # A parametrised test named without its parameters selects all of them.
    return "[" not in node_id and any(c.startswith(node_id + "[") for c in collected)


def check(
    table: Table, collected: set[str], root: Path = ROOT, min_rows: int = MIN_ROWS
) -> list[str]:
    """Every rule a hazard row breaks, one sentence each, naming the row."""
    problems: list[str] = []
    hazards = [Hazard(r) for r in table.rows]
    if len(hazards) < min_rows:
        problems.append(f"the hazard table has {len(hazards)} rows; at least {min_rows} expected")
    seen: set[str] = set()
    for h in hazards:
        where = h.where
        if h.row.width != len(table.header):
            problems.append(
                f"{where}: has {h.row.width} cells, the header has {len(table.header)} "
                "(write a | inside a cell as \\|)"
            )
        if not _ID.match(h.id):
            problems.append(f"{where}: the id should look like H-01")
        elif h.id in seen:
            problems.append(f"{where}: the id {h.id} is used twice")
        seen.add(h.id)
        for column in ("hazard", "cause", "harm"):
            if not h.cell(column).strip():
                problems.append(f"{where}: the {column} is empty")
        severity = h.cell("severity").strip("`* ").lower()
        if severity not in SEVERITIES:
            problems.append(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        mitigation = h.cell("mitigation").strip()
        if mitigation.lower().strip(" .") in PLACEHOLDERS:
            problems.append(f"{where}: the hazard has no mitigation")
        for path in h.paths:
            if not any(root.glob(path.rstrip("/"))):
                problems.append(f"{where}: the mitigation names {path}, which does not exist")
        if h.status not in STATUSES:
            problems.append(f"{where}: status {h.status!r} is not one of {', '.join(STATUSES)}")
        if h.status == "closed" and not h.paths:
            problems.append(f"{where}: a closed hazard must name the module that mitigates it")
        if h.status == "closed" and "missing:" in mitigation.lower():
            problems.append(f"{where}: it says what is missing, so it is not closed")
        for token in h.tests:
            if not _NODE_ID.match(token):
                problems.append(f"{where}: {token!r} in the tests column is not a pytest node id")
            elif not is_collected(token, collected):
                problems.append(f"{where}: the test {token} is not collected by pytest")
        if not h.tests and h.status != "open":
            problems.append(f"{where}: the hazard has no test and is not marked open")
    return problems


def open_hazards(table: Table) -> list[tuple[str, str, str]]:
    """(id, hazard, status as written) of every row marked open."""
    rows = map(Hazard, table.rows)
    return [(h.id, h.cell("hazard"), h.cell("status")) for h in rows if h.status == "open"]


if __name__ == "__main__":  # `python tests/safety/hazard_table.py`: list the open hazards
    found, errors = hazard_table(HAZARDS_MD.read_text(encoding="utf-8"))
    if found is None:
        sys.exit("\n".join(errors))
    for hazard_id, text, status in open_hazards(found):
        print(f"{hazard_id}  {text}  [{status}]")
