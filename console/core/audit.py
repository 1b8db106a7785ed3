"""The audit trail, as the core sees it: the store's keyed, append-only chain.

The table, the chain and its verification live in console/store/audit.py (the store
owns all SQL). Core services append through `Access` (console/core/access.py) so that
permission checks and audit rows stay in one place. Qt-free.
"""

from __future__ import annotations

from console.store import Store
from console.store.audit import GENESIS_HASH, AuditEntry, AuditTrail, ChainBreak

__all__ = ["GENESIS_HASH", "AuditEntry", "AuditLog", "AuditTrail", "ChainBreak"]


def AuditLog(store: Store) -> AuditTrail:
    """The audit trail of `store`."""
    return store.audit
