"""Prefect flows: wiring of typed parameters and task calls only."""
