"""The Amazon marketplace simulator: serves Orders API v2026-01-01 on the wire, from a scenario."""
