"""Types shared by the patient-record tests (conftest.py holds the fixtures)."""

from __future__ import annotations

from collections.abc import Callable

SessionAt = Callable[..., str]  # session_at(patient, started, plan_name=None) -> uuid
