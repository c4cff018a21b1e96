"""Typed settings of the pipeline, from EGOV_* environment variables and an optional .env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from egov.paths import REFERENCE_DIR


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("egov-indicators", appauthor=False))


class Settings(BaseSettings):
    """Every key is documented in .env.example; secrets are SecretStr so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="EGOV_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    warehouse_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy/libpq URL of a PostgreSQL 14+ warehouse; unset = embedded server.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the embedded warehouse and other local state.",
    )
    reference_dir: Path = Field(
        default=REFERENCE_DIR,
        description="Folder with the reference data files (municipalities, services, plan).",
    )

    @property
    def embedded_pgdata_dir(self) -> Path:
        """Data folder of the embedded PostgreSQL server."""
        return self.data_dir / "warehouse-pgdata"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached; tests clear the cache when they change the environment)."""
    return Settings()
