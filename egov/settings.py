"""Typed settings of the pipeline, from EGOV_* environment variables and an optional .env."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from egov.paths import METHODOLOGY_DIR, REFERENCE_DIR
from egov.sources.contract import EKC_FIRST_DAY, IRKUTSK

DEFAULT_METHODOLOGY_VERSION = "1.0"

# The simulator's listening ports and credentials; the defaults below point the connectors at it.
DEFAULT_EPGU_PORT = 8731
DEFAULT_EKC_PORT = 8732
SIMULATOR_EPGU_TOKEN = "simulator-epgu-token"  # noqa: S105 - accepted only by the simulator
SIMULATOR_EKC_USER = "ekc-export"
SIMULATOR_EKC_PASSWORD = "simulator-ekc-password"  # noqa: S105 - accepted only by the simulator


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
    methodology_version: str = Field(
        default=DEFAULT_METHODOLOGY_VERSION,
        description="Methodology version of the indicators: the file <methodology_dir>/<v>.yaml.",
    )
    methodology_dir: Path = Field(
        default=METHODOLOGY_DIR, description="Folder of the versioned methodology files."
    )

    clock: datetime | None = Field(
        default=None,
        description=(
            "Pretend it is this moment (ISO 8601 with offset) when fetching, judging due dates "
            "and snapshotting; unset = real time, or the simulated world's end while the "
            "connectors use the simulator's credentials (egov/clock.py)."
        ),
    )
    world_dir: Path | None = Field(
        default=None,
        description="Simulated world folder (`egov sources generate`); unset = <data_dir>/world.",
    )
    mfc_inbox: Path | None = Field(
        default=None, description="Inbox folder of the MFC daily CSV exports."
    )
    omsu_inbox: Path | None = Field(
        default=None, description="Inbox folder of the municipal monthly XLSX reports."
    )
    raw_dir: Path | None = Field(
        default=None, description="Content-addressed raw landing zone; unset = <data_dir>/raw."
    )
    data_docs_dir: Path | None = Field(
        default=None,
        description="Great Expectations Data Docs site; unset = <data_dir>/data-docs.",
    )
    epgu_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_EPGU_PORT}",
        description="Base URL of the ЕПГУ statistics API.",
    )
    epgu_token: SecretStr = Field(
        default=SecretStr(SIMULATOR_EPGU_TOKEN),
        description="Bearer token of the ЕПГУ API (default: the simulator's).",
    )
    epgu_page_limit: int = Field(
        default=5000, ge=1, le=5000, description="Items per ЕПГУ API page."
    )
    epgu_start_at: datetime = Field(
        default=datetime(2023, 1, 1, tzinfo=IRKUTSK),
        description="Where the ЕПГУ high-water mark starts when nothing was fetched yet.",
    )
    ekc_start_day: date = Field(
        default=EKC_FIRST_DAY,
        description="First ЕКЦ day to request when nothing was fetched yet.",
    )
    ekc_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_EKC_PORT}",
        description="Base URL of the ЕКЦ contact-centre platform.",
    )
    ekc_user: SecretStr = Field(
        default=SecretStr(SIMULATOR_EKC_USER), description="ЕКЦ basic-auth user."
    )
    ekc_password: SecretStr = Field(
        default=SecretStr(SIMULATOR_EKC_PASSWORD), description="ЕКЦ basic-auth password."
    )
    http_timeout_sec: float = Field(
        default=30.0, gt=0, description="Connect/read timeout of one source HTTP request."
    )
    http_max_attempts: int = Field(
        default=6, ge=1, description="Attempts per source HTTP request before the run fails."
    )
    http_backoff_base_sec: float = Field(
        default=1.0, ge=0, description="First retry delay; doubles per attempt, with jitter."
    )
    http_backoff_cap_sec: float = Field(
        default=60.0, ge=0, description="Longest single retry delay (Retry-After included)."
    )
    dask_address: str | None = Field(
        default=None,
        description=(
            "Dask scheduler (tcp://host:8786) the loading flows spread their chunks over; "
            "unset = one chunk at a time in the flow's process."
        ),
    )

    @property
    def resolved_world_dir(self) -> Path:
        """Folder of the simulated world."""
        return self.world_dir or self.data_dir / "world"

    @property
    def resolved_mfc_inbox(self) -> Path:
        """Folder the MFC connector scans."""
        return self.mfc_inbox or self.resolved_world_dir / "inbox" / "mfc"

    @property
    def resolved_omsu_inbox(self) -> Path:
        """Folder the OMSU connector scans."""
        return self.omsu_inbox or self.resolved_world_dir / "inbox" / "omsu"

    @property
    def resolved_raw_dir(self) -> Path:
        """Root of the content-addressed raw landing zone."""
        return self.raw_dir or self.data_dir / "raw"

    @property
    def resolved_data_docs_dir(self) -> Path:
        """Folder of the Data Docs site the quality gate builds."""
        return self.data_docs_dir or self.data_dir / "data-docs"

    @property
    def embedded_pgdata_dir(self) -> Path:
        """Data folder of the embedded PostgreSQL server."""
        return self.data_dir / "warehouse-pgdata"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached; tests clear the cache when they change the environment)."""
    return Settings()
