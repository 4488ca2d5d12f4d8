"""Where an order stands with the shop, as the ledger stores it (the rules in `sync` decide the moves)."""

from __future__ import annotations

from enum import StrEnum


class ShopState(StrEnum):
    WAITING = "waiting"  # seen, not importable yet (PENDING, FBA not shipped...)
    TO_CREATE = "to_create"
    CREATED = "created"  # in the shop, status up to date
    TO_UPDATE = "to_update"  # in the shop, its status must move (cancel included)
    FAILED = "failed"  # the last shop call failed; retried with backoff
    PARKED = "parked"  # needs a human or a fix (reason kept); unknown SKUs are retried automatically
    CANCELLED = "cancelled"  # cancelled on Amazon: cancelled in the shop, or never created
    # importable before the switch from the shop's previous importer, which may have created it: left
    # to it (not created, not compared) unless a human asks for it (`retry`)
    PREVIOUS = "previous"


class ParkReason(StrEnum):
    DATA = "data"  # Amazon's data cannot make an order (unreadable JSON, no price...): re-evaluated on change
    REJECTED = "rejected"  # the shop refused it, or a human parked it: a human decides
    UNKNOWN_SKU = "unknown_sku"  # retried periodically until the product exists
