"""The single-use gate of a live session: lots recorded at the cart, and their alarms.

Recording a product goes through console/core/lots.py. A cartridge already used on
another patient raises the HIGH alarm CARTRIDGE_REUSED and closes the gate: the
console refuses to start the motor until a new cartridge's lot is recorded, or a
supervisor overrides with a reason. "A new cartridge" means one the pen reported
inserted after the refusal: typing a different lot for the cartridge still fitted does
not reopen the gate; it is refused, audited (`lot.retype_refused`) and sounds the HIGH
alarm again. An expired product raises the MEDIUM alarm PRODUCT_EXPIRED.

A cartridge inserted during a session, or already fitted when it starts, with no lot
entered yet is "unlotted" until a cartridge lot is recorded. The clinic's rule
(resources/cartridge_lots.json) decides what that means: by default a MEDIUM alarm,
CARTRIDGE_NO_LOT, while the lot prompt keeps asking; with `require_lot` the gate is
closed exactly as for a reused cartridge.

While the gate is closed the pen's own run button cannot needle either: the treatment's
tick stops a motor the pen reports running and raises the HIGH alarm SINGLE_USE_STOP
saying why (console/core/pen_commands.py). Qt-free; the treatment owns one gate.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from console.core.access import Access
from console.core.alarms import AlarmModel, Condition
from console.core.lots import (
    Finding,
    FindingKind,
    Product,
    ProductKind,
    SingleUseRefused,
    record_product,
)
from console.core.roles import Action
from resources import RESOURCES_DIR

LOT_RULE = RESOURCES_DIR / "cartridge_lots.json"


def lot_required(path: Path = LOT_RULE) -> bool:
    """The clinic's setting; a missing or unreadable file means the default (warn)."""
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("require_lot", False))
    except (OSError, ValueError, AttributeError):
        return False


NO_LOT_WORDS = "cartridge inserted with no lot entered: type or scan its lot"
RETYPE_WORDS = (
    "the pen has reported no new cartridge since the last one was refused as already used, "
    "so a different lot for it is not accepted: insert a new cartridge and scan its lot, "
    "or a supervisor may override with a reason"
)


class CartridgeGate:
    def __init__(self, alarms: AlarmModel, require_lot: bool | None = None) -> None:
        self.alarms = alarms
        self.require_lot = lot_required() if require_lot is None else require_lot
        self.refusal: str | None = None  # a reused cartridge: why needling is refused
        self.lot_missing = False  # a cartridge inserted this session, its lot not entered
        # the refused cartridge is still the one fitted: no insert reported since
        self.same_cartridge = False

    def blocking(self) -> str | None:
        """Why needling is refused now (a reused cartridge, or an unlotted one where the
        clinic requires lots); None while it may go on."""
        if self.refusal is not None:
            return self.refusal
        if self.lot_missing and self.require_lot:
            return f"{NO_LOT_WORDS} (this clinic requires cartridge lots)"
        return None

    def inserted(self) -> None:
        """The pen reported a cartridge inserted during a session: ask for its lot."""
        self.lot_missing = True
        self.same_cartridge = False
        self.alarms.set(Condition.CARTRIDGE_NO_LOT, True, NO_LOT_WORDS)

    def stopped_pen(self, why: str) -> None:
        """The console stopped a motor started while the gate was closed: the HIGH alarm,
        raised anew (it sounds again even if an earlier stop was acknowledged)."""
        self.alarms.set(Condition.SINGLE_USE_STOP, False)
        self.alarms.set(Condition.SINGLE_USE_STOP, True, f"motor stopped: {why}")

    def record(
        self,
        access: Access,
        session: str,
        patient_code: str,
        product: Product,
        today: date,
        override_reason: str | None = None,
    ) -> list[Finding]:
        """Record `product`; SingleUseRefused (gate closed, HIGH alarm) for a reused
        cartridge without an allowed override, and for another lot typed for the refused
        cartridge (no insert reported since) unless a supervisor overrides."""
        if (
            product.kind is ProductKind.CARTRIDGE
            and self.refusal is not None
            and self.same_cartridge
        ):
            self._retyped(access, session, product, override_reason)
        try:
            findings = record_product(
                access, session, patient_code, product, today, override_reason
            )
        except SingleUseRefused as refused:
            self.refusal = str(refused)
            self.same_cartridge = True
            self.lot_missing = False  # a lot was entered; it is the reuse that refuses
            self.alarms.set(Condition.CARTRIDGE_NO_LOT, False)
            self.alarms.set(Condition.CARTRIDGE_REUSED, True, f"lot {product.lot}")
            raise
        if product.kind is ProductKind.CARTRIDGE:  # a new cartridge, or an override
            self.refusal = None
            self.same_cartridge = False
            self.lot_missing = False
            for condition in (Condition.CARTRIDGE_REUSED, Condition.CARTRIDGE_NO_LOT):
                self.alarms.set(condition, False)
            self.alarms.set(Condition.SINGLE_USE_STOP, False)
        expired = [f for f in findings if f.kind is FindingKind.EXPIRED]
        if expired:
            self.alarms.set(Condition.PRODUCT_EXPIRED, True, expired[0].sentence)
        return findings

    def _retyped(
        self, access: Access, session: str, product: Product, override_reason: str | None
    ) -> None:
        """Another lot for the cartridge refused as reused: refused and audited, the HIGH
        alarm raised anew, unless a supervisor overrides with a reason."""
        obj = f"session:{session}"
        if override_reason and override_reason.strip():
            access.require(Action.OVERRIDE_SINGLE_USE, obj)
            access.record("lot.retype_override", obj, self.refusal, override_reason.strip())
            return
        access.record("lot.retype_refused", obj, self.refusal, {"lot": product.lot})
        self.alarms.set(Condition.CARTRIDGE_REUSED, False)
        self.alarms.set(Condition.CARTRIDGE_REUSED, True, f"lot {product.lot} typed for it")
        raise SingleUseRefused(RETYPE_WORDS, Action.OPERATE_PEN)

    def reset(self) -> None:
        """A new session starts with the gate open and no product alarms."""
        self.refusal = None
        self.same_cartridge = False
        self.lot_missing = False
        for condition in (
            Condition.CARTRIDGE_REUSED,
            Condition.PRODUCT_EXPIRED,
            Condition.CARTRIDGE_NO_LOT,
            Condition.SINGLE_USE_STOP,
        ):
            self.alarms.set(condition, False)
