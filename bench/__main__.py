"""`python -m bench`: the whole benchmark in one run (bench/suite.py; `--help` for options)."""

from bench.suite import main

if __name__ == "__main__":  # spawned child processes must not start the benchmark again
    raise SystemExit(main())
