"""Cầu Nối's web application, in layers that import only downward (docs/architecture.md; checked by
the import-linter contracts in pyproject.toml): cli, app, http, interchange, jobs, services,
matching, store, db. ``settings``, ``errors``, ``i18n`` and ``params`` sit beside them and are
used by every layer; they import no other ``web`` module but each other and ``web.settings``.
"""
