"""Products and cartridge lots: GS1 parsing, the single-use rule, expiry, recall."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from patient_support import SessionAt

from console.core.access import Access, Refused
from console.core.alarms import Priority
from console.core.lots import (
    FindingKind,
    LotError,
    Product,
    ProductKind,
    SingleUseRefused,
    check_product,
    find_lot,
    parse_lot_option,
    parse_scan,
    record_product,
)
from console.store import Store
from console.store.products import ProductRow

TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
CART = ProductKind.CARTRIDGE


def test_a_scanned_gs1_code_is_parsed_by_its_application_identifiers() -> None:
    # ]d2 = GS1 DataMatrix; FNC1 is the group separator after the variable-length lot
    scanned = parse_scan(CART, "]d20109506000134352172612311042LOT7\x1d21SN0009")
    assert scanned == Product(CART, "42LOT7", "SN0009", date(2026, 12, 31), "09506000134352")
    printed = parse_scan(ProductKind.PRP_KIT, "(01)09506000134352(17)270630(10)K-55")
    assert (printed.lot, printed.expiry, printed.serial) == ("K-55", date(2027, 6, 30), None)


def test_a_typed_lot_and_serial_and_bad_input() -> None:
    assert parse_scan(CART, " L-1:S-9 ") == Product(CART, "L-1", "S-9")
    assert parse_lot_option("prp_kit=K1") == Product(ProductKind.PRP_KIT, "K1")
    with pytest.raises(LotError, match="not a product kind"):
        parse_lot_option("glue=K1")
    with pytest.raises(LotError, match="cannot be read"):
        parse_scan(CART, "0109506000134352179999")
    with pytest.raises(LotError, match="no lot"):
        parse_scan(CART, "   ")


def test_a_cartridge_reused_on_another_patient_is_refused_until_a_supervisor_overrides(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    nurse, sup = clinic["nurse"], clinic["supervisor"]
    cartridge = Product(CART, "L-1", "S-9")
    first = session_at("P-1", AT - timedelta(days=1))
    assert record_product(nurse, first, "P-1", cartridge, TODAY) == []
    assert check_product(nurse, "P-1", cartridge, TODAY) == []  # the same patient: fine
    second = session_at("P-2", AT)
    findings = check_product(nurse, "P-2", cartridge, TODAY)
    assert [(f.kind, f.priority) for f in findings] == [
        (FindingKind.REUSED_CARTRIDGE, Priority.HIGH)
    ]
    with pytest.raises(SingleUseRefused, match="single use") as refused:
        record_product(nurse, second, "P-2", cartridge, TODAY)
    assert refused.value.exit_code == 4
    with pytest.raises(Refused, match="may not override"):
        record_product(nurse, second, "P-2", cartridge, TODAY, "new box sealed, same label")
    record_product(sup, second, "P-2", cartridge, TODAY, "label misprint, box sealed")
    (row,) = store.products.for_session(second)
    assert (row.recorded_by, row.override_reason) == ("dr.lee", "label misprint, box sealed")
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log")]
    assert "lot.refused" in actions and "lot.override" in actions
    # another serial of the lot is another cartridge
    assert check_product(nurse, "P-3", Product(CART, "L-1", "S-10"), TODAY) == []


def test_an_expired_product_is_a_medium_finding(clinic: dict[str, Access]) -> None:
    old = Product(ProductKind.HYALURONIC_ACID, "HA-3", expiry=TODAY - timedelta(days=1))
    (finding,) = check_product(clinic["nurse"], "P-1", old, TODAY)
    assert (finding.kind, finding.priority) == (FindingKind.EXPIRED, Priority.MEDIUM)
    fresh = Product(ProductKind.HYALURONIC_ACID, "HA-3", expiry=TODAY)
    assert check_product(clinic["nurse"], "P-1", fresh, TODAY) == []


def test_lots_find_returns_exactly_the_sessions_of_the_lot(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    nurse = clinic["nurse"]
    used = []
    for n, patient in enumerate(("P-1", "P-2", "P-3")):
        session = session_at(patient, AT + timedelta(days=n))
        record_product(nurse, session, patient, Product(ProductKind.PRP_KIT, "K-7"), TODAY)
        record_product(nurse, session, patient, Product(CART, f"C-{n}"), TODAY)
        used.append((session, patient))
    other = session_at("P-4", AT + timedelta(days=5))
    record_product(nurse, other, "P-4", Product(ProductKind.PRP_KIT, "K-8"), TODAY)
    uses = find_lot(nurse, "K-7")
    assert [(u.session, u.patient_code) for u in uses] == used
    assert [u.session for u in find_lot(nurse, "C-1")] == [used[1][0]]
    assert find_lot(nurse, "nothing") == []


def test_lot_and_serial_are_normalised_so_a_lower_case_retype_is_the_same_cartridge(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    nurse = clinic["nurse"]
    first = session_at("P-1", AT - timedelta(days=1))
    record_product(nurse, first, "P-1", parse_scan(CART, "LOTA1:S1"), TODAY)
    second = session_at("P-2", AT)
    with pytest.raises(SingleUseRefused, match="single use"):
        record_product(nurse, second, "P-2", parse_scan(CART, "lota1:s1"), TODAY)
    with pytest.raises(SingleUseRefused):
        record_product(nurse, second, "P-2", parse_scan(CART, " lot a1 : s 1 "), TODAY)
    assert store.products.for_session(second) == []
    (row,) = store.products.for_session(first)
    assert (row.lot, row.serial) == ("LOTA1", "S1")


def test_old_mixed_case_rows_are_matched_case_blind_and_lots_find_takes_a_scan(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    nurse = clinic["nurse"]
    first = session_at("P-1", AT - timedelta(days=1))
    # a row written before lots were normalised, as typed
    store.products.add(
        ProductRow(first, "cartridge", "", None, "Lot42", "s1", None, AT.isoformat(), "nurse.kim")
    )
    second = session_at("P-2", AT)
    refused = check_product(nurse, "P-2", Product(CART, "LOT42", "S1"), TODAY)
    assert [f.kind for f in refused] == [FindingKind.REUSED_CARTRIDGE]
    assert [u.session for u in find_lot(nurse, "lot42")] == [first]
    scanned = "01095060001343521727123110LOT42\x1d21S1"
    assert [u.session for u in find_lot(nurse, scanned)] == [first]
    assert [u.session for u in find_lot(nurse, "(01)09506000134352(10)LOT42")] == [first]
    assert second not in {u.session for u in find_lot(nurse, "LOT42")}


def test_the_gs1_string_from_the_brief_parses_lot_and_serial() -> None:
    scanned = parse_scan(CART, "01095060001343521727123110LOT42\x1d21S1")
    assert (scanned.lot, scanned.serial, scanned.expiry) == ("LOT42", "S1", date(2027, 12, 31))
