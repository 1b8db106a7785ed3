"""The users and ceilings half of the trust checks (console/core/trust.py): the accounts
and the clinic's ceilings replayed from the audit trail, against the tables, and the
audited actions the actor could not do then. Qt-free; no SQL here."""

from __future__ import annotations

from dataclasses import dataclass

from console.core.access import UNATTRIBUTED
from console.core.accounts import fingerprint
from console.core.roles import PERMISSIONS, Action, Role
from console.store import Store
from console.store.audit import AuditEntry
from console.store.ceilings import logged_ceilings


@dataclass
class _ExpectedUser:
    role: str
    active: bool = True
    display_name: str | None = None
    pw: str | None = None  # None: written by a console that did not fingerprint hashes


def _user_name(obj: str) -> str:
    return obj.removeprefix("user:")


def _replay_users(
    entries: list[AuditEntry],
    upto: int | None = None,
    into: dict[str, _ExpectedUser] | None = None,
) -> dict[str, _ExpectedUser]:
    users: dict[str, _ExpectedUser] = {} if into is None else into
    for e in entries:
        if upto is not None and e.id >= upto:
            break
        new = e.new()
        data = new if isinstance(new, dict) else {}
        name = _user_name(e.object).lower()
        match e.action:
            case "user.add":
                users[name] = _ExpectedUser(
                    str(data.get("role")), True, data.get("display_name"), data.get("pw")
                )
            case "user.role" if name in users:
                users[name].role = str(data.get("role"))
            case "user.active" if name in users:
                users[name].active = bool(data.get("active"))
            case "user.password" if name in users:
                users[name].pw = data.get("pw")
    return users


def users(store: Store, entries: list[AuditEntry]) -> list[str]:
    expected = _replay_users(entries)
    problems: list[str] = []
    actual = {u.name.lower(): u for u in store.users.all()}
    for name, row in actual.items():
        want = expected.get(name)
        if want is None:
            problems.append(
                f"users row {row.id} ({row.name}, {row.role}): the account was inserted "
                "behind the console's back (no user.add in the audit trail)"
            )
            continue
        if row.role != want.role:
            problems.append(
                f"users row {row.id} ({row.name}): role is {row.role}, the audit trail says "
                f"{want.role}"
            )
        if row.active != want.active:
            state = "active" if row.active else "disabled"
            problems.append(f"users row {row.id} ({row.name}): {state} without an audit row")
        if want.pw is not None and fingerprint(row.password_hash) != want.pw:
            problems.append(
                f"users row {row.id} ({row.name}): the password hash was replaced without "
                "an audit row"
            )
        if want.display_name is not None and row.display_name != want.display_name:
            problems.append(
                f"users row {row.id} ({row.name}): display name changed to "
                f"{row.display_name!r} without an audit row"
            )
    for name in expected.keys() - actual.keys():
        problems.append(f"users: the account {name} (in the audit trail) was deleted")
    return problems


# Audit rows of actions a role must allow, by the row's action (and Action's own values).
_NEEDS: dict[str, Action] = {
    "zone.ceiling": Action.EDIT_CEILING_DEFAULTS,
    "user.add": Action.MANAGE_USERS,
    "user.role": Action.MANAGE_USERS,
    "user.active": Action.MANAGE_USERS,
    "user.unlock": Action.MANAGE_USERS,
    "user.password": Action.MANAGE_USERS,  # unless one's own
    "amend": Action.EDIT_NOTES,
    "session.notes": Action.EDIT_NOTES,
} | {a.value: a for a in Action}


def roles(entries: list[AuditEntry]) -> list[str]:
    """Audited actions that the actor's role (replayed up to that row) did not allow:
    a role or password hash swapped for a moment to act as someone else."""
    users: dict[str, _ExpectedUser] = {}
    problems: list[str] = []
    for e in entries:
        need = _NEEDS.get(e.action)
        actor = users.get(e.user.lower())
        own = e.action == "user.password" and _user_name(e.object).lower() == e.user.lower()
        if need is not None and actor is not None and not own:
            try:
                allowed = need in PERMISSIONS[Role(actor.role)]
            except ValueError:
                allowed = False
            if not allowed or not actor.active:
                problems.append(
                    f"audit_log row {e.id}: {e.user} ({actor.role}"
                    f"{'' if actor.active else ', disabled'}) did {e.action} on {e.object} at "
                    f"{e.at_utc}, which that account could not do then: its users row was "
                    "changed for a moment"
                )
        _replay_users([e], into=users)
    return problems


def unattributed(entries: list[AuditEntry]) -> list[str]:
    """Rows written as a demo database's after the first account existed: someone
    emptied the users table to act without signing in."""
    first = next((e for e in entries if e.action == "user.add"), None)
    if first is None:
        return []
    return [
        f"audit_log row {e.id}: {e.action} on {e.object} at {e.at_utc} was made without "
        f"sign-in ({UNATTRIBUTED}) after the first account was added (row {first.id}): the "
        "users table was emptied to act as a demo console"
        for e in entries
        if e.id > first.id and e.user == UNATTRIBUTED
    ]


def ceilings(store: Store, entries: list[AuditEntry]) -> list[str]:
    expected = logged_ceilings(entries)
    problems: list[str] = []
    actual = {(r.map_id, r.zone): r for r in store.ceilings.all()}
    for key, row in actual.items():
        where = f"zone_ceilings {row.map_id}/{row.zone}"
        if key not in expected:
            problems.append(f"{where}: {row.depth_max_um} µm was set without an audit row")
        elif row.depth_max_um != expected[key]:
            problems.append(
                f"{where}: {row.depth_max_um} µm, the audit trail says {expected[key]} µm"
            )
    for map_id, zone in expected.keys() - actual.keys():
        problems.append(f"zone_ceilings {map_id}/{zone}: the clinic's ceiling was deleted")
    return problems


def signer_words(entries: list[AuditEntry], signer: str, when: str) -> str:
    before = [e for e in entries if e.at_utc <= when]
    users = _replay_users(before)
    user = users.get(signer.lower())
    if user is None:
        return f"; {signer} was not a user then"
    try:
        role = Role(user.role)
    except ValueError:
        return f"; {signer} had an unknown role"
    if Action.SIGN not in PERMISSIONS[role] or not user.active:
        return f"; {signer} ({role}) could not sign"
    return ""
