"""The validators re-implemented from the notes' tables (shared/notes/prestashop-webservice.md §2.1)."""

from __future__ import annotations

import pytest

from amzorders.sim.prestashop.schemas import resource_specs
from amzorders.sim.prestashop.validators import is_valid, unknown_formats


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Jean-Pierre D.", True),
        ("Zoë Müller-Łukasz", True),
        ("O'Neil", True),
        ("Dupont2", False),
        ("Business (FR)", False),
        ("J.Dupont", False),
        ("J. Dupont", True),
        ("Dupont_Jean", False),
        ("a/b", False),
    ],
)
def test_customer_names(name, ok):
    assert is_valid("isCustomerName", name) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("Dupont", True), ("Dupont 2", False), ("J.Dupont", True), ("Smith (Ltd)", False), ("Émile", True)],
)
def test_address_names(name, ok):
    assert is_valid("isName", name) is ok


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("Bât. #4, appt 12", True),
        ("12 rue du 8 mai 1945 (2e étage)", True),
        ("c/o Amazon", True),
        ("50% off street", False),
        ("a@b street", False),
        ("{street}", False),
    ],
)
def test_addresses(line, ok):
    assert is_valid("isAddress", line) is ok


@pytest.mark.parametrize(
    ("validator", "value", "ok"),
    [
        ("isPhoneNumber", "+33 (0)1 23.45/67-89", True),
        ("isPhoneNumber", "0123 ext. 5", False),
        ("isPostCode", "7500", True),
        ("isPostCode", "SW1A 1AA", True),
        ("isPostCode", "75001!", False),
        ("isPrice", "14.28", True),
        ("isPrice", "12,50", False),
        ("isPrice", "-1.00", False),
        ("isPrice", "12345678901", False),
        ("isPrice", "0.1234567891", False),
        ("isNegativePrice", "-1", True),
        ("isGenericName", "Amazon", True),
        ("isGenericName", "a<b", False),
        ("isGenericName", "x=y", False),
        ("isModuleName", "ps_wirepayment", True),
        ("isModuleName", "ps wirepayment", False),
        ("isUnsignedId", "0", True),
        ("isUnsignedId", "15", True),
        ("isUnsignedId", "-1", False),
        ("isUnsignedId", "1.5", False),
        ("isUnsignedId", "4294967296", False),
        ("isBool", "1", True),
        ("isBool", "true", False),
        ("isEmail", "buyer@marketplace.amazon.fr", True),
        ("isEmail", "a.b+c@example.com", True),
        ("isEmail", "no-at-sign", False),
        ("isEmail", "a@@b.fr", False),
        ("isEmail", "a..b@example.com", False),
        ("isFloat", "1", True),
        ("isFloat", "1.000000", True),
        ("isFloat", "abc", False),
        ("isDate", "2026-11-27 00:46:45", True),
        ("isDate", "0000-00-00 00:00:00", False),
        ("isDateFormat", "0000-00-00 00:00:00", True),
        ("isReductionType", "amount", True),
        ("isReductionType", "fixed", False),
        ("isDniLite", "12345678Z", True),
        ("isDniLite", "12345678 Z", False),
        ("isCleanHtml", "Merci !", True),
        ("isCleanHtml", "<script>alert(1)</script>", False),
        ("isMd5", "67c29fcd55a4c4f1479dba6fe6e547e0", True),
        ("isTrackingNumber", "1Z999AA10123456784", True),
        ("isTrackingNumber", "1Z<9", False),
        ("IsGenericName", "spelt like the recorded products schema", True),
    ],
)
def test_formats(validator, value, ok):
    assert is_valid(validator, value) is ok


def test_every_validator_named_by_the_recorded_schemas_is_implemented():
    formats = {f.format for spec in resource_specs().values() for f in spec.fields if f.format}
    assert len(formats) > 40
    assert unknown_formats(formats) == set()
    assert unknown_formats({"isMadeUp"}) == {"isMadeUp"}


def test_the_schemas_are_loaded_from_the_recordings():
    specs = resource_specs()
    order = specs["orders"].by_name
    assert order["total_paid"].required and order["total_paid"].format == "isPrice"
    assert not order["current_state"].required
    assert specs["addresses"].by_name["address1"].max_size == 128
    assert specs["customers"].by_name["secure_key"].read_only
    assert specs["orders"].by_name["shipping_number"].not_filterable
    assert [a.name for a in specs["orders"].associations] == ["order_rows"]
    assert specs["order_histories"].class_name == "OrderHistory"
