"""PrestaShop webservice failures, turned into the port's errors with a readable reason.

The webservice answers errors in four shapes (recorded in `shared/prestashop-ws/captures/`): an XML or
JSON list of `{code, message}` (400 validation 85, required 41, 500 duplicate e-mail 140 + 46, 401 bad
key 20/21), a plain-text PHP `die()` (500 duplicate cart), an empty body (500 PHP fatal, e.g. a payment
module that is not installed; 404 unknown id). The client never assumes XML, and every error says which
resource, which field and which validator when PrestaShop tells us.

Mapping onto the port: 5xx and transport failures are `ShopUnavailable` (retry later); a 400 on data we
derived from the order is `OrderRejected` (parked with the field named); 401 is a configuration problem
reported as unavailable so that orders wait for the operator instead of being parked one by one.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from amzorders.shops.port import OrderRejected, ShopError, ShopUnavailable

# The validators PrestaShop 8.2.1 applies to the fields the adapter writes (from the recorded synopses).
FIELD_VALIDATORS: dict[tuple[str, str], str] = {
    ("customer", "lastname"): "isCustomerName",
    ("customer", "firstname"): "isCustomerName",
    ("customer", "email"): "isEmail",
    ("customer", "passwd"): "isHashedPassword",
    ("address", "lastname"): "isName",
    ("address", "firstname"): "isName",
    ("address", "address1"): "isAddress",
    ("address", "address2"): "isAddress",
    ("address", "postcode"): "isPostCode",
    ("address", "city"): "isCityName",
    ("address", "phone"): "isPhoneNumber",
    ("address", "phone_mobile"): "isPhoneNumber",
    ("address", "dni"): "isDniLite",
    ("address", "alias"): "isGenericName",
    ("address", "company"): "isGenericName",
    ("address", "other"): "isMessage",
    ("order", "total_paid"): "isPrice",
    ("order", "total_paid_real"): "isPrice",
    ("order", "module"): "isModuleName",
    ("order", "payment"): "isGenericName",
    ("specific_price", "price"): "isNegativePrice",
    ("cart", "gift_message"): "isCleanHtml",
}

CODE_REQUIRED = 41
CODE_VALIDATION = 85
CODE_EMAIL_USED = 140
CODES_BAD_KEY = (20, 21)
CODES_BAD_REQUEST = (27, 29, 30, 32)  # unknown resource, bad filter, bad display, bad linked table

_PROPERTY = re.compile(r"Property (?P<entity>\w+)->(?P<field>\w+) (?P<problem>[^\"]*)")
_REQUIRED = re.compile(r'parameter "(?P<field>\w+)" required')


@dataclass(frozen=True, slots=True)
class WebserviceFault:
    """What one failed webservice call told us, normalised from whichever body shape it used."""

    method: str
    resource: str
    status: int
    codes: tuple[int, ...] = ()
    messages: tuple[str, ...] = ()
    text: str = ""  # the raw body when it was not an error list (plain text, HTML, empty)

    @property
    def field(self) -> str | None:
        for message in self.messages:
            match = _PROPERTY.search(message) or _REQUIRED.search(message)
            if match:
                return match.group("field")
        return None

    @property
    def entity(self) -> str:
        for message in self.messages:
            match = _PROPERTY.search(message)
            if match:
                return match.group("entity").lower()
        return _singular(self.resource)

    @property
    def validator(self) -> str | None:
        field = self.field
        return FIELD_VALIDATORS.get((self.entity, field)) if field else None

    @property
    def module_inactive(self) -> bool:
        """`POST orders` naming a payment module disabled for the shop of the call (text/html 500)."""
        return self.status == 500 and not self.codes and "Payment module is not active" in self.text

    def describe(self) -> str:
        """One line: `POST customers -> HTTP 400 [85] customer.lastname (isCustomerName): ...`."""
        head = f"{self.method} {self.resource} -> HTTP {self.status}"
        if self.codes:
            head += " [" + ",".join(str(c) for c in self.codes) + "]"
        field = self.field
        if field:
            head += f" {self.entity}.{field}"
            if self.validator:
                head += f" ({self.validator})"
        detail = "; ".join(m.strip() for m in self.messages) if self.messages else self.text.strip()[:200]
        return f"{head}: {detail}" if detail else f"{head} with an empty body"


def parse_fault(method: str, resource: str, status: int, content_type: str, body: bytes) -> WebserviceFault:
    """Read the error list whatever its shape; keep the raw text when there is none."""
    text = body.decode("utf-8", errors="replace")
    codes: list[int] = []
    messages: list[str] = []
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            for error in json.loads(stripped).get("errors", []):
                codes.append(int(error.get("code", 0)))
                messages.append(str(error.get("message", "")))
        except (ValueError, AttributeError, TypeError):
            pass
    elif stripped.startswith("<"):
        try:
            root = ElementTree.fromstring(stripped)
            for error in root.iter("error"):
                code = (error.findtext("code") or "0").strip()
                codes.append(int(code) if code.isdigit() else 0)
                # PrestaShop escapes inside CDATA ("Customer-&gt;lastname"): unescape once.
                messages.append(html.unescape((error.findtext("message") or "").strip()))
        except ElementTree.ParseError:
            pass
    return WebserviceFault(method, resource, status, tuple(codes), tuple(messages), "" if codes else text)


class PrestaShopError(ShopError):
    """Base of the adapter's errors; carries the webservice fault when there is one."""

    def __init__(self, message: str, fault: WebserviceFault | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.fault = fault


class PrestaShopUnavailable(PrestaShopError, ShopUnavailable):
    """Transport failure or 5xx: retry later."""


class PrestaShopAuthError(PrestaShopUnavailable):
    """401: the key is wrong, inactive or lacks a permission; orders wait until the operator fixes it."""


class PrestaShopRejected(PrestaShopError, OrderRejected):
    """400 on order data: parked with the field and validator named."""

    @property
    def field(self) -> str | None:
        return self.fault.field if self.fault else None


class PrestaShopUsageError(PrestaShopError):
    """400 on the request itself (unknown resource, bad filter): a bug or a shop without that resource."""

    retryable = False


class ResourceNotFound(PrestaShopError):
    """404: no such id."""

    retryable = False


class EmailAlreadyUsed(PrestaShopError):
    """500 codes 140 + 46: a customer with this e-mail exists (e-mails are unique)."""

    retryable = False


class CartAlreadyOrdered(PrestaShopError):
    """500 plain text: an order has already been placed with this cart (one cart, one order)."""

    retryable = False


def error_for(fault: WebserviceFault) -> PrestaShopError:
    """The port error matching a fault."""
    reason = f"PrestaShop webservice: {fault.describe()}"
    if fault.status == 401:
        return PrestaShopAuthError(
            f"{reason}. Check PRESTASHOP_KEY, that the key is active and allowed on {fault.resource}.", fault
        )
    if fault.status == 404:
        return ResourceNotFound(reason, fault)
    if CODE_EMAIL_USED in fault.codes:
        return EmailAlreadyUsed(reason, fault)
    if fault.status == 500 and "order has already been placed" in fault.text:
        return CartAlreadyOrdered(reason, fault)
    if fault.status >= 500 or fault.status == 429:
        if fault.status == 500 and not fault.text.strip() and not fault.codes and fault.resource == "orders":
            reason += (
                " (a PHP fatal: is the payment module installed and a PaymentModule, the delivery country"
                " active? The shop's PHP error log names the cause)"
            )
        return PrestaShopUnavailable(reason, fault)
    if fault.status == 400 and (CODE_VALIDATION in fault.codes or CODE_REQUIRED in fault.codes):
        return PrestaShopRejected(reason, fault)
    if fault.status == 400 and any(code in CODES_BAD_REQUEST for code in fault.codes):
        return PrestaShopUsageError(reason, fault)
    if 400 <= fault.status < 500:
        return PrestaShopRejected(reason, fault)
    return PrestaShopUnavailable(reason, fault)


def _singular(resource: str) -> str:
    if resource.endswith("ies"):
        return resource[:-3] + "y"
    if resource.endswith("sses"):
        return resource[:-2]
    return resource[:-1] if resource.endswith("s") else resource


def module_inactive(order_id: str, module: str, id_shop: int) -> PrestaShopError:
    """A payment module disabled for the order's shop (`POST orders` answered `fault.module_inactive`) is
    that shop's setting, not the shop down: the order is retried later while the other shops' orders go
    on (a `ShopUnavailable` stops the push's batch)."""
    return PrestaShopError(
        f"order {order_id}: payment module {module!r} is not active in shop {id_shop}: enable it there "
        "(Modules > Module Manager); the order is retried"
    )


def move_refused(reference: str, state_label: str, status: str, *, cancelled: bool) -> ShopError:
    """A status move the adapter never makes: out of a cancelled order (final, as in the built-in store),
    or from "Payment error" to a paid state (a second payment line, PrestaShop #20025)."""
    if cancelled:
        message = f"PrestaShop order {reference} is cancelled ({state_label}) and cannot become {status}"
        return ShopError(message, retryable=False)
    return OrderRejected(
        f"PrestaShop order {reference} is in {state_label}: fix its totals by hand before it can move to "
        f"{status}"
    )
