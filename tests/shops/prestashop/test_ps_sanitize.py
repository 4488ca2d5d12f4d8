"""The validators and sanitisers: every cleaned value passes PrestaShop's rule, nothing is silently lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amzorders.shops.prestashop.validators import sanitize as s


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Jean-Pierre D.", True),
        ("Zoë Müller-Łukasz", True),
        ("O'Neil", True),
        ("Dupont2", False),
        ("Business (FR)", False),
        ("J.Dupont", False),
        ("   ", False),
    ],
)
def test_is_customer_name_matches_the_recorded_shop(name, valid):
    assert s.is_customer_name(name) is valid


@pytest.mark.parametrize(
    ("raw", "first", "last"),
    [
        ("Jean Dupont2", "Jean", "Dupont"),
        ("Business (FR)", "Business", "FR"),
        ("J.Dupont", "J.", "Dupont"),
        ("Dupont", "-", "Dupont"),
        ("12345", "Amazon", "Customer"),
        (None, "Amazon", "Customer"),
        ("Anne-Marie de la Tour", "Anne-Marie de la", "Tour"),
        ("李 小龙", "李", "小龙"),
    ],
)
def test_split_name_gives_names_prestashop_accepts(raw, first, last):
    assert s.split_name(raw) == (first, last)
    assert s.is_customer_name(first) and s.is_customer_name(last)
    assert s.is_name(first) and s.is_name(last)


@given(st.text(max_size=300))
def test_any_text_becomes_a_valid_customer_and_address_name(text):
    first, last = s.split_name(text)
    for part in (first, last):
        assert s.is_customer_name(part), part
        assert s.is_name(part), part


def test_long_address_is_split_on_words_and_the_rest_kept_in_other():
    line1 = " ".join(["Résidence des Grands Chênes bâtiment"] * 8)  # ~300 characters
    address1, address2, other = s.clean_address_lines(line1, "Appartement 12", None)
    assert len(address1) <= 128 and len(address2) <= 128
    assert s.is_address(address1) and s.is_address(address2)
    rebuilt = " ".join(x for x in (address1, address2, other) if x)
    assert rebuilt == line1 + " Appartement 12"


def test_address_drops_only_forbidden_characters():
    address1, address2, other = s.clean_address_lines("12 rue <du> 8 mai 1945 (2e étage) {x} c/o @home", None)
    assert address1 == "12 rue du 8 mai 1945 (2e étage) x c/o home"
    assert (address2, other) == (None, None)


@given(st.lists(st.text(max_size=200), max_size=3))
def test_address_lines_always_valid(lines):
    address1, address2, _ = s.clean_address_lines(*lines)
    assert s.is_address(address1) and address1
    assert address2 is None or s.is_address(address2)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("+1 (555) 010-9999 ext. 5", "+1 (555) 010-9999"),
        ("06.12.34.56.78", "06.12.34.56.78"),
        ("call me", None),
        (None, None),
    ],
)
def test_phone(raw, clean):
    assert s.clean_phone(raw) == clean
    assert clean is None or s.is_phone_number(clean)


def test_postcode_and_city():
    assert s.clean_postcode("75 002") == "75 002"
    assert s.clean_postcode("SW1A_1AA!") == "SW1A 1AA"
    assert s.clean_postcode("") is None
    assert s.is_postcode(s.clean_postcode("ABCDEFGHIJKLMNOP"))
    city, overflow = s.clean_city("Saint-Rémy-de-Provence" * 4)
    assert len(city) <= 64 and s.is_city_name(city) and overflow == "Saint-Rémy-de-Provence" * 4
    assert s.clean_city("Paris") == ("Paris", None)


def test_dni_placeholder_and_email():
    assert s.is_dni_lite("00000000T")
    assert s.clean_email("abc+x@marketplace.amazon.fr") == "abc+x@marketplace.amazon.fr"
    assert s.clean_email("not an email") is None
