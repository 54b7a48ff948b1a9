"""Bootstrap settings from the environment, with new-api's variable names.

Everything a console admin can change lives in the options table instead (``options/``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "relaygate-dev-secret-change-me"
_MYSQL_GO_DSN = re.compile(
    r"^(?P<user>[^:@/]*)(?::(?P<password>[^@]*))?@tcp\((?P<host>[^)]+)\)/(?P<db>[^?]*)(?:\?(?P<query>.*))?$"
)
_MYSQL_GO_ONLY_PARAMS = {"parseTime", "loc", "timeout", "readTimeout", "writeTimeout", "tls"}


class Settings(BaseSettings):
    """Process settings. One instance is built at start-up and passed down; never a global."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(3000, validation_alias="PORT")
    host: str = Field("0.0.0.0", validation_alias="HOST")
    sql_dsn: str = Field("", validation_alias="SQL_DSN")
    sqlite_path: str = Field("", validation_alias="SQLITE_PATH")
    data_dir: Path = Field(Path("./data"), validation_alias="DATA_DIR")
    redis_conn_string: str | None = Field(None, validation_alias="REDIS_CONN_STRING")
    session_secret: SecretStr = Field(SecretStr(_DEV_SECRET), validation_alias="SESSION_SECRET")
    crypto_secret: SecretStr | None = Field(None, validation_alias="CRYPTO_SECRET")
    relay_timeout: int = Field(0, validation_alias="RELAY_TIMEOUT")
    """Seconds for a whole non-stream upstream call; 0 means no limit (new-api's default)."""
    streaming_timeout: int = Field(300, validation_alias="STREAMING_TIMEOUT")
    """Seconds of silence allowed between two chunks of an upstream stream."""
    sync_frequency: int = Field(60, validation_alias="SYNC_FREQUENCY")
    """Seconds between cache reloads from the database (multi-node safety net)."""
    node_type: str = Field("master", validation_alias="NODE_TYPE")
    sql_max_open_conns: int = Field(20, validation_alias="SQL_MAX_OPEN_CONNS")
    max_request_body_mb: int = Field(64, validation_alias="MAX_REQUEST_BODY_MB")
    log_batch_size: int = Field(200, validation_alias="LOG_BATCH_SIZE")
    log_flush_interval: float = Field(0.5, validation_alias="LOG_FLUSH_INTERVAL")
    log_queue_size: int = Field(100_000, validation_alias="LOG_QUEUE_SIZE")
    web_dist: Path = Field(Path("web/dist"), validation_alias="WEB_DIST")
    debug: bool = Field(False, validation_alias="DEBUG")
    environment: str = Field("development", validation_alias="RELAYGATE_ENV")
    # Rate limits per client IP (search: per user), new-api's names and defaults; /v1 is exempt.
    global_api_rate_limit_enable: bool = Field(
        True, validation_alias="GLOBAL_API_RATE_LIMIT_ENABLE"
    )
    global_api_rate_limit: int = Field(180, validation_alias="GLOBAL_API_RATE_LIMIT")
    global_api_rate_limit_duration: int = Field(
        180, validation_alias="GLOBAL_API_RATE_LIMIT_DURATION"
    )
    global_web_rate_limit_enable: bool = Field(
        True, validation_alias="GLOBAL_WEB_RATE_LIMIT_ENABLE"
    )
    global_web_rate_limit: int = Field(60, validation_alias="GLOBAL_WEB_RATE_LIMIT")
    global_web_rate_limit_duration: int = Field(
        180, validation_alias="GLOBAL_WEB_RATE_LIMIT_DURATION"
    )
    critical_rate_limit_enable: bool = Field(True, validation_alias="CRITICAL_RATE_LIMIT_ENABLE")
    critical_rate_limit: int = Field(20, validation_alias="CRITICAL_RATE_LIMIT")
    critical_rate_limit_duration: int = Field(1200, validation_alias="CRITICAL_RATE_LIMIT_DURATION")
    search_rate_limit_enable: bool = Field(True, validation_alias="SEARCH_RATE_LIMIT_ENABLE")
    search_rate_limit: int = Field(10, validation_alias="SEARCH_RATE_LIMIT")
    search_rate_limit_duration: int = Field(60, validation_alias="SEARCH_RATE_LIMIT_DURATION")
    turnstile_verify_url: str = Field(
        "https://challenges.cloudflare.com/turnstile/v0/siteverify",
        validation_alias="TURNSTILE_VERIFY_URL",
    )

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, value: str) -> str:
        if value not in {"master", "slave"}:
            raise ValueError("NODE_TYPE must be master or slave")
        return value

    def model_post_init(self, context: object, /) -> None:
        if self.environment == "production" and self.session_secret.get_secret_value() in {
            _DEV_SECRET,
            "random_string",
            "",
        }:
            raise ValueError("SESSION_SECRET must be set to a real secret in production")

    @property
    def is_master(self) -> bool:
        """Only the master node migrates and runs leader jobs (new-api's NODE_TYPE)."""
        return self.node_type == "master"

    @property
    def crypto_key(self) -> str:
        """Key for secrets at rest: CRYPTO_SECRET, falling back to SESSION_SECRET as new-api does."""
        secret = self.crypto_secret or self.session_secret
        return secret.get_secret_value()

    @property
    def database_url(self) -> str:
        """SQLAlchemy async URL for SQL_DSN (new-api's DSN forms accepted)."""
        return database_url(self.sql_dsn, self.sqlite_file)

    @property
    def sqlite_file(self) -> Path:
        """The SQLite file used when SQL_DSN is empty."""
        if self.sqlite_path:
            return Path(self.sqlite_path.split("?", 1)[0])
        return self.data_dir / "one-api.db"


def database_url(dsn: str, sqlite_file: Path) -> str:
    """Translate new-api's SQL_DSN forms to a SQLAlchemy async URL."""
    dsn = dsn.strip()
    if not dsn or dsn == "local":
        return f"sqlite+aiosqlite:///{sqlite_file}"
    if dsn.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(dsn)
        query = dict(parse_qsl(parts.query))
        sslmode = query.pop("sslmode", None)
        if sslmode and sslmode != "disable":
            query["ssl"] = sslmode
        return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(query), ""))
    if dsn.startswith("mysql://"):
        parts = urlsplit(dsn)
        return urlunsplit(("mysql+aiomysql", parts.netloc, parts.path, parts.query, ""))
    match = _MYSQL_GO_DSN.match(dsn)
    if match:
        user = quote(match["user"] or "", safe="")
        password = match["password"]
        auth = f"{user}:{quote(password, safe='')}" if password else user
        params = [
            (k, v) for k, v in parse_qsl(match["query"] or "") if k not in _MYSQL_GO_ONLY_PARAMS
        ]
        if not any(k == "charset" for k, _ in params):
            params.append(("charset", "utf8mb4"))
        return f"mysql+aiomysql://{auth}@{match['host']}/{match['db']}?{urlencode(params)}"
    if "://" in dsn:
        return dsn
    raise ValueError(f"unrecognised SQL_DSN form: {dsn.split('@')[-1]!r}")
