"""Shared fixtures and hypothesis settings profiles (``HYPOTHESIS_PROFILE=ci`` in CI)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from detainer_model import RuleLibrary, load_rules

settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lib() -> RuleLibrary:
    """The shipped rule library."""
    return load_rules()


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder."""
    return ROOT


# Parsed files are cached in a folder of this test run's, never in the user's cache folder; set
# before any test module is collected (some load rules and scenarios as they are collected), and
# seen by the commands tests run in subprocesses.
_PARSE_CACHE = tempfile.mkdtemp(prefix="detainer-model-test-cache-")
os.environ["DETAINER_MODEL_CACHE_DIR"] = _PARSE_CACHE
atexit.register(shutil.rmtree, _PARSE_CACHE, ignore_errors=True)
