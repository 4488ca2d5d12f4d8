"""PrestaShop 8.2 field validators (`Validate::isXxx`), re-implemented from the recorded behaviour.

The synopsis schemas name a validator per field (`format="isCustomerName"`); the fake looks the name up
here. The character classes come from the notes (shared/notes/prestashop-webservice.md §2.1) and the
observed accept/reject tables; nothing is copied from PrestaShop. An unknown validator name is an error
at start-up (see `unknown_formats`), never a silent pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

Validator = Callable[[str], bool]


def _regex(pattern: str, flags: int = 0) -> Validator:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


def _not_containing(chars: str, *, digits: bool = False) -> Validator:
    forbidden = set(chars)
    return lambda value: not any(c in forbidden or (digits and c.isdigit()) for c in value)


_UNSIGNED = re.compile(r"0|[1-9][0-9]*")
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_DATE = re.compile(r"([0-9]{4})-(0?[0-9]|1[0-2])-(0?[0-9]|[1-2][0-9]|3[01])( [0-9]{2}:[0-9]{2}:[0-9]{2})?")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_UNSAFE_HTML = re.compile(
    r"<\s*(script|iframe|form|embed|object)\b|\bon\w+\s*=|javascript\s*:", re.IGNORECASE
)


def is_unsigned_int(value: str) -> bool:
    return _UNSIGNED.fullmatch(value) is not None and int(value) < 4294967296


def is_int(value: str) -> bool:
    return _INT.fullmatch(value) is not None


def is_float(value: str) -> bool:
    return _FLOAT.fullmatch(value) is not None


def is_unsigned_float(value: str) -> bool:
    return is_float(value) and not value.startswith("-") and float(value) >= 0


def is_date(value: str) -> bool:
    """A real calendar date (so `0000-00-00` is refused), with an optional `HH:MM:SS`."""
    match = _DATE.fullmatch(value)
    if not match:
        return False
    try:
        date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


def is_birth_date(value: str) -> bool:
    return value in ("", "0000-00-00") or (is_date(value) and value[:10] <= date.today().isoformat())


def is_customer_name(value: str) -> bool:
    """No digits, none of the forbidden signs, and a dot only before a space or at the end."""
    if not _not_containing('!<>,;?=+()/\\@#"°*`{}_^$%:¤[]|', digits=True)(value):
        return False
    return all(i == len(value) - 1 or value[i + 1] == " " for i, c in enumerate(value) if c == ".")


def is_email(value: str) -> bool:
    if value.count("@") != 1 or len(value) > 255:
        return False
    local, domain = value.split("@")
    return _EMAIL_LOCAL.fullmatch(local) is not None and _EMAIL_DOMAIN.fullmatch(domain) is not None


def is_clean_html(value: str) -> bool:
    return _UNSAFE_HTML.search(value) is None


VALIDATORS: dict[str, Validator] = {
    "isunsignedid": is_unsigned_int,
    "isnullorunsignedid": is_unsigned_int,
    "isunsignedint": is_unsigned_int,
    "ispositiveint": lambda v: is_unsigned_int(v) and int(v) > 0,
    "isint": is_int,
    "isfloat": is_float,
    "isunsignedfloat": is_unsigned_float,
    "isbool": lambda v: v in ("0", "1"),
    "isprice": _regex(r"[0-9]{1,10}(\.[0-9]{1,9})?"),
    "isnegativeprice": _regex(r"-?[0-9]{1,10}(\.[0-9]{1,9})?"),
    "isname": _not_containing('!<>,;?=+()@#"°{}_$%:¤|', digits=True),
    "iscustomername": is_customer_name,
    "isaddress": _not_containing("!<>?=+@{}_$%"),
    "iscityname": _not_containing('!<>;?=+@#"°{}_$%'),
    "isgenericname": _not_containing("<>={}"),
    "iscatalogname": _not_containing("<>;=#{}"),
    "iscarriername": _not_containing("<>;=#{}"),
    "isreference": _not_containing("<>;={}"),
    "ismessage": _not_containing("<>{}"),
    "isemail": is_email,
    "isphonenumber": _regex(r"[+0-9. ()/-]*"),
    "ispostcode": _regex(r"[a-zA-Z 0-9-]*"),
    "isdnilite": _regex(r"[0-9A-Za-z.-]{0,16}"),
    "ismodulename": _regex(r"[a-zA-Z0-9_-]+"),
    "istplname": _regex(r"[a-zA-Z0-9_-]+"),
    "isconfigname": _regex(r"[a-zA-Z_0-9-]+"),
    "islanguageisocode": _regex(r"[a-zA-Z]{2,3}"),
    "isnumericisocode": _regex(r"[0-9]{2,3}"),
    "isstateisocode": _regex(r"[a-zA-Z0-9]{1,4}(-[a-zA-Z0-9]{1,4})?"),
    "iszipcodeformat": _regex(r"[NLCnlc 0-9-]+"),
    "ismd5": _regex(r"[a-fA-F0-9]{32}"),
    "issha1": _regex(r"[a-fA-F0-9]{40}"),
    "isape": _regex(r"[0-9]{3,4}[a-zA-Z]"),
    "iscolor": _regex(r"#[0-9a-fA-F]{6}|[a-zA-Z0-9-]*"),
    "isean13": _regex(r"[0-9]{0,13}"),
    "isupc": _regex(r"[0-9]{0,12}"),
    "isisbn": _regex(r"[0-9-]{0,32}"),
    "ismpn": lambda v: len(v) <= 40,
    "isurl": _regex(r"[~:#,%&_=()\.\? +\-@/a-zA-Z0-9\[\]]+"),
    "isabsoluteurl": _regex(r"https?://[!,:#%&_=()\.\? +\-@/a-zA-Z0-9\[\]]+"),
    "islinkrewrite": _regex(r"[\w-]+"),
    "istrackingnumber": _regex(r"[~:#,%&_=()\[\]\.\? +\-@/a-zA-Z0-9]+"),
    "isreductiontype": lambda v: v in ("amount", "percentage"),
    "ispricedisplaymethod": lambda v: v in ("0", "1"),
    "isproductvisibility": lambda v: v in ("both", "catalog", "search", "none"),
    "isip2long": _regex(r"-?[0-9]+"),
    "isdate": is_date,
    "isdateornull": lambda v: v in ("", "0000-00-00 00:00:00") or is_date(v),
    "isbirthdate": is_birth_date,
    "isdateformat": lambda v: _DATE.fullmatch(v) is not None,
    "iscleanhtml": is_clean_html,
    "isstring": lambda v: True,
    # The webservice hashes the password before validating it: plain text is accepted (notes §1.1).
    "ishashedpassword": lambda v: 0 < len(v) <= 255,
}


def validator(name: str) -> Validator:
    """The validator called `name` (case-insensitive: one recorded schema spells `IsGenericName`)."""
    return VALIDATORS[name.lower()]


def is_valid(name: str, value: str) -> bool:
    return validator(name)(value)


def unknown_formats(names: Iterable[str]) -> set[str]:
    return {name for name in names if name.lower() not in VALIDATORS}
