"""Fixtures for the records tests: a store, and the people of a small clinic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.access import Access
from console.core.accounts import Accounts, Role, User
from console.store import Store

PASSWORDS = {
    "it": "admin pass phrase",
    "dr.lee": "battery staple",
    "nurse.kim": "correct horse",
    "nurse.bo": "another pass",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "records.db")
    yield s
    s.close()


def add_people(store: Store) -> dict[str, User]:
    """The first admin ("it"), a supervisor, two practitioners; by name."""
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, PASSWORDS["it"])
    access = Access(store, admin)
    people = {"it": admin}
    for name, role in (
        ("dr.lee", Role.SUPERVISOR),
        ("nurse.kim", Role.PRACTITIONER),
        ("nurse.bo", Role.PRACTITIONER),
    ):
        people[name] = accounts.add(name, role, PASSWORDS[name], access=access)
    return people


@pytest.fixture
def people(store: Store) -> dict[str, User]:
    return add_people(store)


@pytest.fixture
def passwords() -> dict[str, str]:
    return dict(PASSWORDS)
