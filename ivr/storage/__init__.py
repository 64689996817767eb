"""Where shared state lives: the ledger, call sessions, the emergency override.

The core never imports this package; the web adapter, the CLI and the scheduler hand the core
what a store returned, and turn a store's failure into ``StoreUnavailable``.
"""
