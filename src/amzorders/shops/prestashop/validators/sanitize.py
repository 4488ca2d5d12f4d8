"""PrestaShop's field validators, and the sanitisers that make Amazon data pass them.

The rules are facts recorded on PrestaShop 8.2.1 (`shared/notes/prestashop-webservice.md` §2.1 and the
`format`/`maxSize` of the synopses): a customer name with a digit, a bracket or a `.` glued to the next
letter is refused ("Dupont2", "Business (FR)", "J.Dupont"), an address line over 128 characters is refused,
a phone with letters is refused, a country that needs an identification number refuses an address without
`dni`. Amazon sends all of these. Rather than losing the order we clean the value the way a merchant would
(drop digits and forbidden characters, split long lines) and keep what had to be cut in the address's free
`other` field, so nothing the buyer wrote is lost.
"""

from __future__ import annotations

import re
import unicodedata

# -- validators (the regular expressions PrestaShop applies) -----------------------------------------
_CUSTOMER_FORBIDDEN = set('0123456789!<>,;?=+()/\\@#"°*`{}_^$%:¤[]|')
_NAME_FORBIDDEN = set('0123456789!<>,;?=+()@#"°{}_$%:¤|')
_ADDRESS_FORBIDDEN = set("!<>?=+@{}_$%")
_CITY_FORBIDDEN = set('!<>;?=+@#"°{}_$%')
_GENERIC_FORBIDDEN = set("<>={}")
_MESSAGE_FORBIDDEN = set("<>{}")
_POSTCODE = re.compile(r"^[a-zA-Z 0-9-]+$")
_PHONE = re.compile(r"^[+0-9. ()/-]*$")
_DNI = re.compile(r"^[0-9A-Za-z.-]{1,16}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_DOT_GLUED = re.compile(r"[.。](?=\S)")

ADDRESS_MAX = 128
CITY_MAX = 64
NAME_MAX = 255
POSTCODE_MAX = 12
PHONE_MAX = 32
ALIAS_MAX = 32


def is_customer_name(value: str) -> bool:
    """isCustomerName: not blank, no digit nor `!<>,;?=+()/\\@#"°*`{}_^$%:¤[]|`, a `.` ends or is spaced."""
    return (
        bool(value.strip())
        and not (_CUSTOMER_FORBIDDEN & set(value))
        and not _DOT_GLUED.search(value)
        and len(value) <= NAME_MAX
    )


def is_name(value: str) -> bool:
    """isName (addresses): no digit nor `!<>,;?=+()@#"°{}_$%:¤|`."""
    return bool(value.strip()) and not (_NAME_FORBIDDEN & set(value)) and len(value) <= NAME_MAX


def is_address(value: str) -> bool:
    return not (_ADDRESS_FORBIDDEN & set(value)) and len(value) <= ADDRESS_MAX


def is_city_name(value: str) -> bool:
    return bool(value.strip()) and not (_CITY_FORBIDDEN & set(value)) and len(value) <= CITY_MAX


def is_postcode(value: str) -> bool:
    return bool(_POSTCODE.match(value)) and len(value) <= POSTCODE_MAX


def is_phone_number(value: str) -> bool:
    return bool(_PHONE.match(value)) and len(value) <= PHONE_MAX


def is_dni_lite(value: str) -> bool:
    return bool(_DNI.match(value))


def is_generic_name(value: str) -> bool:
    return not (_GENERIC_FORBIDDEN & set(value))


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= NAME_MAX


# -- sanitisers ---------------------------------------------------------------------------------------
def _spaces(value: str) -> str:
    return " ".join(value.split())


def _drop(value: str, forbidden: set[str]) -> str:
    return _spaces("".join(" " if ch in forbidden else ch for ch in unicodedata.normalize("NFC", value)))


def clean_name_part(value: str | None) -> str:
    """One name valid for isCustomerName and isName ("J.Dupont" -> "J. Dupont", "Dupont2" -> "Dupont")."""
    text = _drop(value or "", _CUSTOMER_FORBIDDEN | _NAME_FORBIDDEN)
    text = _DOT_GLUED.sub(lambda m: m.group(0) + " ", text)
    text = _spaces(text).lstrip(" .-'").rstrip(" -'")
    if len(text) > NAME_MAX:
        text = text[:NAME_MAX].rstrip(" -'")
    return text


def split_name(
    full_name: str | None, *, fallback: tuple[str, str] = ("Amazon", "Customer")
) -> tuple[str, str]:
    """(firstname, lastname) that PrestaShop accepts; the last word is the last name.

    A single word becomes the last name with `-` as first name, and an empty or all-invalid name becomes
    `fallback`, so an order never fails on the buyer's name.
    """
    words = clean_name_part(full_name).split()
    if not words:
        return fallback
    if len(words) == 1:
        return "-", words[0]
    first = clean_name_part(" ".join(words[:-1])) or "-"
    return first, clean_name_part(words[-1]) or fallback[1]


def clean_address_lines(*lines: str | None, limit: int = ADDRESS_MAX) -> tuple[str, str | None, str | None]:
    """(address1, address2, other): forbidden characters dropped, lines over `limit` split on a word.

    address1 is the start of the first line; the rest of it and the other lines flow into address2, and
    what does not fit there goes to `other` (a free text field), never lost.
    """
    cleaned = [_drop(line, _ADDRESS_FORBIDDEN) for line in lines if line]
    cleaned = [line for line in cleaned if line]
    if not cleaned:
        return "-", None, None
    first = _wrap(cleaned[0].split(), limit)
    rest = _wrap(" ".join([*first[1:], *cleaned[1:]]).split(), limit)
    address2 = rest[0] if rest else None
    other = " ".join(rest[1:]) or None
    return first[0], address2, other


def _wrap(words: list[str], limit: int) -> list[str]:
    """Lines of at most `limit` characters, broken between words (a longer word is cut)."""
    lines: list[str] = []
    line = ""
    for word in words:
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def clean_city(value: str | None) -> tuple[str, str | None]:
    """(city, overflow): at most 64 valid characters; the full name is returned as overflow when cut."""
    text = _drop(value or "", _CITY_FORBIDDEN)
    if not text:
        return "-", None
    if len(text) <= CITY_MAX:
        return text, None
    return text[:CITY_MAX].rstrip(), text


def clean_postcode(value: str | None) -> str | None:
    text = _spaces(re.sub(r"[^a-zA-Z 0-9-]", " ", value or ""))
    return text[:POSTCODE_MAX].strip() or None


def clean_phone(value: str | None) -> str | None:
    """Digits and `+. ()/-` only; an extension ("ext. 5", "x5") is dropped, at most 32 characters."""
    text = re.split(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d*\s*$", value or "")[0]
    text = _spaces(re.sub(r"[^+0-9. ()/-]", " ", text)).strip(" ./-")
    if not any(ch.isdigit() for ch in text):
        return None
    return text[:PHONE_MAX].strip()


def clean_generic(value: str | None, limit: int = NAME_MAX) -> str | None:
    text = _drop(value or "", _GENERIC_FORBIDDEN)[:limit].strip()
    return text or None


def clean_message(value: str | None) -> str | None:
    text = _drop(value or "", _MESSAGE_FORBIDDEN)
    return text or None


def clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    return text if text and is_email(text) else None
