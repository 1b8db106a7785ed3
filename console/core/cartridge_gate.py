"""The single-use gate of a live session: lots recorded at the cart, and their alarms.

Recording a product goes through console/core/lots.py. A cartridge already used on
another patient raises the HIGH alarm CARTRIDGE_REUSED and closes the gate: the
console refuses to start the motor until a new cartridge's lot is recorded, or a
supervisor overrides with a reason. An expired product raises the MEDIUM alarm
PRODUCT_EXPIRED. Qt-free; the treatment owns one gate.
"""

from __future__ import annotations

from datetime import date

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


class CartridgeGate:
    def __init__(self, alarms: AlarmModel) -> None:
        self.alarms = alarms
        self.refusal: str | None = None  # why needling is refused, while it is

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
        cartridge without an allowed override."""
        try:
            findings = record_product(
                access, session, patient_code, product, today, override_reason
            )
        except SingleUseRefused as refused:
            self.refusal = str(refused)
            self.alarms.set(Condition.CARTRIDGE_REUSED, True, f"lot {product.lot}")
            raise
        if product.kind is ProductKind.CARTRIDGE:  # a new cartridge, or an override
            self.refusal = None
            self.alarms.set(Condition.CARTRIDGE_REUSED, False)
        expired = [f for f in findings if f.kind is FindingKind.EXPIRED]
        if expired:
            self.alarms.set(Condition.PRODUCT_EXPIRED, True, expired[0].sentence)
        return findings

    def reset(self) -> None:
        """A new session starts with the gate open and no product alarms."""
        self.refusal = None
        for condition in (Condition.CARTRIDGE_REUSED, Condition.PRODUCT_EXPIRED):
            self.alarms.set(condition, False)
