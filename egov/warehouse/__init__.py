"""Warehouse access: embedded or configured PostgreSQL, the SQL-file helper, migrations."""
