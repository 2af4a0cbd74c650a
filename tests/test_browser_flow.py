"""A learner's first minute in a real browser: open notebook 01 in JupyterLab, run it, press Next.

JupyterLab runs on loopback with a token in a temporary copy of notebooks/ (tests/labserver.py);
Playwright drives Debian's chromium. A screenshot of step 3 is kept in artifacts/screenshots/.
"""
from __future__ import annotations

import re

import pytest

from conftest import REPO, require_tool
from labserver import IDLE, lab_server, open_and_run_all

NOTEBOOK = "01-the-flow-step-by-step.ipynb"
SCREENSHOTS = REPO / "artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_open_run_and_step_notebook_01(page):
    require_tool("jupyter-lab")
    with lab_server(copy=[REPO / "notebooks" / NOTEBOOK]) as lab:
        open_and_run_all(page, lab, NOTEBOOK)
        first = page.locator(".slicelab-stepper").first
        first.locator(".slicelab-view-status").get_by_text("Step 0 of 12").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        next_button = first.get_by_role("button", name="Next")
        for _ in range(3):
            next_button.click()
        first.locator(".slicelab-view-status").get_by_text("Step 3 of 12").wait_for(timeout=15_000)
        tracker = page.locator(".slicelab-view-tracker").first
        tracker.get_by_text("▶ After Step 3").wait_for(timeout=15_000)
        tracker.scroll_into_view_if_needed()
        current = tracker.locator("td[aria-current=step]")
        assert current.count() == 3 and current.first.text_content() == "10.0.0.1, 10.0.0.2"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "notebook-01-step-3.png"))
        # Previous is a kernel round trip too: back to step 2, the tracker column follows
        first.get_by_role("button", name="Previous").click()
        tracker.get_by_text("▶ After Step 2").wait_for(timeout=15_000)
