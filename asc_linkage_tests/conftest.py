"""Shared fixtures: one small demo home, built once per test session through the real CLI
(synthetic drops -> Dagster runs -> zones on disk), that the end-to-end tests read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SMALL_DEMO_PERSONS = 600
SMALL_DEMO_QUARTERS = "2025-Q1:2025-Q2"


def run_cli(*args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run `asc-linkage ...` in a fresh interpreter, as a user would."""
    full_env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "asc_linkage.cli", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO,
    )


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """A home after `asc-linkage demo` on a small synthetic borough (two quarters)."""
    home = tmp_path_factory.mktemp("demo_home")
    result = run_cli("demo", "--home", str(home), "--persons", str(SMALL_DEMO_PERSONS),
                     "--quarters", SMALL_DEMO_QUARTERS)
    assert result.returncode == 0, result.stderr[-3000:]
    _DEMO_RESULTS[home] = result
    return home


_DEMO_RESULTS: dict[Path, subprocess.CompletedProcess] = {}


@pytest.fixture(scope="session")
def demo_output(demo_home) -> tuple[Path, subprocess.CompletedProcess]:
    """The small demo's home with what `asc-linkage demo` printed, for tests of its messages."""
    return demo_home, _DEMO_RESULTS[demo_home]
