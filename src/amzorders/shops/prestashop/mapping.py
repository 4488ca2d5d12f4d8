"""How Amazon orders map onto one PrestaShop: the configuration a merchant writes (TOML -> pydantic).

References to shop objects may be ids or names (`carrier = "Amazon"`, `language = "fr"`,
`currency = "EUR"`, `states.merchant = "Payment accepted"`): ids differ between shops, names are what a
merchant sees. `validate_against_shop` (module `catalog`) resolves them once at start-up and fails with
the mapping key when one does not exist, so a typo is a start-up error, not a failure on the first order.

Every option can be set for all accounts at the top level and overridden per account
(`[prestashop.accounts.<name>]`); marketplaces map per account or globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from amzorders.shops.port import OrderDraft, ShopOrderStatus

Ref = int | str  # an id, or a name / ISO code resolved against the shop at start-up

CustomerStrategy = Literal["per_buyer_email", "global"]
ProductMatch = Literal["product_reference", "combination_reference", "any"]


class MappingError(ValueError):
    """A mapping that cannot work with this shop; `key` is the configuration key to fix."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"prestashop mapping {key}: {problem}")
        self.key = key
        self.problem = problem


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MarketplaceMapping(_Model):
    """An Amazon marketplace id -> the shop, language and currency its orders land in."""

    id_shop: int = 1
    id_shop_group: int = 1
    language: Ref = 1
    currency: Ref | None = None  # None: the order's own currency, looked up by ISO code
    country: str | None = None  # ISO code used when Amazon withholds the delivery address (some FBA orders)


class StateMapping(_Model):
    """Shop order state per lifecycle step; prime/business fall back to merchant when unset.

    A state is an id, a name (any language) or a `PS_OS_*` configuration key, resolved per shop. The
    default for imported merchant orders is the state PrestaShop gives webservice orders anyway
    ("Remote payment accepted": paid, invoiced, not shipped), which spares one call per order; dedicated
    "Amazon" states with e-mails off are better on a real shop (one more call per order).
    """

    merchant: Ref = "PS_OS_WS_PAYMENT"
    prime: Ref | None = None
    business: Ref | None = None
    fba: Ref = "PS_OS_SHIPPING"  # every order fulfilled by Amazon: Amazon ships it, the merchant must not
    partially_shipped: Ref | None = None  # None: leave the order in its imported state
    shipped: Ref = "PS_OS_SHIPPING"
    cancelled: Ref = "PS_OS_CANCELED"


class ChannelOptions(_Model):
    """Options that may differ per account; None means "use the top-level value"."""

    carriers: dict[str, Ref] | None = None  # Amazon service level (STANDARD, NEXT_DAY...) -> carrier
    default_carrier: Ref | None = None
    states: StateMapping | None = None
    payment_module: str | None = None
    payment_label: str | None = None
    customer_strategy: CustomerStrategy | None = None
    global_customer_email: str | None = None
    product_match: ProductMatch | None = None
    fba_decrement_stock: bool | None = None


class AccountMapping(ChannelOptions):
    marketplaces: dict[str, MarketplaceMapping] = Field(default_factory=dict)


