"""The suite's node ids, collected once per run for the document checks.

The checks' helpers (md_tables, hazard_table, soup_table) are plain modules beside the
tests; this folder is put on sys.path so they import under any pytest import mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hazard_table import collected_node_ids


@pytest.fixture(scope="session")
def collected() -> set[str]:
    return collected_node_ids()
