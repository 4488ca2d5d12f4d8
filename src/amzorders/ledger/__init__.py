"""The ledger: every order seen, cursors, runs, events, quota buckets. The single source of truth."""
