"""Read helpers of the fake PrestaShop for tests: deep copies of records, filtered by field values."""

from __future__ import annotations

import copy
import threading


class ShopViews:
    """Mixed into `FakePrestaShop`, which provides `tables` (resource -> id -> record) and `lock`."""

    tables: dict[str, dict[int, dict]]
    lock: threading.RLock

    def rows(self, resource: str, **equal: object) -> list[dict]:
        """Copies of the records of `resource` whose fields equal the given values (compared as text)."""
        with self.lock:
            return [
                copy.deepcopy(r)
                for _, r in sorted(self.tables[resource].items())
                if all(str(r.get(k)) == str(v) for k, v in equal.items())
            ]

    def row(self, resource: str, id: int) -> dict | None:
        with self.lock:
            found = self.tables[resource].get(int(id))
            return copy.deepcopy(found) if found else None

    def orders(self, **equal: object) -> list[dict]:
        return self.rows("orders", **equal)

    def order(self, id: int) -> dict | None:
        return self.row("orders", id)

    def customers(self, **equal: object) -> list[dict]:
        return self.rows("customers", **equal)

    def customer(self, id: int) -> dict | None:
        return self.row("customers", id)

    def addresses(self, **equal: object) -> list[dict]:
        return self.rows("addresses", **equal)

    def carts(self, **equal: object) -> list[dict]:
        return self.rows("carts", **equal)

    def cart(self, id: int) -> dict | None:
        return self.row("carts", id)

    def specific_prices(self, **equal: object) -> list[dict]:
        return self.rows("specific_prices", **equal)

    def order_details(self, id_order: int) -> list[dict]:
        return self.rows("order_details", id_order=id_order)

    def order_histories(self, id_order: int) -> list[dict]:
        return self.rows("order_histories", id_order=id_order)

    def order_payments(self, id_order: int) -> list[dict]:
        order = self.order(id_order)
        return [] if order is None else self.rows("order_payments", order_reference=order["reference"])

    def order_carriers(self, id_order: int) -> list[dict]:
        return self.rows("order_carriers", id_order=id_order)

    def products(self, **equal: object) -> list[dict]:
        return self.rows("products", **equal)

    def carriers(self, **equal: object) -> list[dict]:
        return self.rows("carriers", **equal)
