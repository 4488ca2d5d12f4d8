"""Shops: the `Shop` port and its adapters (built-in store, PrestaShop).

Nothing here knows Amazon's wire format.
"""
