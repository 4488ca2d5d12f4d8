"""Synchronisation: pure rules, the import passes and the `SyncEngine` that runs them against the ledger."""
