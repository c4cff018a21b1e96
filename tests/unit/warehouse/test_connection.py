"""Behaviour of warehouse URL handling: masking and the psql-friendly form."""

from __future__ import annotations

from egov.warehouse.connection import libpq_url, mask_password


def test_a_password_is_masked() -> None:
    assert mask_password("postgresql+psycopg2://etl:s3cret@db:5432/egov") == (
        "postgresql+psycopg2://etl:***@db:5432/egov"
    )


def test_an_empty_password_is_not_shown_as_masked() -> None:
    masked = mask_password("postgresql://postgres:@/egov?host=/tmp/pg")
    assert masked.startswith("postgresql://postgres@/egov")
    assert "***" not in masked


def test_the_libpq_form_drops_the_driver_and_keeps_the_password() -> None:
    assert (
        libpq_url("postgresql+psycopg2://etl:s3cret@db/egov") == "postgresql://etl:s3cret@db/egov"
    )
