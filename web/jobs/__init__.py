"""Background jobs: the worker (``worker``: claims jobs FOR UPDATE SKIP LOCKED, one transaction
a batch) and the production handlers (``embed``: embed a profile's passages, expire introductions).
May import services, matching, store and db.
"""
