"""Hypothesis settings of the property tests: reproducible runs, nothing written to the repo.

Importing this module registers two profiles and loads one:
- `egov` (default): `derandomize=True`, so the same command draws the same examples and a CI
  failure fails the same way locally. Hypothesis also mixes in constants it finds in the
  imported project modules, so one file alone and the whole suite may draw different
  examples; each is still the same from run to run.
- `egov-explore` (`EGOV_HYPOTHESIS_PROFILE=egov-explore`): fresh random examples on every run,
  to hunt for new counterexamples locally.

Both use `database=None` (no example database) and `deadline=None`: a slow CI machine must not
turn a correct example into a failure (no timed assertions). Hypothesis still keeps caches
(Unicode tables, harvested constants) on disk; they go to a folder under the system temp
directory instead of `.hypothesis/` in the working tree, unless HYPOTHESIS_STORAGE_DIRECTORY
says where. Each test sets its own `max_examples` so the whole set stays well under a minute.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

PROFILE = "egov"
EXPLORE_PROFILE = "egov-explore"

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "egov-hypothesis")

settings.register_profile(PROFILE, derandomize=True, database=None, deadline=None)
settings.register_profile(EXPLORE_PROFILE, derandomize=False, database=None, deadline=None)
settings.load_profile(os.environ.get("EGOV_HYPOTHESIS_PROFILE", PROFILE))
