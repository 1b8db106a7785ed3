"""A recorder listener for the tests: keeps what the recorder says about its storage.

Its own module (not conftest) so that `import` finds it whichever conftest is loaded."""

from __future__ import annotations


class StorageListener:
    """Keeps what the recorder says about its storage."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.recovered: list[str] = []

    def on_storage_problem(self, message: str) -> None:
        self.problems.append(message)

    def on_storage_recovered(self, message: str) -> None:
        self.recovered.append(message)
