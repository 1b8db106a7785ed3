"""The one door for actions that disclose or change a record: who may, and the audit row.

The rule (issue 10): a database with no accounts is a demo database. Everything works
without sign-in and every record it makes is marked unattributed. Once the first account
exists, every action in `Action` needs a signed-in user whose role allows it; a refusal
raises `Refused` (one sentence; the CLI exits 4) and is written to the audit trail.

The GUI and the CLI build one `Access` per signed-in user (or `Access(store, None)` when
nobody signed in) and hand it to the core services (signing, export, notes, ceilings,
users); those call `require` or `perform` before they act. Neither the GUI nor the CLI
writes an audit row itself.

Qt-free. Never imports console.gui, console.commands or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from console.core.roles import PERMISSIONS, Action, Role, User
from console.store import Store

UNATTRIBUTED = "unattributed"  # the actor recorded for every action in a demo database
NOBODY = "(not signed in)"  # the actor of a refusal when nobody signed in
EXIT_REFUSED = 4

# What each action is called in a sentence ("… may not <verb>").
_VERB: dict[Action, str] = {
    Action.OPERATE_PEN: "operate the pen",
    Action.RECORD_SESSION: "record a session",
    Action.EDIT_NOTES: "edit a session's notes",
    Action.EDIT_PLAN: "choose or change the treatment plan",
    Action.OVERRIDE_CEILING: "override a zone's depth ceiling",
    Action.REVIEW: "open recorded sessions",
    Action.SIGN: "sign a session",
    Action.EXPORT: "export a session",
    Action.IMPORT: "import a session bundle",
    Action.EDIT_CEILING_DEFAULTS: "change the clinic's depth ceilings",
    Action.MANAGE_USERS: "add, disable, unlock or re-role users",
    Action.BACKUP: "back up the database",
    Action.RESTORE: "restore the database from a backup",
    Action.OVERRIDE_SINGLE_USE: "override the single use of a cartridge",
    Action.ADD_FOLLOW_UP: "add a follow-up note to a session",
}


def verb(action: Action) -> str:
    return _VERB[action]


def roles_allowed(action: Action) -> list[Role]:
    return [role for role in Role if action in PERMISSIONS[role]]


class Refused(PermissionError):
    """Not signed in, or the role does not allow the action. `str()` is one sentence
    saying what happened and what to do; the CLI prints it and exits `exit_code`."""

    exit_code = EXIT_REFUSED

    def __init__(self, sentence: str, action: Action | None = None) -> None:
        super().__init__(sentence)
        self.action = action


@dataclass(frozen=True, slots=True)
class Actor:
    """Who an allowed action is recorded under: a signed-in user, or nobody in a demo
    database (then `name` is UNATTRIBUTED)."""

    user: User | None

    @property
    def name(self) -> str:
        return self.user.name if self.user is not None else UNATTRIBUTED

    @property
    def attributed(self) -> bool:
        return self.user is not None


class Access:
    """One signed-in user's (or nobody's) door to the records of one store."""

    def __init__(self, store: Store, user: User | None) -> None:
        self.store = store
        self.user = user
        self.audit = store.audit

    @property
    def demo(self) -> bool:
        """True while the database has never had an account: decided from the audit
        trail (no `user.add` row), not from the users table, which anyone with the file
        can empty to get a demo console back (see `accounts_exist`)."""
        return not accounts_exist(self.store)

    @property
    def actor(self) -> Actor:
        return Actor(self.user)

    def require(self, action: Action, obj: str) -> Actor:
        """The actor when `action` on `obj` is allowed; else audit the refusal and raise.

        Writes nothing when allowed: call `record` once the change is made (with its old
        and new values), or use `perform` for an action whose audit row needs no result.
        """
        if self.demo:
            return Actor(None)
        user = self.user
        if user is None:
            self._refuse(
                NOBODY,
                action,
                obj,
                f"this console has user accounts: sign in (--user NAME) as "
                f"{_a(_or(roles_allowed(action)))} to {verb(action)}.",
            )
        row = self.store.users.find(user.name)
        fresh = None if row is None else User(row.id, row.name, Role(row.role), row.active)
        if fresh is None or not fresh.active:
            self._refuse(
                user.name,
                action,
                obj,
                f"the account {user.name} is disabled or no longer exists, so it may not "
                f"{verb(action)}; ask an administrator.",
            )
        if not fresh.may(action):
            self._refuse(
                user.name,
                action,
                obj,
                f"{user.name} ({fresh.role}) may not {verb(action)}; ask "
                f"{_a(_or(roles_allowed(action)))} to do it.",
            )
        return Actor(fresh)

    def perform(self, action: Action, obj: str, old: object = None, new: object = None) -> Actor:
        """`require`, then the allowed action's audit row (`action.value` on `obj`)."""
        actor = self.require(action, obj)
        self.audit.append(actor.name, action.value, obj, old, new)
        return actor

    def record(self, event: str, obj: str, old: object = None, new: object = None) -> None:
        """The audit row of a change just made by this actor (after `require`)."""
        self.audit.append(self.actor.name, event, obj, old, new)

    def _refuse(self, who: str, action: Action, obj: str, sentence: str) -> NoReturn:
        self.audit.append(who, "refused", obj, None, {"action": action.value})
        raise Refused(sentence, action)


def accounts_exist(store: Store) -> bool:
    """Whether this database has (or ever had) accounts: a `user.add` row in its audit
    trail or a row in its users table."""
    return bool(store.audit.entries(action="user.add", limit=1)) or store.users.count() > 0


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _or(roles: list[Role]) -> str:
    names = [r.value for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
