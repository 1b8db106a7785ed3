"""Roles, the actions they may take, and the signed-in user: plain data, no I/O.

Every action here is checked through console/core/access.py (`Access.require`), which
also audits refusals. Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Action(enum.StrEnum):
    OPERATE_PEN = "operate_pen"
    RECORD_SESSION = "record_session"
    EDIT_NOTES = "edit_notes"
    EDIT_PLAN = "edit_plan"
    OVERRIDE_CEILING = "override_ceiling"
    REVIEW = "review"
    SIGN = "sign"
    EXPORT = "export"
    EDIT_CEILING_DEFAULTS = "edit_ceiling_defaults"
    MANAGE_USERS = "manage_users"
    BACKUP = "backup"
    RESTORE = "restore"
    OVERRIDE_SINGLE_USE = "override_single_use"  # use a cartridge seen on another patient
    IMPORT = "import"  # merge a session bundle from another cart (adds, never overwrites)
    ADD_FOLLOW_UP = "add_follow_up"  # an outcome or complication note, later (an amendment)


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PRACTITIONER: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.EDIT_NOTES,
            Action.EDIT_PLAN,
            Action.OVERRIDE_CEILING,
            Action.REVIEW,
            Action.EXPORT,
            Action.IMPORT,
            Action.ADD_FOLLOW_UP,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.EDIT_NOTES,
            Action.EDIT_PLAN,
            Action.OVERRIDE_CEILING,
            Action.REVIEW,
            Action.SIGN,
            Action.EXPORT,
            Action.EDIT_CEILING_DEFAULTS,
            Action.BACKUP,
            Action.OVERRIDE_SINGLE_USE,
            Action.IMPORT,
            Action.ADD_FOLLOW_UP,
        }
    ),
    # The first account of a cart is its admin, often the medical director: it may run
    # the pen and record, but signing needs a supervisor account.
    Role.ADMIN: frozenset(
        {
            Action.OPERATE_PEN,
            Action.RECORD_SESSION,
            Action.REVIEW,
            Action.EXPORT,
            Action.MANAGE_USERS,
            Action.EDIT_CEILING_DEFAULTS,
            Action.BACKUP,
            Action.RESTORE,
            Action.IMPORT,
        }
    ),
}


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role
    active: bool
    display_name: str = ""

    def may(self, action: Action) -> bool:
        return self.active and action in PERMISSIONS[self.role]
