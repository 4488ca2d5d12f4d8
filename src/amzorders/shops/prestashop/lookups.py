"""Cached lookups of shop objects the adapter reuses across orders: products by SKU, customers by e-mail.

Only hits are cached: an unknown SKU is asked again next time, so an order parked for it goes through as
soon as the merchant creates the product.
"""

from __future__ import annotations

from dataclasses import dataclass

from amzorders.shops.port import OrderRejected, UnknownSku
from amzorders.shops.prestashop.client import PrestaShopClient, filter_value, sort
from amzorders.shops.prestashop.errors import EmailAlreadyUsed, PrestaShopUsageError
from amzorders.shops.prestashop.mapping import ProductMatch
from amzorders.shops.prestashop.payloads import customer_fields


@dataclass(frozen=True, slots=True)
class ProductRef:
    id_product: int
    id_product_attribute: int
    id_tax_rules_group: int


class ProductLookup:
    def __init__(self, client: PrestaShopClient, shop_name: str) -> None:
        self._client = client
        self._shop_name = shop_name
        self._cache: dict[tuple[str, str], ProductRef] = {}
        self._tax_groups: dict[int, int] = {}

    def find(self, sku: str, match: ProductMatch) -> ProductRef:
        """The product (and combination) whose reference is the SKU; `UnknownSku` when none."""
        key = (match, sku)
        if key in self._cache:
            return self._cache[key]
        try:
            found = None
            if match in ("product_reference", "any"):
                found = self._by_product_reference(sku)
            if found is None and match in ("combination_reference", "any"):
                found = self._by_combination_reference(sku)
        except PrestaShopUsageError as exc:
            raise OrderRejected(f"SKU {sku!r} cannot be looked up in shop {self._shop_name}: {exc}") from exc
        if found is None:
            raise UnknownSku(sku, self._shop_name)
        self._cache[key] = found
        return found

    def _by_product_reference(self, sku: str) -> ProductRef | None:
        rows = self._client.list(
            "products",
            fields=["id", "reference", "id_tax_rules_group", "id_default_combination", "active"],
            filters={"reference": filter_value(sku)},
            sort_by=sort("id"),
        )
        rows = [r for r in rows if str(r.get("reference", "")) == sku]  # the filter ignores case
        if not rows:
            return None
        active = [r for r in rows if str(r.get("active", "1")) == "1"] or rows
        if len(active) > 1:
            ids = ", ".join(str(r["id"]) for r in active)
            raise OrderRejected(
                f"SKU {sku} matches several products in shop {self._shop_name} ({ids}): "
                "make references unique"
            )
        row = active[0]
        group = _int(row.get("id_tax_rules_group"))
        self._tax_groups[int(row["id"])] = group
        return ProductRef(int(row["id"]), _int(row.get("id_default_combination")), group)

    def _by_combination_reference(self, sku: str) -> ProductRef | None:
        rows = self._client.list(
            "combinations",
            fields=["id", "id_product", "reference"],
            filters={"reference": filter_value(sku)},
            sort_by=sort("id"),
        )
        rows = [r for r in rows if str(r.get("reference", "")) == sku]
        if not rows:
            return None
        if len(rows) > 1:
            ids = ", ".join(str(r["id"]) for r in rows)
            raise OrderRejected(
                f"SKU {sku} matches several combinations in shop {self._shop_name} ({ids}): "
                "make references unique"
            )
        id_product = int(rows[0]["id_product"])
        if id_product not in self._tax_groups:
            product = self._client.list(
                "products", fields=["id", "id_tax_rules_group"], filters={"id": filter_value(id_product)}
            )
            self._tax_groups[id_product] = _int(product[0].get("id_tax_rules_group")) if product else 0
        return ProductRef(id_product, int(rows[0]["id"]), self._tax_groups[id_product])


class CustomerLookup:
    """Customers by e-mail (unique in PrestaShop): looked up first, created when absent."""

    def __init__(self, client: PrestaShopClient) -> None:
        self._client = client
        self._cache: dict[str, int] = {}

    def ensure(
        self,
        email: str,
        *,
        firstname: str,
        lastname: str,
        id_lang: int,
        id_group: int,
        id_shop: int,
        id_shop_group: int,
    ) -> int:
        key = email.casefold()
        if key in self._cache:
            return self._cache[key]
        customer_id = self._find(email)
        if customer_id is None:
            fields = customer_fields(
                firstname=firstname,
                lastname=lastname,
                email=email,
                id_lang=id_lang,
                id_group=id_group,
                id_shop=id_shop,
                id_shop_group=id_shop_group,
            )
            try:
                customer_id = int(self._client.create("customers", "customer", fields)["id"])
            except EmailAlreadyUsed:  # created meanwhile by another process: e-mails are unique
                customer_id = self._find(email)
                if customer_id is None:
                    raise
        self._cache[key] = customer_id
        return customer_id

    def _find(self, email: str) -> int | None:
        rows = self._client.list(
            "customers",
            fields=["id", "email", "deleted"],
            filters={"email": filter_value(email)},
            sort_by=sort("id"),
        )
        live = [r for r in rows if str(r.get("deleted", "0")) != "1"]
        return int(live[0]["id"]) if live else None


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
