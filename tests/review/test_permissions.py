"""Every declared permission is checked through `Access`: per action one refusal (with its
audit row) and one allowed call, each through the core service that performs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.core import db_admin, records
from console.core.access import NOBODY, UNATTRIBUTED, Access, Refused
from console.core.accounts import Accounts, Role, User
from console.core.clinic_ceilings import set_clinic_ceiling
from console.core.roles import Action
from console.core.signing import sign
from console.core.zone_session import build_zone_session
from console.core.zones import available_maps
from console.store import Store
from console.store.products import ProductRow

PLAN = "full_face_prp"


@dataclass(frozen=True)
class Ctx:
    tmp: Path
    passwords: dict[str, str]


class FakeRecorder:
    """Stands in for the recorder: only the start of a session matters here."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start_session(
        self, patient_code: str, practitioner: str, plan_name: str | None = None, notes: str = ""
    ) -> str:
        return self.store.create_session(patient_code, practitioner)


def _ended(store: Store) -> str:
    session = store.create_session("P-1", "nurse.kim")
    store.finish_session(session)
    return session


def _operate(access: Access, ctx: Ctx) -> object:
    return records.operate_pen(access, "virtual://treatment")


def _record(access: Access, ctx: Ctx) -> object:
    return records.start_session(access, FakeRecorder(access.store), "P-2")  # type: ignore[arg-type]


def _notes(access: Access, ctx: Ctx) -> object:
    return records.save_notes(access, _ended(access.store), "redness expected")


def _follow_up(access: Access, ctx: Ctx) -> object:
    from console.core.followups import FollowUpKind, add_follow_up

    return add_follow_up(access, _ended(access.store), FollowUpKind.OUTCOME, "settled")


def _plan(access: Access, ctx: Ctx) -> object:
    zones = build_zone_session(PLAN, None)
    zones.access = access
    assert zones.plan is not None
    return zones.use_plan(zones.plan, edited=True)


def _override(access: Access, ctx: Ctx) -> object:
    zones = build_zone_session(PLAN, None)
    zones.access = access
    return zones.override_ceiling("forehead", 700, "yes")  # the wording fails after the check


def _review(access: Access, ctx: Ctx) -> object:
    return records.open_session(access, _ended(access.store))


def _sign(access: Access, ctx: Ctx) -> object:
    user = access.user
    assert user is not None
    return sign(access, _ended(access.store), "reviewed", ctx.passwords[user.name])


def _export(access: Access, ctx: Ctx) -> object:
    return records.exported(access, _ended(access.store), "csv", str(ctx.tmp / "out.csv"))


def _ceiling(access: Access, ctx: Ctx) -> object:
    return set_clinic_ceiling(access, available_maps()["face"], "cheek_left", 1250)


def _users(access: Access, ctx: Ctx) -> object:
    return Accounts(access.store).add(
        "nurse.new", Role.PRACTITIONER, "long enough words", access=access
    )


def _backup(access: Access, ctx: Ctx) -> object:
    return db_admin.backup(access, ctx.tmp / "backup.db")


def _import(access: Access, ctx: Ctx) -> object:
    from console.core.bundle_import import import_bundle
    from console.core.bundles import export, open_bundle
    from console.core.installation_id import SigningKey, enrol, fingerprint

    other = Store(ctx.tmp / "other-cart.db", key_dir=ctx.tmp / "other-keys")
    try:
        bundle = ctx.tmp / "from-other-cart.penbundle"
        session = _ended(other)
        export(other, Access(other, None), [session], bundle, SigningKey(ctx.tmp / "other-keys"))
    finally:
        other.close()
    enrol(fingerprint(SigningKey(ctx.tmp / "other-keys").installation), ctx.tmp / "keys")
    return import_bundle(access.store, access, open_bundle(bundle), ctx.tmp / "keys")


def _single_use(access: Access, ctx: Ctx) -> object:
    from datetime import date

    from console.core.lots import Product, ProductKind, record_product

    store, cartridge = access.store, Product(ProductKind.CARTRIDGE, "C-1", "S-1")
    first = store.create_session("P-A", "nurse.kim")
    store.products.add(  # used on another patient before
        ProductRow(first, "cartridge", "", None, "C-1", "S-1", None, "2026-01-01", "nurse.kim")
    )
    second = store.create_session("P-B", "nurse.kim")
    return record_product(access, second, "P-B", cartridge, date.today(), "sealed box")


