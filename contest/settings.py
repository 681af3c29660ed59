"""Settings, read once from environment variables (documented in README.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_LOCALES = ("vi", "en")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: start (or reuse) the embedded redis-server in data_dir
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    locale: str = "vi"
    # Seconds of inactivity, and seconds in all, after which a login ends.
    session_idle_seconds: int = 2 * 3600
    session_absolute_seconds: int = 12 * 3600
    # Personal data of contests closed longer than this is purged (anonymous statistics stay); 0: never.
    retention_days: int = 365
    # Cookies only over HTTPS; on in production behind TLS.
    secure_cookies: bool = False
    debug: bool = False

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("HOITHI_DATA_DIR", "data")).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        locale = env.get("HOITHI_LOCALE", "vi")
        retention_days = int(env.get("HOITHI_RETENTION_DAYS", "365"))
        if retention_days < 0:
            raise ValueError(f"HOITHI_RETENTION_DAYS must be 0 (never purge) or a number of days, not {retention_days}")
        if locale not in SUPPORTED_LOCALES:
            raise ValueError(f"HOITHI_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, not {locale!r}")
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'hoithi.sqlite3'}",
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY") or _stored_secret_key(data_dir),
            host=env.get("HOITHI_HOST", "127.0.0.1"),
            port=int(env.get("HOITHI_PORT", "8000")),
            locale=locale,
            retention_days=retention_days,
            secure_cookies=env.get("HOITHI_SECURE_COOKIES", "0") == "1",
            debug=env.get("HOITHI_DEBUG", "0") == "1",
        )


def _stored_secret_key(data_dir: Path) -> str:
    """A random key made on first run and kept in the data directory, so restarts keep sessions valid."""
    path = data_dir / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
