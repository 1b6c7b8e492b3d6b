"""Use cases: profiles (the one write path), accounts, sign-in, introductions, contact-detail
visibility (``visibility``), matches, directory, mail, rate limits, and the officers' curation
(``curation``). May import matching, store and db; never fastapi, starlette or http.
"""
