"""Shared test plumbing.

In CI (`CI=true`) no test may skip: a skip is turned into a failure, so a missing system tool is
noticed instead of silently passing. Outside CI a test whose tool is missing skips with the reason.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Notebooks under fixtures/ are test data (a demo nbgrader course), not lessons for nbval to run.
collect_ignore_glob = ["fixtures/*"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def require_tool(name: str) -> str:
    """Return the path of a system tool; skip (outside CI) or fail (in CI) when it is missing."""
    path = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
    if path:
        return path
    reason = f"system tool {name!r} is not installed (`make test` installs it when run as root)"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium: Playwright cannot download browsers here."""
    require_tool(CHROMIUM)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    """The bin folder of the Python running the tests (nbgrader needs it on PATH for alembic)."""
    return Path(sys.executable).parent
