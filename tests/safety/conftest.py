"""The suite's node ids, collected once per run for the document checks."""

from __future__ import annotations

import pytest
from hazard_table import collected_node_ids


@pytest.fixture(scope="session")
def collected() -> set[str]:
    return collected_node_ids()
