"""The stateful fake PrestaShop 8.2.1: tables, configuration, fault injection and read helpers.

`FakePrestaShop` holds the shop's data in memory under one lock (its read helpers for tests are in
`views.py`); the WSGI app (`app.py`) and the tests
both go through it. Business rules live beside it: writes and validation in `writes.py`, order creation
and state changes in `checkout.py`, the fresh-install data in `seed.py`.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from amzorders.clock import Clock, WallClock

from . import multistore, stock
from .pricing import money6
from .schemas import ResourceSpec, resource_specs
from .views import ShopViews

DEFAULT_KEY = "TESTKEY0123456789ABCDEFGHIJKLMNO"
_ZERO_FORMATS = {"isunsignedid", "isnullorunsignedid", "isbool", "isint", "isunsignedint", "ispositiveint"}
_DECIMAL_FORMATS = {"isprice", "isfloat", "isnegativeprice", "isunsignedfloat"}


@dataclass
class Stats:
    """Webservice calls seen, by (HTTP method, resource): `stats.calls[("POST", "orders")]`."""

    calls: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass
class _Fault:
    method: str
    resource: str
    status: int
    times: int
    after: bool


class FakePrestaShop(ShopViews):
    """A PrestaShop 8.2.1 shop in memory, seeded like the recorded fresh install.

    With `demo=False` the demo catalogue is left out (products then start at id 1); languages,
    countries, currencies, order states, configuration, carriers and payment modules are always there.
    Pass a `clock` (e.g. a SimClock) to date records in simulated time.
    """

    def __init__(self, api_key: str = DEFAULT_KEY, *, demo: bool = True, clock: Clock | None = None) -> None:
        self.api_key = api_key
        self.clock: Clock = clock or WallClock()
        self.lock = threading.RLock()
        self.specs: dict[str, ResourceSpec] = resource_specs()
        self.tables: dict[str, dict[int, dict]] = {name: {} for name in self.specs}
        self._next_id: dict[str, int] = {name: 1 for name in self.specs}
        self.payment_modules: dict[str, bool] = {}  # installed payment modules -> active
        self.modules_off_in_shop: set[tuple[str, int]] = set()  # (module, id_shop) disabled for that shop
        self.other_modules: set[str] = {"ps_featuredproducts", "ps_emailsubscription", "ps_shoppingcart"}
        self.carrier_prices: dict[int, Decimal] = {}  # carrier -> range price excl. tax
        self.cart_orders: dict[int, int] = {}  # cart -> the order placed with it
        self.mails: list[dict] = []  # mails a real shop would have sent (state changes with send_email)
        self.stats = Stats()
        self.internal_errors: list[str] = []  # defects of the fake (answered 500 text/plain)
        self._faults: list[_Fault] = []
        self.context_shop = "1"  # the shop of the current call: its id_shop parameter (see multistore)
        # (products|carriers|currencies, id, id_shop) not associated with that shop
        self.not_in_shop: set[tuple[str, int, int]] = set()
        self.shop_group_names: dict[int, str] = {1: "Default"}  # customers and orders never shared
        self.stock_sharing_groups: set[int] = set()  # shop groups whose shops share one stock
        self._invoice_number = 0
        self._delivery_number = 0
        from .seed import seed_demo_products, seed_install

        seed_install(self)
        if demo:
            seed_demo_products(self)

    # ---- time and ids -------------------------------------------------------------------------
    def now(self) -> str:
        """The shop's clock in its database format (`2026-11-27 00:46:45`)."""
        moment: datetime = self.clock.now()
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    def insert(self, resource: str, record: dict, *, id: int | None = None) -> dict:
        """Stores a record (defaults filled from the schema) and returns it; no validation."""
        with self.lock:
            new_id = id if id is not None else self._next_id[resource]
            self._next_id[resource] = max(self._next_id[resource], new_id + 1)
            full = {"id": new_id, **self.defaults(resource), **record}
            full["id"] = new_id
            self.tables[resource][new_id] = full
            return full

    def defaults(self, resource: str) -> dict:
        spec = self.specs[resource]
        now = self.now()
        out: dict = {}
        for f in spec.fields:
            fmt = (f.format or "").lower()
            if f.multilang:
                out[f.name] = {1: "", 2: ""}
            elif f.name in ("date_add", "date_upd"):
                out[f.name] = now
            elif fmt in _ZERO_FORMATS:
                out[f.name] = "0"
            elif fmt in _DECIMAL_FORMATS:
                out[f.name] = "0.000000"
            else:
                out[f.name] = ""
        if spec.associations:
            out["associations"] = {a.name: [] for a in spec.associations}
        return out

    def get(self, resource: str, id: int) -> dict | None:
        return self.tables.get(resource, {}).get(id)

    def configuration(self, name: str) -> str | None:
        """`Configuration::get(name)` in the shop of the current call (see `multistore`)."""
        with self.lock:
            return multistore.configuration(self, name)

    def set_configuration(
        self, name: str, value: str, *, id_shop: int | None = None, id_shop_group: int | None = None
    ) -> None:
        """`Configuration::updateValue` for every shop (default), a shop group or one shop."""
        with self.lock:
            row = multistore.configuration_row(self, name, id_shop, id_shop_group)
            if row is None:
                level = {"id_shop": str(id_shop or ""), "id_shop_group": str(id_shop_group or "")}
                self.insert("configurations", {"name": name, "value": value, **level})
            else:
                row["value"] = value
                row["date_upd"] = self.now()

    def config_int(self, name: str, default: int) -> int:
        value = self.configuration(name)
        return int(value) if value not in (None, "") else default

    def next_invoice_number(self) -> int:
        self._invoice_number += 1
        return self._invoice_number

    def next_delivery_number(self) -> int:
        self._delivery_number += 1
        return self._delivery_number

    def new_reference(self) -> str:
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        taken = {o["reference"] for o in self.tables["orders"].values()}
        while True:
            ref = "".join(secrets.choice(letters) for _ in range(9))
            if ref not in taken:
                return ref

    # ---- catalogue and setup (the pinned API) ---------------------------------------------------
    def add_product(
        self,
        reference: str,
        name: str,
        price: Decimal,
        *,
        id_tax_rules_group: int = 1,
        quantity: int = 100,
        combinations: Sequence[str] = (),
    ) -> int:
        """Adds an active product; each combination reference gets its own combination and stock."""
        with self.lock:
            product = self.insert(
                "products",
                {
                    "reference": reference,
                    "name": {1: name, 2: name},
                    "price": money6(Decimal(price)),
                    "id_tax_rules_group": str(id_tax_rules_group),
                    "active": "1",
                    "available_for_order": "1",
                    "show_price": "1",
                    "visibility": "both",
                    "condition": "new",
                    "minimal_quantity": "1",
                    "id_category_default": "2",
                    "id_shop_default": "1",
                    "state": "1",
                    "product_type": "combinations" if combinations else "standard",
                    "type": "simple",
                    "redirect_type": "default",
                    "link_rewrite": {1: reference.lower(), 2: reference.lower()},
                },
            )
            pid = product["id"]
            assoc = product["associations"]
            assoc["categories"] = [{"id": "2"}]
            for ref in combinations:
                combo = self.insert(
                    "combinations",
                    {
                        "id_product": str(pid),
                        "reference": ref,
                        "price": "0.000000",
                        "quantity": str(quantity),
                        "minimal_quantity": "1",
                        "default_on": "1" if not assoc["combinations"] else "0",
                    },
                )
                assoc["combinations"].append({"id": str(combo["id"])})
                stock.add(self, pid, combo["id"], quantity)
            stock.add(self, pid, 0, quantity * len(combinations) if combinations else quantity)
            if combinations:
                product["id_default_combination"] = assoc["combinations"][0]["id"]
                product["cache_default_attribute"] = assoc["combinations"][0]["id"]
            self.refresh_product_quantity(pid)
            return pid

    def attach_combination(self, combination: dict) -> None:
        """A combination posted through the webservice joins its product with a stock row at 0 (live 8.2.1);
        the product's default combination is set only when it had none."""
        product = self.tables["products"][int(combination["id_product"])]
        assoc = product["associations"]
        assoc["combinations"].append({"id": str(combination["id"])})
        product["product_type"] = "combinations"
        if str(product.get("id_default_combination") or "0") == "0":
            product["id_default_combination"] = product["cache_default_attribute"] = str(combination["id"])
        stock.add(self, int(product["id"]), int(combination["id"]), 0)
        self.refresh_product_quantity(int(product["id"]))

    def add_carrier(self, name: str, *, price: Decimal = Decimal(0), active: bool = True) -> int:
        """A carrier whose only range costs `price` excl. tax (no handling fee); taxed by rules group 1."""
        with self.lock:
            price = Decimal(price)
            row = self.insert(
                "carriers",
                {
                    "name": name,
                    "active": "1" if active else "0",
                    "is_free": "1" if price == 0 else "0",
                    "id_tax_rules_group": "1",
                    "shipping_handling": "0",
                    "range_behavior": "0",
                    "shipping_method": "2",
                    "need_range": "1",
                    "delay": {1: "Amazon", 2: "Amazon"},
                    "grade": "0",
                    "shipping_external": "0",
                },
            )
            row["id_reference"] = str(row["id"])
            row["position"] = str(row["id"] - 1)
            self.carrier_prices[row["id"]] = price
            return row["id"]

    def add_tax_rules_group(self, name: str, rate: Decimal) -> int:
        """A tax rules group applying `rate` percent in every country: one tax, a rule per country."""
        with self.lock:
            group = self.insert("tax_rule_groups", {"name": name, "active": "1", "deleted": "0"})
            self._rule_everywhere(group["id"], Decimal(rate))
            return group["id"]

    def set_tax_rate(self, id_tax_rules_group: int, rate: Decimal) -> None:
        """Changes a group's rate, in the taxes its country rules point to (a group without rules gets a
        rule in every country)."""
        with self.lock:
            rules = [
                r
                for r in self.tables["tax_rules"].values()
                if r["id_tax_rules_group"] == str(id_tax_rules_group)
            ]
            if not rules:
                self._rule_everywhere(id_tax_rules_group, Decimal(rate))
            for rule in rules:
                self.tables["taxes"][int(rule["id_tax"])]["rate"] = f"{Decimal(rate):.3f}"

    def _rule_everywhere(self, id_tax_rules_group: int, rate: Decimal) -> None:
        tax = self.insert("taxes", {"rate": f"{rate:.3f}", "active": "1", "deleted": "0"})
        for country in self.tables["countries"]:
            self.add_tax_rule(id_tax_rules_group, country, tax["id"])

    def add_tax_rule(self, id_tax_rules_group: int, id_country: int, id_tax: int) -> None:
        """The group taxes deliveries to the country with the tax (whole country, one tax alone)."""
        self.insert(
            "tax_rules",
            {
                "id_tax_rules_group": str(id_tax_rules_group),
                "id_state": "0",
                "id_country": str(id_country),
                "zipcode_from": "0",
                "zipcode_to": "0",
                "id_tax": str(id_tax),
                "behavior": "0",
                "description": "",
            },
        )

    def tax_rate(self, id_tax_rules_group: int, id_country: int) -> Decimal:
        """The rate PrestaShop applies for a group in a country, in percent: the tax of the group's rule
        for that country; none (the US in group 1, or a group without any rule): 0 %."""
        with self.lock:
            here = [
                r
                for r in self.tables["tax_rules"].values()
                if r["id_tax_rules_group"] == str(id_tax_rules_group)
                and r["id_country"] == str(id_country)
                and r["id_state"] in ("0", "")
            ]
            if not id_tax_rules_group or not here:
                return Decimal(0)
            tax = self.tables["taxes"].get(int(here[0]["id_tax"]))
            return Decimal(tax["rate"]) if tax else Decimal(0)

    def add_shop(self, name: str, id_shop_group: int = 1) -> int:
        return multistore.add_shop(self, name, id_shop_group)

    def add_shop_group(self, name: str, *, share_stock: bool = False) -> int:
        return multistore.add_shop_group(self, name, share_stock=share_stock)

    def set_country_active(self, iso_code: str, active: bool) -> None:
        """Activates or deactivates a country (PrestaShop refuses orders delivered to an inactive one)."""
        with self.lock:
            for row in self.tables["countries"].values():
                if row["iso_code"] == iso_code.upper():
                    row["active"] = "1" if active else "0"

    def add_payment_module(self, name: str, *, active: bool = True) -> None:
        with self.lock:
            self.payment_modules[name] = active

    def fail_next(
        self, method: str, resource: str, status: int = 500, times: int = 1, *, after: bool = False
    ) -> None:
        """The next `times` matching calls answer `status` with an empty body (a PHP-style failure).

        With `after=True` the call is carried out first and only the response is lost, like a shop that
        created the order and then died before answering.
        """
        with self.lock:
            self._faults.append(_Fault(method.upper(), resource, status, times, after))

    def take_fault(self, method: str, resource: str) -> _Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.method == method and fault.resource == resource and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    # ---- stock (per shop, or per shop group sharing it: see `stock`) -----------------------------
    def stock(self, id_product: int, id_attribute: int = 0, *, id_shop: int = 1) -> int:
        with self.lock:
            row = stock.row(self, id_product, id_attribute, stock.owner(self, id_shop))
            return 0 if row is None else int(row["quantity"])

    def move_stock(self, id_product: int, id_attribute: int, delta: int, *, id_shop: int = 1) -> None:
        stock.move(self, id_product, id_attribute, delta, stock.owner(self, id_shop))

    def refresh_product_quantity(self, id_product: int) -> None:
        for owner in stock.owners(self):
            stock.refresh(self, id_product, owner)
