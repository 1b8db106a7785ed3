"""A pytest plugin (`-p stress_plugin --stress-rounds N`) that runs the selected tests N
times in one process, GUI tests and threaded link tests taking turns.

Used by tests/test_stress.py to prove the fix of issue 15's hang: Qt objects left over by
GUI tests must never be finalised on a link, heartbeat, recorder or virtual-pen thread.
Each round is a parametrisation (`stress_round`), so every repeat gets fresh fixtures.
"""

from __future__ import annotations

import itertools

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--stress-rounds", type=int, default=0, help="repeat each test N times")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    rounds = int(metafunc.config.getoption("stress_rounds"))
    if rounds:
        metafunc.fixturenames.append("stress_round")
        metafunc.parametrize("stress_round", range(rounds), ids=lambda r: f"round{r}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Round by round; within a round a GUI test, then a non-GUI one, and so on."""
    if not config.getoption("stress_rounds"):
        return

    def round_of(item: pytest.Item) -> int:
        return int(item.callspec.params["stress_round"])  # type: ignore[attr-defined]

    ordered: list[pytest.Item] = []
    for _, group in itertools.groupby(sorted(items, key=round_of), key=round_of):
        members = list(group)
        gui = [i for i in members if "/gui/" in i.nodeid]
        other = [i for i in members if "/gui/" not in i.nodeid]
        for pair in itertools.zip_longest(gui, other):
            ordered += [i for i in pair if i is not None]
    items[:] = ordered
