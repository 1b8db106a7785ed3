"""docs/hazards.md cannot rot silently: every named test is collected, every hazard has a
mitigation, and a hazard without a test is marked open.

The suite is collected once, in a subprocess (`pytest --collect-only -q -m ""`), and the
table's node ids are compared with what it lists.
"""

from __future__ import annotations

from hazard_table import HAZARDS_MD, MIN_ROWS, check, hazard_table
from md_tables import split_row, tables


def test_every_hazard_is_traced_to_a_mitigation_and_collected_tests(collected) -> None:
    table, errors = hazard_table(HAZARDS_MD.read_text(encoding="utf-8"))
    assert table is not None, errors
    assert len(table.rows) >= MIN_ROWS
    problems = check(table, collected)
    assert not problems, "docs/hazards.md:\n" + "\n".join(problems)


def test_the_collection_really_lists_this_suite(collected) -> None:
    # Guards the comparison above against an empty or foreign collection.
    here = "tests/safety/test_hazards.py::test_the_collection_really_lists_this_suite"
    assert here in collected
    assert len(collected) > 200


BROKEN = """\
# Hazards

| id | hazard | cause | harm | severity | mitigation | tests | status |
|---|---|---|---|---|---|---|---|
| H-01 | fine | c | h | serious | `console/core/alarms.py` | `tests/a.py::test_x` | closed |
| H-02 | ghost | c | h | serious | `console/core/alarms.py` | `tests/a.py::test_gone` | closed |
| H-03 | untested | c | h | serious | `console/core/alarms.py` |  | closed |
| H-04 | no mitigation | c | h | minor | none |  | open |
| H-05 | bad module | c | h | minor | `console/core/nosuch.py` | `tests/a.py::test_p` | closed |
| H-06 | bad words | c | h | awful | `console/core/alarms.py` | `test_x` | maybe |
| H-07 | pipe in `a|b` code and a\\|b text | c | h | minor | `console/core/alarms.py` | | open |
| H-07 | too | many | cells | minor | `console/core/alarms.py` | | open | extra |
| H-08 | x | c | h | minor | `drivers/link.py` Missing: x | `tests/a.py::test_x` | closed |
"""


def _problems_by_row(text: str) -> dict[str, list[str]]:
    table, errors = hazard_table(text)
    assert table is not None, errors
    collected = {"tests/a.py::test_x", "tests/a.py::test_p[1]", "tests/a.py::test_p[2]"}
    found: dict[str, list[str]] = {}
    for problem in check(table, collected, min_rows=1):
        found.setdefault(problem.split(" ", 1)[0], []).append(problem)
    return found


def test_the_check_fails_and_names_the_row_for_each_broken_rule() -> None:
    found = _problems_by_row(BROKEN)
    assert "H-01" not in found
    assert "H-05" in found and len(found["H-05"]) == 1  # test_p selects its parameters
    assert "tests/a.py::test_gone is not collected" in found["H-02"][0]
    assert "line 6" in found["H-02"][0]
    assert any("no test and is not marked open" in p for p in found["H-03"])
    assert any("has no mitigation" in p for p in found["H-04"])
    assert any("nosuch.py, which does not exist" in p for p in found["H-05"])
    words = " ".join(found["H-06"])
    assert "severity 'awful'" in words and "status 'maybe'" in words
    assert "'test_x' in the tests column is not a pytest node id" in words
    assert any("used twice" in p for p in found["H-07"])
    assert any("has 9 cells" in p for p in found["H-07"])
    assert found["H-08"] == [
        "H-08 (docs/hazards.md line 13): it says what is missing, so it is not closed"
    ]


def test_too_few_rows_or_a_second_table_fail() -> None:
    table, _ = hazard_table(BROKEN)
    assert table is not None
    assert any("at least 15" in p for p in check(table, set()))
    header = BROKEN.split("\n", 2)[2].split("\n", 2)
    twice = BROKEN + "\n" + "\n".join(header[:2]) + "\n"
    assert hazard_table(twice)[0] is None


def test_pipes_in_code_spans_and_escaped_pipes_stay_in_their_cell() -> None:
    assert split_row("| a `x|y` | b\\|c | d |") == ["a `x|y`", "b|c", "d"]
    rows = tables(BROKEN)[0].rows
    assert rows[6].get("hazard") == "pipe in `a|b` code and a|b text"
    assert rows[6].width == 8