def _restore(access: Access, ctx: Ctx) -> object:
    return db_admin.authorize_restore(access, ctx.tmp / "backup.db")


# action: (service call, refused as, allowed as); None means nobody signed in
CASES: dict[Action, tuple[Callable[[Access, Ctx], object], str | None, str]] = {
    Action.OPERATE_PEN: (_operate, None, "nurse.kim"),
    Action.RECORD_SESSION: (_record, None, "nurse.kim"),
    Action.EDIT_NOTES: (_notes, "it", "nurse.kim"),
    Action.EDIT_PLAN: (_plan, "it", "nurse.kim"),
    Action.OVERRIDE_CEILING: (_override, "it", "dr.lee"),
    Action.REVIEW: (_review, None, "nurse.kim"),
    Action.SIGN: (_sign, "nurse.kim", "dr.lee"),
    Action.EXPORT: (_export, None, "nurse.kim"),
    Action.EDIT_CEILING_DEFAULTS: (_ceiling, "nurse.kim", "dr.lee"),
    Action.MANAGE_USERS: (_users, "dr.lee", "it"),
    Action.BACKUP: (_backup, "nurse.kim", "dr.lee"),
    Action.RESTORE: (_restore, "dr.lee", "it"),
    Action.IMPORT: (_import, None, "nurse.kim"),
    Action.OVERRIDE_SINGLE_USE: (_single_use, "nurse.kim", "dr.lee"),
    Action.ADD_FOLLOW_UP: (_follow_up, "it", "nurse.kim"),
}


def test_every_declared_action_has_a_case() -> None:
    assert set(CASES) == set(Action)


@pytest.mark.parametrize("action", list(CASES), ids=[a.value for a in CASES])
def test_refused_with_an_audit_row(
    action: Action, store: Store, people: dict[str, User], passwords: dict[str, str], tmp_path: Path
) -> None:
    call, refused_as, _ = CASES[action]
    user = None if refused_as is None else people[refused_as]
    with pytest.raises(Refused) as refusal:
        call(Access(store, user), Ctx(tmp_path, passwords))
    assert refusal.value.exit_code == 4 and refusal.value.action is action
    assert str(refusal.value).endswith(".") and "\n" not in str(refusal.value)
    row = store.audit.entries(action="refused")[-1]
    assert row.user == (refused_as or NOBODY)
    assert row.new() == {"action": action.value}


@pytest.mark.parametrize("action", list(CASES), ids=[a.value for a in CASES])
def test_allowed(
    action: Action, store: Store, people: dict[str, User], passwords: dict[str, str], tmp_path: Path
) -> None:
    call, _, allowed_as = CASES[action]
    before = len(store.audit.entries(action="refused"))
    try:
        call(Access(store, people[allowed_as]), Ctx(tmp_path, passwords))
    except ValueError as exc:  # the override's confirmation wording, checked after access
        assert action is Action.OVERRIDE_CEILING and "not confirmed" in str(exc)
    assert len(store.audit.entries(action="refused")) == before


def test_a_demo_database_allows_everything_unattributed(store: Store, tmp_path: Path) -> None:
    access = Access(store, None)
    assert access.demo
    session = records.start_session(access, FakeRecorder(store), "P-3", practitioner="Dr Who")  # type: ignore[arg-type]
    row = store.audit.entries(action="session.start")[-1]
    assert row.user == UNATTRIBUTED and row.new()["attributed"] is False  # type: ignore[index]
    records.exported(access, session, "json", "-")
    assert store.audit.entries(action="export")[-1].user == UNATTRIBUTED
    assert store.audit.entries(action="refused") == []


def test_a_disabled_account_is_refused(store: Store, people: dict[str, User]) -> None:
    Accounts(store).set_active("nurse.kim", False, access=Access(store, people["it"]))
    with pytest.raises(Refused, match="disabled"):
        records.exported(Access(store, people["nurse.kim"]), _ended(store), "csv", "x.csv")
