"""A session bundle opened for reading, without importing it.

The verified bundle is merged into a throw-away database in a temporary folder (with a
throw-away key directory), which the review window then shows. Nothing reaches the
clinic's database; closing the view deletes the folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from console.core.access import Access
from console.core.bundle_import import import_bundle
from console.core.bundles import Bundle, open_bundle
from console.store import Store


class BundleView:
    def __init__(self, path: Path) -> None:
        self.bundle: Bundle = open_bundle(path)  # BundleRefused before anything is made
        self._folder = tempfile.TemporaryDirectory(prefix="pen-console-bundle-")
        root = Path(self._folder.name)
        self.store = Store(root / "bundle.db", key_dir=root / "keys")
        import_bundle(self.store, Access(self.store, None), self.bundle, root / "keys")

    @property
    def sessions(self) -> list[str]:
        return [str(s.rows.session["uuid"]) for s in self.bundle.sessions]

    def close(self) -> None:
        self.store.close()
        self._folder.cleanup()
