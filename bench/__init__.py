"""Benchmarks of the project's heavy jobs (run as `python -m bench.<name>`)."""
