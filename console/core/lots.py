"""Products and lots per session: barcodes, the single-use rule, expiry, and recall.

A cartridge, PRP kit or tube, hyaluronic acid or anaesthetic is recorded with its name,
lot, serial and expiry. A scanned GS1 code (a scanner types like a keyboard) is parsed
by biip into GTIN (01), expiry (17), lot (10) and serial (21); anything else is taken
as a typed lot. Two findings stop or warn before needling:

- a cartridge lot and serial already used on another patient (HIGH): refused, unless a
  supervisor overrides it with a reason (OVERRIDE_SINGLE_USE, audited and kept on the row);
- an expired product (MEDIUM): a warning, recorded with the product.

`find_lot` is the recall search: every session and patient that used a lot. Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

import biip
from biip.gs1_messages import GS1Message

from console.core.access import Access, Refused
from console.core.alarms import Priority
from console.core.roles import Action
from console.store.products import LotUse, ProductRow
from console.store.rows import utc_now

GROUP_SEPARATOR = "\x1d"


class ProductKind(enum.StrEnum):
    CARTRIDGE = "cartridge"
    PRP_KIT = "prp_kit"
    PRP_TUBE = "prp_tube"
    HYALURONIC_ACID = "hyaluronic_acid"
    ANAESTHETIC = "anaesthetic"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ").replace("prp", "PRP")


class LotError(ValueError):
    """A lot or barcode that cannot be read: one sentence saying what to do."""


@dataclass(frozen=True, slots=True)
class Product:
    kind: ProductKind
    lot: str
    serial: str | None = None
    expiry: date | None = None
    gtin: str | None = None
    name: str = ""


def parse_scan(kind: ProductKind, text: str, name: str = "") -> Product:
    """A scanned GS1 code, or a typed lot (then `LOT[:SERIAL]`)."""
    raw = text.strip()
    if not raw:
        raise LotError(f"no lot was given for the {kind.words}; type or scan it")
    if _looks_gs1(raw):
        message = _gs1_message(raw)
        if message is None:
            raise LotError(
                f"{raw!r} looks like a GS1 barcode but cannot be read; scan it again or "
                "type the lot printed on the package"
            )
        fields = {e.ai.ai: e for e in message.element_strings}
        lot = fields.get("10")
        if lot is None:
            raise LotError(f"the barcode {raw!r} carries no lot (10); type the lot instead")
        expiry = fields.get("17")
        return Product(
            kind,
            lot.value,
            serial=fields["21"].value if "21" in fields else None,
            expiry=expiry.date if expiry is not None else None,
            gtin=fields["01"].value if "01" in fields else None,
            name=name,
        )
    lot_text, _, serial = raw.partition(":")
    if not lot_text.strip() or not raw.isprintable():
        raise LotError(f"{raw!r} is not a lot; give LOT or LOT:SERIAL as printed")
    return Product(kind, lot_text.strip(), serial=serial.strip() or None, name=name)


def _gs1_message(raw: str) -> GS1Message | None:
    """A scan (with or without its symbology prefix), or the printed "(01)…(10)…" form."""
    if raw.startswith("("):
        try:
            return GS1Message.parse_hri(raw)
        except biip.ParseError:
            return None
    return biip.parse(raw).gs1_message


def _looks_gs1(text: str) -> bool:
    return (
        text.startswith(("]", "("))
        or GROUP_SEPARATOR in text
        or (text[:2] == "01" and text[:16].isdigit())
    )


def parse_lot_option(text: str) -> Product:
    """`--lot KIND=LOT[:SERIAL]` (or KIND=<GS1 code>) from `record`."""
    kind_text, sep, rest = text.partition("=")
    try:
        kind = ProductKind(kind_text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ProductKind)
        raise LotError(f"{kind_text!r} is not a product kind; use one of {kinds}") from None
    if not sep:
        raise LotError(f"give --lot as {kind.value}=LOT[:SERIAL]")
    return parse_scan(kind, rest)


# ---------------------------------------------------------------- findings


class FindingKind(enum.StrEnum):
    REUSED_CARTRIDGE = "reused_cartridge"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    product: Product
    sentence: str

    @property
    def priority(self) -> Priority:
        match self.kind:
            case FindingKind.REUSED_CARTRIDGE:
                return Priority.HIGH
            case FindingKind.EXPIRED:
                return Priority.MEDIUM


def check_product(
    access: Access, patient_code: str, product: Product, today: date
) -> list[Finding]:
    """What is wrong with using `product` on `patient_code` today (empty when nothing)."""
    found: list[Finding] = []
    if product.kind is ProductKind.CARTRIDGE:
        others = [
            (session, code)
            for session, code in access.store.products.cartridge_patients(
                product.lot, product.serial
            )
            if code != patient_code
        ]
        if others:
            serial = f" serial {product.serial}" if product.serial else ""
            found.append(
                Finding(
                    FindingKind.REUSED_CARTRIDGE,
                    product,
                    f"the cartridge lot {product.lot}{serial} was already used on another "
                    f"patient (session {others[0][0][:8]}); cartridges are single use: insert "
                    "a new one, or a supervisor may override with a reason",
                )
            )
    if product.expiry is not None and product.expiry < today:
        found.append(
            Finding(
                FindingKind.EXPIRED,
                product,
                f"the {product.kind.words} lot {product.lot} expired on {product.expiry}",
            )
        )
    return found


class SingleUseRefused(Refused):
    """A reused cartridge with no supervisor override: no needling (the CLI exits 4)."""


def refuse_reuse(findings: list[Finding]) -> None:
    """Raise SingleUseRefused for the first reused cartridge among `findings`."""
    for f in findings:
        if f.kind is FindingKind.REUSED_CARTRIDGE:
            raise SingleUseRefused(f.sentence, Action.OPERATE_PEN)


def record_product(
    access: Access,
    session: str,
    patient_code: str,
    product: Product,
    today: date,
    override_reason: str | None = None,
) -> list[Finding]:
    """Record `product` in `session` (audited) and return its findings.

    A reused cartridge is refused (SingleUseRefused) unless `override_reason` is given
    and the user may override (a supervisor); the reason is kept with the row."""
    obj = f"session:{session}"
    actor = access.require(Action.RECORD_SESSION, obj)
    findings = check_product(access, patient_code, product, today)
    reason = None
    if any(f.kind is FindingKind.REUSED_CARTRIDGE for f in findings):
        if not (override_reason and override_reason.strip()):
            access.record("lot.refused", obj, None, _words(product))
            refuse_reuse(findings)
        actor = access.require(Action.OVERRIDE_SINGLE_USE, obj)
        reason = override_reason.strip() if override_reason else None
    row = ProductRow(
        session,
        product.kind.value,
        product.name,
        product.gtin,
        product.lot,
        product.serial,
        None if product.expiry is None else product.expiry.isoformat(),
        utc_now(),
        actor.name,
        reason,
    )
    with access.store.transaction():
        access.store.check_unchanged(session)
        access.store.products.add(row)
        findings_words = [f.kind.value for f in findings]
        access.store.audit.append(
            actor.name,
            "lot.override" if reason else "lot.record",
            obj,
            None,
            {**_words(product), "findings": findings_words, "override_reason": reason},
        )
        access.store.reseal_if_ended(session, "lot recorded", actor.name)
    return findings


def _words(product: Product) -> dict[str, object]:
    return {
        "kind": product.kind.value,
        "lot": product.lot,
        "serial": product.serial,
        "expiry": None if product.expiry is None else product.expiry.isoformat(),
        "gtin": product.gtin,
    }


def find_lot(access: Access, lot: str) -> list[LotUse]:
    """Every session and patient that used `lot` (the recall search; REVIEW, audited)."""
    lot = lot.strip()
    if not lot:
        raise LotError("give the lot to search for")
    access.perform(Action.REVIEW, f"lot:{lot}", None, "recall search")
    return access.store.products.uses_of_lot(lot)
