"""Fixtures of the patient-record tests: a store with a supervisor and a practitioner,
and ended sessions started on chosen dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from patient_support import SessionAt

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "patients.db", key_dir=tmp_path / "keys")
    yield s
    s.close()


@pytest.fixture
def clinic(store: Store) -> dict[str, Access]:
    """Doors for an admin, a supervisor and a practitioner (the database has accounts)."""
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    door = Access(store, admin)
    sup = accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", access=door)
    nurse = accounts.add("nurse.kim", Role.PRACTITIONER, "correct horse", access=door)
    return {"admin": door, "supervisor": Access(store, sup), "nurse": Access(store, nurse)}


@pytest.fixture
def session_at(store: Store) -> SessionAt:
    """session_at(patient, started, plan_name=None) -> uuid of an ended session."""

    def make(patient: str, started: datetime, plan_name: str | None = None) -> str:
        uuid = store.create_session(patient, "nurse.kim", plan_name=plan_name)
        store.update_session(uuid, started_utc=started.isoformat(timespec="milliseconds"))
        store.finish_session(uuid)
        return uuid

    return make
