"""Everything that knows Amazon: the Orders API v2026-01-01 model, the client, the quota governor."""
