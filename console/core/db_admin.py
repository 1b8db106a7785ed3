"""Backing up and restoring the database, through `Access` (BACKUP, RESTORE).

The copying itself is the store's (console/store/maintenance.py); here are the rules:
who may, and the audit rows. The backup's audit row carries the chain head that the
copy ends with, so the backup's manifest and the live trail name the same anchor.
"""

from __future__ import annotations

from pathlib import Path

from console.core.access import Access, Actor
from console.core.roles import Action
from console.store import maintenance
from console.store.keys import ChainHead


def backup(access: Access, dest: str | Path) -> tuple[Path, ChainHead | None]:
    """A checked copy at `dest` and the chain head it ends with (BACKUP, audited first:
    the copy then holds its own backup row)."""
    store = access.store
    access.perform(Action.BACKUP, "database", None, {"dest": str(dest)})
    path = maintenance.backup(store, dest)
    return path, store.audit.head()


def authorize_restore(access: Access, source: str | Path) -> Actor:
    """Check and audit, in the database about to be replaced, that `access.user` may
    restore it from `source` (RESTORE: administrators only)."""
    return access.perform(Action.RESTORE, "database", None, {"from": str(source)})
