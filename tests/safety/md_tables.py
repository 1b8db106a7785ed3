"""Reading the Markdown tables of docs/hazards.md and docs/soup.md, for their checks.

Only the pipe-table form is read: a header row, a delimiter row (`|---|---|`), then body
rows. A `|` inside backticks or written `\\|` belongs to its cell. Every row keeps its
line number, so a failing check can say where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DELIMITER_CELL = re.compile(r"^:?-{3,}:?$")
_BACKTICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line number in the file
    cells: dict[str, str]  # header text (lowercased) -> cell text
    width: int  # how many cells the line really had (an unescaped | adds one)

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(slots=True)
class Table:
    line: int  # line of the header row
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    heading: str = ""  # the nearest Markdown heading above the table

    def column(self, prefix: str) -> str | None:
        """The header whose text starts with `prefix` (case-insensitive), if exactly one."""
        found = [h for h in self.header if h.startswith(prefix.lower())]
        return found[0] if len(found) == 1 else None


def split_row(line: str) -> list[str]:
    """The cells of one table line, stripped; pipes in backticks or escaped stay in."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    current: list[str] = []
    in_code = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    cells.append("".join(current).strip())
    return cells


def _is_delimiter(line: str) -> bool:
    cells = split_row(line)
    return bool(cells) and all(_DELIMITER_CELL.match(c.replace(" ", "")) for c in cells)


def tables(text: str) -> list[Table]:
    """Every pipe table of a Markdown text, in order."""
    lines = text.splitlines()
    found: list[Table] = []
    heading = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        is_header = (
            line.lstrip().startswith("|") and i + 1 < len(lines) and _is_delimiter(lines[i + 1])
        )
        if not is_header:
            i += 1
            continue
        header = [h.lower() for h in split_row(line)]
        table = Table(line=i + 1, header=header, heading=heading)
        i += 2
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            cells = split_row(lines[i])
            width = len(cells)
            cells += [""] * (len(header) - len(cells))
            table.rows.append(Row(i + 1, dict(zip(header, cells, strict=False)), width))
            i += 1
        found.append(table)
    return found


def backticked(cell: str) -> list[str]:
    """The `code` spans of a cell, in order."""
    return [m.strip() for m in _BACKTICKED.findall(cell)]
