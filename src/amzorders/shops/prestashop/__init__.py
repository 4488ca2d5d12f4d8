"""The PrestaShop adapter: the `Shop` port over the PrestaShop 8.2 webservice (see adapter.py)."""

from amzorders.shops.prestashop.adapter import PrestaShopShop
from amzorders.shops.prestashop.catalog import ShopCatalog, validate_against_shop
from amzorders.shops.prestashop.client import PrestaShopClient
from amzorders.shops.prestashop.errors import PrestaShopAuthError, PrestaShopRejected, PrestaShopUnavailable
from amzorders.shops.prestashop.mapping import (
    MappingError,
    MarketplaceMapping,
    PrestaShopMapping,
    StateMapping,
)
from amzorders.shops.prestashop.plan import TotalMismatch

__all__ = [
    "MappingError",
    "MarketplaceMapping",
    "PrestaShopAuthError",
    "PrestaShopClient",
    "PrestaShopMapping",
    "PrestaShopRejected",
    "PrestaShopShop",
    "PrestaShopUnavailable",
    "ShopCatalog",
    "StateMapping",
    "TotalMismatch",
    "validate_against_shop",
]
