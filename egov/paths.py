"""Locations of the project's own files (SQL, migrations, reference data) inside the checkout."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
REFERENCE_DIR = PROJECT_ROOT / "reference"
METHODOLOGY_DIR = PROJECT_ROOT / "methodology"
