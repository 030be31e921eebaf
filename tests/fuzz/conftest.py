"""The fuzzing runs when asked for (`make fuzz`, `pytest tests/fuzz`, or CASEWORK_FUZZ=1).

It sends thousands of generated requests (a minute or two), so `make test`, which CI runs
on each database, leaves it to its own CI step rather than running it twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent.resolve()


def _asked_for(config) -> bool:
    if os.environ.get("CASEWORK_FUZZ") == "1":
        return True
    targets = (Path(arg.split("::")[0]).resolve() for arg in config.args)
    return any(target == HERE or HERE in target.parents for target in targets)


def pytest_collection_modifyitems(config, items):
    if _asked_for(config):
        return
    skip = pytest.mark.skip(reason="the API fuzzing runs with `make fuzz` (or pytest tests/fuzz)")
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(skip)
