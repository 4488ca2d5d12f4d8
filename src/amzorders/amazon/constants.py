"""Amazon's enumerations for Orders API v2026-01-01, in one place.

Fields typed with these are plain `str` at run time: Amazon adds enum values without notice, so an
unknown value is kept as it is, never rejected. Compare with the members (they are `str`).
"""

from enum import StrEnum

ORDERS_API_VERSION = "2026-01-01"
SEARCH_ORDERS = "searchOrders"
GET_ORDER = "getOrder"


class FulfillmentStatus(StrEnum):
    PENDING_AVAILABILITY = "PENDING_AVAILABILITY"
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    UNFULFILLABLE = "UNFULFILLABLE"


class FulfilledBy(StrEnum):
    MERCHANT = "MERCHANT"
    AMAZON = "AMAZON"


class ServiceLevel(StrEnum):
    EXPEDITED = "EXPEDITED"
    FREE_ECONOMY = "FREE_ECONOMY"
    NEXT_DAY = "NEXT_DAY"
    PRIORITY = "PRIORITY"
    SAME_DAY = "SAME_DAY"
    SECOND_DAY = "SECOND_DAY"
    SCHEDULED = "SCHEDULED"
    STANDARD = "STANDARD"


class Program(StrEnum):
    AMAZON_BAZAAR = "AMAZON_BAZAAR"
    AMAZON_BUSINESS = "AMAZON_BUSINESS"
    AMAZON_EASY_SHIP = "AMAZON_EASY_SHIP"
    AMAZON_HAUL = "AMAZON_HAUL"
    DELIVERY_BY_AMAZON = "DELIVERY_BY_AMAZON"
    FBM_SHIP_PLUS = "FBM_SHIP_PLUS"
    INVOICE_BY_AMAZON = "INVOICE_BY_AMAZON"
    IN_STORE_PICK_UP = "IN_STORE_PICK_UP"
    PREMIUM = "PREMIUM"
    PREORDER = "PREORDER"
    PRIME = "PRIME"


class IncludedData(StrEnum):
    BUYER = "BUYER"
    RECIPIENT = "RECIPIENT"
    PROCEEDS = "PROCEEDS"
    EXPENSE = "EXPENSE"
    PROMOTION = "PROMOTION"
    CANCELLATION = "CANCELLATION"
    FULFILLMENT = "FULFILLMENT"
    PACKAGES = "PACKAGES"
    TAX = "TAX"
    PAYMENT = "PAYMENT"
    FULFILLMENT_ORDERS = "FULFILLMENT_ORDERS"


class ProceedsType(StrEnum):
    ITEM = "ITEM"
    SHIPPING = "SHIPPING"
    GIFT_WRAP = "GIFT_WRAP"
    COD_FEE = "COD_FEE"
    TAX = "TAX"
    DISCOUNT = "DISCOUNT"
    DELIVERY_TIP = "DELIVERY_TIP"
    OTHER = "OTHER"


# What the importer asks for by default: enough to build a shop order, nothing more (PII minimisation).
IMPORT_INCLUDED_DATA: tuple[str, ...] = (
    IncludedData.BUYER,
    IncludedData.RECIPIENT,
    IncludedData.PROCEEDS,
    IncludedData.FULFILLMENT,
)

# Amazon marketplace ids by country code (the ones the generator and the mappings know by name).
MARKETPLACES: dict[str, str] = {
    "FR": "A13V1IB3VIYZZH",
    "DE": "A1PA6795UKMFR9",
    "IT": "APJ6JRA9NG5V4",
    "ES": "A1RKKUPIHCS9HS",
    "UK": "A1F83G8C2ARO7P",
    "US": "ATVPDKIKX0DER",
    "JP": "A1VC38T7YXB528",
}
MARKETPLACE_CURRENCY: dict[str, str] = {
    "A13V1IB3VIYZZH": "EUR",
    "A1PA6795UKMFR9": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1F83G8C2ARO7P": "GBP",
    "ATVPDKIKX0DER": "USD",
    "A1VC38T7YXB528": "JPY",
}
MARKETPLACE_NAMES: dict[str, str] = {
    "A13V1IB3VIYZZH": "Amazon.fr",
    "A1PA6795UKMFR9": "Amazon.de",
    "APJ6JRA9NG5V4": "Amazon.it",
    "A1RKKUPIHCS9HS": "Amazon.es",
    "A1F83G8C2ARO7P": "Amazon.co.uk",
    "ATVPDKIKX0DER": "Amazon.com",
    "A1VC38T7YXB528": "Amazon.co.jp",
}
