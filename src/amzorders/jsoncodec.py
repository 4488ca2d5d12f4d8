"""JSON on the hot paths (Amazon's answers, ledger snapshots) through orjson: faster than the standard
library (most of a page's decoding is building the objects, which no library avoids), and strict (NaN and
invalid UTF-8 are errors, as in RFC 8259).

`loads` raises `ValueError` on bad input like `json.loads` (orjson's error subclasses it).
"""

from __future__ import annotations

from typing import Any

import orjson

loads = orjson.loads


def dumps(value: Any) -> str:
    """Compact JSON text, UTF-8 characters kept as they are; unknown types fall back to `str`."""
    return orjson.dumps(value, default=str).decode()
