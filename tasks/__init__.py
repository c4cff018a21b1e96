"""Prefect tasks: thin wrappers over the plain functions in the egov package."""
