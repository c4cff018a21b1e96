"""Behaviour of the typed settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.paths import REFERENCE_DIR
from egov.settings import Settings


def test_defaults_use_the_embedded_warehouse_and_the_repository_reference_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EGOV_WAREHOUSE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = Settings()
    assert settings.warehouse_url is None
    assert settings.reference_dir == REFERENCE_DIR
    assert settings.embedded_pgdata_dir.parent == settings.data_dir


def test_the_warehouse_password_never_shows_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_WAREHOUSE_URL", "postgresql://etl:s3cret@db/egov")
    settings = Settings()
    assert "s3cret" not in repr(settings)
    assert settings.warehouse_url is not None
    assert settings.warehouse_url.get_secret_value().endswith("s3cret@db/egov")


def test_env_example_documents_every_setting() -> None:
    documented = Path(".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"EGOV_{name.upper()}" in documented


def test_one_world_setting_points_both_inboxes_into_the_generated_world(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EGOV_WORLD_DIR", str(tmp_path / "world"))
    monkeypatch.delenv("EGOV_MFC_INBOX", raising=False)
    monkeypatch.delenv("EGOV_OMSU_INBOX", raising=False)
    settings = Settings()
    assert settings.resolved_mfc_inbox == tmp_path / "world" / "inbox" / "mfc"
    assert settings.resolved_omsu_inbox == tmp_path / "world" / "inbox" / "omsu"


def test_source_secrets_never_show_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_EPGU_TOKEN", "tok-9f8e7d")
    monkeypatch.setenv("EGOV_EKC_PASSWORD", "pw-1a2b3c")
    settings = Settings()
    assert "tok-9f8e7d" not in repr(settings)
    assert "pw-1a2b3c" not in repr(settings)
    assert settings.epgu_token.get_secret_value() == "tok-9f8e7d"
