"""Start-up validation of the mapping against the shop, and what it resolves (ids, rules, countries).

`validate_against_shop(mapping, client)` reads the shop once (languages, currencies, order states,
carriers, countries, configuration, the shipping product) and turns every name of the mapping into an id;
configuration values are resolved in each mapped shop (module `configuration`).
Anything that cannot work raises `MappingError` naming the mapping key: an unknown or deleted state, an
unknown, inactive or non-free carrier (its cost would break Amazon's total), an unknown language or
currency, a payment module that is not installed, not active or not a payment module.

PrestaShop's webservice has no `modules` resource, so the payment module is checked the way PrestaShop
itself would use it: a `POST /api/orders` naming the module on a cart that cannot be ordered (an id far
beyond any real cart). PrestaShop instantiates the module first (an unknown or non-payment module is a PHP
fatal: HTTP 500 with an empty body; one disabled for the shop dies with the text/html "Error processing
order. Payment module is not active.", checked on a live 8.2.1), then refuses the cart with
"Cart cannot be loaded or an order has already been placed using this cart". Only that last answer means
the module is usable; nothing is created either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from amzorders.money import minor_units
from amzorders.shops.prestashop.client import PrestaShopClient, filter_value
from amzorders.shops.prestashop.configuration import ADAPTER_KEYS, FIELDS, ShopConfig, shop_config
from amzorders.shops.prestashop.errors import CartAlreadyOrdered, PrestaShopError, PrestaShopUnavailable
from amzorders.shops.prestashop.mapping import Channel, MappingError, PrestaShopMapping, Ref
from amzorders.shops.prestashop.multishop import check_shops
from amzorders.shops.prestashop.payloads import order_fields

log = logging.getLogger(__name__)

PROBE_CART_ID = 4294967295  # the largest isUnsignedId: no shop has this cart
COUNTRY_FIELDS = ["id", "iso_code", "need_identification_number", "active"]
STATE_STEPS = ("merchant", "prime", "business", "fba", "partially_shipped", "shipped", "cancelled")


@dataclass(frozen=True, slots=True)
class Country:
    id: int
    iso_code: str
    needs_dni: bool
    active: bool = True  # PrestaShop refuses orders delivered to an inactive country (PHP fatal, 500)


@dataclass(frozen=True, slots=True)
class ResolvedChannel:
    """A channel whose references are shop ids."""

    channel: Channel
    id_shop: int
    id_shop_group: int
    id_lang: int
    id_currency: int | None  # None: the order's currency, looked up by ISO code
    carriers: dict[str, int]
    default_carrier: int
    states: dict[str, int]  # step -> id_order_state (partially_shipped may be absent)
    config: ShopConfig  # as the channel's shop reads it

    def carrier_for(self, service_level: str | None) -> int:
        if service_level and service_level in self.carriers:
            return self.carriers[service_level]
        return self.default_carrier


@dataclass
class ShopCatalog:
    """What the shop told us at start-up."""

    mapping: PrestaShopMapping
    state_names: dict[int, str]
    currencies: dict[str, tuple[int, int]]  # ISO -> (id, precision)
    countries: dict[str, Country]
    shipping_product_id: int | None
    shipping_tax_group: int
    channels: dict[tuple[str, str], ResolvedChannel] = field(default_factory=dict)
    # Mapped shops other than 1: the currencies associated with each (`multishop.check_shops`).
    shop_currencies: dict[int, set[int]] = field(default_factory=dict)
    _shop: _ShopTables | None = None
    _client: PrestaShopClient | None = None

    def country(self, iso: str) -> Country | None:
        """The country by ISO code; one known inactive is read again (the merchant may have activated it)."""
        known = self.countries.get(iso.upper())
        if known is not None and not known.active and self._client is not None:
            rows = self._client.list(
                "countries", fields=COUNTRY_FIELDS, filters={"id": filter_value(known.id)}
            )
            if rows:
                known = self.countries[known.iso_code] = _country(rows[0])
        return known

    def resolve(self, account: str, marketplace_id: str) -> ResolvedChannel:
        """The resolved channel; accounts not listed at start-up are resolved (and checked) on first use."""
        for key in ((account, marketplace_id), ("*", marketplace_id)):
            if key in self.channels:
                return self.channels[key]
        channel = self.mapping.channel(account, marketplace_id)
        assert self._shop is not None
        resolved = _resolve_channel(channel, self._shop)
        self.channels[(account, marketplace_id)] = resolved
        return resolved

    def currency(self, channel: ResolvedChannel, iso: str) -> tuple[int, int]:
        """(id_currency, precision) for an order in `iso`."""
        if channel.id_currency is not None:
            for cur_id, precision in self.currencies.values():
                if cur_id == channel.id_currency:
                    return cur_id, precision
        key = f"{channel.channel.key_prefix}marketplaces.{channel.channel.marketplace_id}.currency"
        found = self.currencies.get(iso.upper())
        if found is None:
            raise MappingError(
                key, f"the shop has no active currency {iso}: add it in PrestaShop or map the marketplace"
            )
        in_shop = self.shop_currencies.get(channel.id_shop)
        if in_shop is not None and found[0] not in in_shop:
            raise MappingError(
                key,
                f"currency {iso} is not available in shop {channel.id_shop} (PrestaShop would record the "
                "order at a conversion rate of 1): associate it with that shop (International > "
                "Localization > Currencies, Multistore), then retry the order",
            )
        return found

    def config_of(self, order: dict[str, Any]) -> ShopConfig:
        """The configuration of the shop a PrestaShop order (as read) is in: its states, its rounding."""
        assert self._shop is not None
        return self._shop.config(int(order.get("id_shop") or 1), int(order.get("id_shop_group") or 1))

    def state_label(self, state_id: int) -> str:
        return f"{state_id} {self.state_names.get(state_id, '?')}"


@dataclass
class _ShopTables:
    languages: list[dict[str, Any]]
    currencies: list[dict[str, Any]]
    states: list[dict[str, Any]]
    carriers: list[dict[str, Any]]
    config_rows: list[dict[str, Any]] = field(default_factory=list)  # every shop's (see `configuration`)
    _configs: dict[tuple[int, int], ShopConfig] = field(default_factory=dict)

    def config(self, id_shop: int, id_shop_group: int) -> ShopConfig:
        key = (id_shop, id_shop_group)
        if key not in self._configs:
            self._configs[key] = shop_config(self.config_rows, id_shop, id_shop_group)
        return self._configs[key]


def validate_against_shop(mapping: PrestaShopMapping, client: PrestaShopClient) -> ShopCatalog:
    """Read the shop, resolve the mapping, raise `MappingError` (with the key) on the first problem."""
    tables = _ShopTables(
        languages=client.list("languages", fields=["id", "iso_code", "active"]),
        currencies=client.list("currencies", fields=["id", "iso_code", "precision", "active", "deleted"]),
        states=client.list("order_states", fields=["id", "name", "deleted"]),
        carriers=client.list("carriers", fields=["id", "name", "active", "deleted", "is_free"]),
    )
    wanted = ADAPTER_KEYS | _config_refs(mapping)
    tables.config_rows = client.list(
        "configurations", fields=FIELDS, filters={"name": filter_value(*sorted(wanted))}
    )
    countries = {
        country.iso_code: country
        for country in map(_country, client.list("countries", fields=COUNTRY_FIELDS))
    }
    currencies = {
        str(row["iso_code"]).upper(): (
            int(row["id"]),
            _int(row.get("precision"), minor_units(row["iso_code"])),
        )
        for row in tables.currencies
        if str(row.get("active", "1")) == "1" and str(row.get("deleted", "0")) != "1"
    }
    shipping_id, shipping_group = None, 0
    if mapping.shipping_product:
        rows = client.list(
            "products",
            fields=["id", "reference", "id_tax_rules_group"],
            filters={"reference": filter_value(mapping.shipping_product)},
        )
        if not rows:
            raise MappingError(
                "shipping_product",
                f"no product with reference {mapping.shipping_product!r}: create it (a virtual product, any "
                'price) or set shipping_product = "" if Amazon never charges shipping',
            )
        shipping_id, shipping_group = int(rows[0]["id"]), _int(rows[0].get("id_tax_rules_group"), 0)
    catalog = ShopCatalog(
        mapping=mapping,
        state_names={int(s["id"]): _text(s.get("name")) for s in tables.states},
        currencies=currencies,
        countries=countries,
        shipping_product_id=shipping_id,
        shipping_tax_group=shipping_group,
        _shop=tables,
        _client=client,
    )
    for channel in mapping.channels():
        catalog.channels[(channel.account, channel.marketplace_id)] = _resolve_channel(channel, tables)
    check_shops(catalog, client)
    if mapping.check_payment_module:
        # PrestaShop runs the module in the shop of the call: one disabled for a mapped shop fails there
        # only (live 8.2.1), so each mapped shop is probed in its own context (shop 1 in the URL's)
        probes = {
            (c.channel.payment_module, c.channel.key_prefix, c.id_shop) for c in catalog.channels.values()
        }
        for module, prefix, id_shop in sorted(probes or {(mapping.payment_module, "", 1)}):
            in_shop = client if id_shop == 1 else client.in_shop(id_shop)
            check_payment_module(in_shop, module, key=f"{prefix}payment_module")
    return catalog


def _country(row: dict[str, Any]) -> Country:
    return Country(
        int(row["id"]),
        str(row["iso_code"]).upper(),
        str(row.get("need_identification_number", "0")) == "1",
        str(row.get("active", "1")) == "1",
    )


def _config_refs(mapping: PrestaShopMapping) -> set[str]:
    """The `PS_OS_*` configuration keys the mapping names states by."""
    all_states = [mapping.states] + [a.states for a in mapping.accounts.values() if a.states is not None]
    return {
        ref.upper()
        for states in all_states
        for step in STATE_STEPS
        if isinstance(ref := getattr(states, step), str) and ref.upper().startswith("PS_OS_")
    }


def check_payment_module(client: PrestaShopClient, module: str, *, key: str = "payment_module") -> None:
    """Raise MappingError unless `module` is an installed, active payment module (see module docstring)."""
    fields = order_fields(
        id_cart=PROBE_CART_ID,
        id_customer=PROBE_CART_ID,
        id_address=PROBE_CART_ID,
        id_carrier=PROBE_CART_ID,
        id_currency=PROBE_CART_ID,
        id_lang=PROBE_CART_ID,
        module=module,
        payment_label="Amazon",
        total_paid=Decimal(0),
        total_products=Decimal(0),
    )
    try:
        client.create("orders", "order", fields)
    except CartAlreadyOrdered:
        return  # the module was loaded and ran: exactly what we wanted to know
    except PrestaShopUnavailable as exc:
        fault = exc.fault
        if fault is not None and fault.status == 500 and not fault.codes:
            body = fault.text.strip()
            if not body:
                problem = (
                    "is not installed or is not a payment module "
                    "(PrestaShop answered HTTP 500 with an empty body)"
                )
            elif fault.module_inactive:
                shop = f"shop {client.shop}" if client.shop not in (None, "all") else "this shop"
                problem = (
                    f"cannot take orders (PrestaShop answered {body[:120]!r}): enable it for {shop} "
                    "in Modules > Module Manager"
                )
            else:
                problem = f"cannot take orders (PrestaShop answered {body[:120]!r}: is it active?)"
            raise MappingError(key, f"{module!r} {problem}") from exc
        raise
    except PrestaShopError as exc:
        raise MappingError(key, f"could not check {module!r}: {exc}") from exc
    raise MappingError(key, f"checking {module!r}: PrestaShop accepted an order on cart {PROBE_CART_ID}?!")


def _resolve_channel(channel: Channel, shop: _ShopTables) -> ResolvedChannel:
    prefix = channel.key_prefix
    market_key = f"{prefix}marketplaces.{channel.marketplace_id}"
    id_lang = _match(
        channel.market.language, shop.languages, ("iso_code",), f"{market_key}.language", "language"
    )
    id_currency = None
    if channel.market.currency is not None:
        id_currency = _match(
            channel.market.currency,
            [c for c in shop.currencies if str(c.get("deleted", "0")) != "1"],
            ("iso_code",),
            f"{market_key}.currency",
            "currency",
        )
    config = shop.config(channel.market.id_shop, channel.market.id_shop_group)
    states: dict[str, int] = {}
    for step in STATE_STEPS:
        ref = getattr(channel.states, step)
        if ref is None:
            continue
        live = [s for s in shop.states if str(s.get("deleted", "0")) != "1"]
        key = f"{prefix}states.{step}"
        if isinstance(ref, str) and ref.upper().startswith("PS_OS_"):
            value = config.values.get(ref.upper(), "")
            if not value.isdigit():
                raise MappingError(
                    key, f"shop {config.id_shop} has no configuration {ref.upper()} naming an order state"
                )
            ref = int(value)
        states[step] = _match(ref, live, ("name",), key, "order state")
    for step, fallback in (("prime", "merchant"), ("business", "merchant")):
        states.setdefault(step, states[fallback])
    carriers = {
        level: _carrier(ref, shop.carriers, f"{prefix}carriers.{level}")
        for level, ref in channel.carriers.items()
    }
    default_carrier = _carrier(channel.default_carrier, shop.carriers, f"{prefix}default_carrier")
    return ResolvedChannel(
        channel=channel,
        id_shop=channel.market.id_shop,
        id_shop_group=channel.market.id_shop_group,
        id_lang=id_lang,
        id_currency=id_currency,
        carriers=carriers,
        default_carrier=default_carrier,
        states=states,
        config=config,
    )


def _carrier(ref: Ref, carriers: list[dict[str, Any]], key: str) -> int:
    live = [c for c in carriers if str(c.get("deleted", "0")) != "1"]
    carrier_id = _match(ref, live, ("name",), key, "carrier", prefer_last=True)
    row = next(c for c in live if int(c["id"]) == carrier_id)
    if str(row.get("active", "0")) != "1":
        raise MappingError(key, f"carrier {carrier_id} {_text(row.get('name'))!r} is not active")
    if str(row.get("is_free", "0")) != "1":
        raise MappingError(
            key,
            f"carrier {carrier_id} {_text(row.get('name'))!r} is not free: PrestaShop would add its cost to "
            "Amazon's total and record the order in Payment error. Use a free carrier "
            "(e.g. one named Amazon);"
            " Amazon's shipping charge is added as a line (see docs/prestashop.md)",
        )
    return carrier_id


def _match(
    ref: Ref,
    rows: list[dict[str, Any]],
    names: tuple[str, ...],
    key: str,
    what: str,
    prefer_last: bool = False,
) -> int:
    """The id of the row `ref` designates: an id, or a name/ISO code (case-insensitive, any language)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        wanted = int(ref)
        if any(int(row["id"]) == wanted for row in rows):
            return wanted
        raise MappingError(key, f"no {what} with id {wanted} in the shop ({_known(rows, names)})")
    hits = [int(row["id"]) for row in rows if any(_has_text(row.get(n), ref) for n in names)]
    if not hits:
        raise MappingError(key, f"no {what} named {ref!r} in the shop ({_known(rows, names)})")
    return max(hits) if prefer_last else min(hits)


def _has_text(value: Any, wanted: str) -> bool:
    wanted = wanted.strip().casefold()
    if isinstance(value, list):  # multilingual field in JSON: [{"id": "1", "value": "..."}]
        return any(str(v.get("value", "")).strip().casefold() == wanted for v in value)
    return str(value or "").strip().casefold() == wanted


def _text(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0].get("value", "")) if value else ""
    return str(value or "")


def _known(rows: list[dict[str, Any]], names: tuple[str, ...]) -> str:
    items = [f"{row['id']} {_text(row.get(names[0]))}".strip() for row in rows[:15]]
    return "known: " + ", ".join(items) if items else "none defined"


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