class PrestaShopMapping(_Model):
    """The whole PrestaShop side of the configuration."""

    shop_name: str = "prestashop"
    marketplaces: dict[str, MarketplaceMapping] = Field(default_factory=dict)
    carriers: dict[str, Ref] = Field(default_factory=dict)
    default_carrier: Ref = "Amazon"
    states: StateMapping = Field(default_factory=StateMapping)
    payment_module: str = "ps_wirepayment"
    payment_label: str = "Amazon"
    customer_strategy: CustomerStrategy = "per_buyer_email"
    global_customer_email: str = "amazon-orders@example.com"
    product_match: ProductMatch = "any"
    fba_decrement_stock: bool = False
    # Shipping is a cart line on this product, priced by a cart-specific price (see adapter docstring).
    shipping_product: str = "AMAZON-SHIPPING"
    customer_group: int = 3
    dni_placeholder: str = "00000000T"
    phone_placeholder: str = "0000000000"
    check_payment_module: bool = True
    # Also write the Amazon order id as the payment's transaction id (visible on the order page; +2 calls).
    payment_transaction_id: bool = False
    # Tax rate (percent) per id_tax_rules_group and country ISO code, for shops whose webservice key
    # cannot read tax_rules/taxes: {"1": {"FR": "20"}}. Read from the shop when possible.
    tax_rates: dict[int, dict[str, Decimal]] = Field(default_factory=dict)
    accounts: dict[str, AccountMapping] = Field(default_factory=dict)

    @field_validator("payment_module")
    @classmethod
    def _module_name(cls, value: str) -> str:
        if not value or not all(ch.isalnum() or ch in "_-" for ch in value):
            raise ValueError(f"{value!r} is not a PrestaShop module name (letters, digits, _ and - only)")
        return value

    def channel(self, account: str, marketplace_id: str) -> Channel:
        """The effective options for one account and marketplace; MappingError when unmapped."""
        acc = self.accounts.get(account) or AccountMapping()
        market = acc.marketplaces.get(marketplace_id) or self.marketplaces.get(marketplace_id)
        if market is None:
            key = (
                f"accounts.{account}.marketplaces.{marketplace_id}"
                if self.accounts
                else (f"marketplaces.{marketplace_id}")
            )
            raise MappingError(key, "no mapping for this marketplace: add its id_shop, language and currency")

        def pick(name: str):
            value = getattr(acc, name)
            return getattr(self, name) if value is None else value

        prefix = f"accounts.{account}." if account in self.accounts else ""
        return Channel(
            account=account,
            marketplace_id=marketplace_id,
            market=market,
            carriers=pick("carriers"),
            default_carrier=pick("default_carrier"),
            states=pick("states"),
            payment_module=pick("payment_module"),
            payment_label=pick("payment_label"),
            customer_strategy=pick("customer_strategy"),
            global_customer_email=pick("global_customer_email"),
            product_match=pick("product_match"),
            fba_decrement_stock=pick("fba_decrement_stock"),
            key_prefix=prefix,
        )

    def channels(self) -> list[Channel]:
        """Every configured (account, marketplace) pair; `*` stands for "any account"."""
        pairs = [(name, mp) for name, acc in self.accounts.items() for mp in acc.marketplaces]
        pairs += [(name, mp) for name in self.accounts for mp in self.marketplaces if (name, mp) not in pairs]
        if not self.accounts:
            pairs += [("*", mp) for mp in self.marketplaces]
        return [self.channel(account, mp) for account, mp in pairs]


@dataclass(frozen=True, slots=True)
class Channel:
    """The mapping in force for one account and marketplace (still names and ids, not yet resolved)."""

    account: str
    marketplace_id: str
    market: MarketplaceMapping
    carriers: dict[str, Ref]
    default_carrier: Ref
    states: StateMapping
    payment_module: str
    payment_label: str
    customer_strategy: CustomerStrategy
    global_customer_email: str
    product_match: ProductMatch
    fba_decrement_stock: bool
    key_prefix: str = ""

    def carrier_for(self, service_level: str | None) -> tuple[str, Ref]:
        """(mapping key, carrier ref) for a service level; the default carrier when unmapped."""
        if service_level and service_level in self.carriers:
            return f"{self.key_prefix}carriers.{service_level}", self.carriers[service_level]
        return f"{self.key_prefix}default_carrier", self.default_carrier

    def import_state(self, draft: OrderDraft) -> tuple[str, Ref]:
        """(mapping key, state ref) an order is created in."""
        states = self.states
        key = f"{self.key_prefix}states."
        if draft.fulfilled_by == "AMAZON":
            return key + "fba", states.fba
        if draft.status == ShopOrderStatus.SHIPPED:
            return key + "shipped", states.shipped
        if draft.is_business and states.business is not None:
            return key + "business", states.business
        if draft.is_prime and states.prime is not None:
            return key + "prime", states.prime
        return key + "merchant", states.merchant
