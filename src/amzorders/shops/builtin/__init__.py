"""The built-in store: the embedded default shop, in SQL tables beside the ledger.

It implements the `Shop` port like any adapter, plus the read side used by `amzorders orders list/show`
and by simulation reports.
"""

from amzorders.shops.builtin.store import BuiltinStore, OrderNotFound, StoredOrder, StoredOrderDetail

__all__ = ["BuiltinStore", "OrderNotFound", "StoredOrder", "StoredOrderDetail"]
