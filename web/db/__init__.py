"""PostgreSQL: the connection pool (``pool``), the embedded server and backups (``server``) and the
numbered migrations (``migrate``, SQL files in ``migrations/``). Imports only ``web.settings``;
everything else in ``web`` that touches the database goes through ``web.store`` on top of this.
"""
