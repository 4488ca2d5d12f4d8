"""SP-API regions, their production hosts and the Login with Amazon token URL.

A seller account lives in one region; calling another region's host gives 403, so the endpoint is part of
an account's settings. Any URL is accepted in place of a region name (the simulator, a proxy).
"""

from __future__ import annotations

ENDPOINTS: dict[str, str] = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"

# Marketplace id -> region (developer-docs "Marketplace IDs").
MARKETPLACE_REGIONS: dict[str, str] = {
    # North America
    "A2EUQ1WTGCTBG2": "NA",  # Canada
    "ATVPDKIKX0DER": "NA",  # United States
    "A1AM78C64UM0Y8": "NA",  # Mexico
    "A2Q3Y263D00KWC": "NA",  # Brazil
    # Europe (with the Middle East, Africa and India)
    "A1RKKUPIHCS9HS": "EU",  # Spain
    "A1F83G8C2ARO7P": "EU",  # United Kingdom
    "A13V1IB3VIYZZH": "EU",  # France
    "AMEN7PMS3EDWL": "EU",  # Belgium
    "A1805IZSGTT6HS": "EU",  # Netherlands
    "A1PA6795UKMFR9": "EU",  # Germany
    "APJ6JRA9NG5V4": "EU",  # Italy
    "A2NODRKZP88ZB9": "EU",  # Sweden
    "AE08WJ6YKNBMC": "EU",  # South Africa
    "A1C3SOZRARQ6R3": "EU",  # Poland
    "ARBP9OOSHTCHU": "EU",  # Egypt
    "A33AVAJ2PDY3EV": "EU",  # Turkey
    "A17E79C6D8DWNP": "EU",  # Saudi Arabia
    "A2VIGQ35RCS4UG": "EU",  # United Arab Emirates
    "A21TJRUUN4KGV": "EU",  # India
    "A28R8C7NBKEWEA": "EU",  # Ireland
    # Far East
    "A19VAU5U5O7RUS": "FE",  # Singapore
    "A39IBJ37TRP1C6": "FE",  # Australia
    "A1VC38T7YXB528": "FE",  # Japan
}


class UnknownRegion(ValueError):
    """A region or marketplace we cannot map to an SP-API host."""


def resolve_endpoint(region_or_url: str) -> str:
    """`"EU"` -> the EU production host; a URL (the simulator's, a proxy's) is returned as given."""
    value = region_or_url.strip()
    if value.startswith(("http://", "https://")):
        return value.rstrip("/")
    try:
        return ENDPOINTS[value.upper()]
    except KeyError:
        raise UnknownRegion(
            f"endpoint {region_or_url!r} is neither a region ({', '.join(ENDPOINTS)}) nor an http(s) URL"
        ) from None


def region_for_marketplace(marketplace_id: str) -> str:
    """The region whose host serves a marketplace ("A13V1IB3VIYZZH" -> "EU")."""
    try:
        return MARKETPLACE_REGIONS[marketplace_id]
    except KeyError:
        raise UnknownRegion(
            f"marketplace id {marketplace_id!r} is not a known Amazon marketplace: set the endpoint"
        ) from None
