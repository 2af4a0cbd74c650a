"""A learner's first minute in a real browser: open notebook 01 in JupyterLab, run it, press Play and Next.

JupyterLab runs on loopback with a token in a temporary copy of notebooks/ (tests/labserver.py);
Playwright drives Debian's chromium. Screenshots are kept in artifacts/screenshots/.
"""
from __future__ import annotations

import pytest

from playwright.sync_api import expect

from conftest import REPO, require_tool
from labserver import IDLE, lab_server, open_and_run_all

NOTEBOOK = "01-the-flow-step-by-step.ipynb"
SCREENSHOTS = REPO / "artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_open_run_play_and_step_notebook_01(page):
    require_tool("jupyter-lab")
    with lab_server(copy=[REPO / "notebooks" / NOTEBOOK]) as lab:
        open_and_run_all(page, lab, NOTEBOOK)
        controls = page.locator(".slicelab-stepper-controls").first
        status = controls.locator(".slicelab-view-status")
        status.get_by_text("Step 0 of 12").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        # one set of controls for the seed's stepper: the sections only follow it
        sections = page.locator(".slicelab-stepper-view")
        expect(sections).to_have_count(5)
        assert sections.locator(".widget-play, button").count() == 0
        # Play runs in the browser (a timer every 1.5 s) and keeps going: step 4 after a few seconds
        controls.scroll_into_view_if_needed()
        controls.locator(".widget-play button").first.click()
        status.get_by_text("Step 4 of 12").wait_for(timeout=15_000)
        tracker = page.locator(".slicelab-view-tracker").first
        expect(tracker).to_contain_text("After Step 4")
        controls.locator(".widget-play button").first.click()  # the same button pauses
        stopped_at = int(controls.locator(".widget-readout").inner_text())
        assert 4 <= stopped_at <= 6, stopped_at
        # Next and Previous are kernel round trips; the tracker section follows them
        controls.get_by_role("button", name="Previous").click()
        status.get_by_text(f"Step {stopped_at - 1} of 12").wait_for(timeout=15_000)
        for _ in range(stopped_at - 1):
            controls.get_by_role("button", name="Previous").click()
        status.get_by_text("Step 0 of 12").wait_for(timeout=15_000)
        previous = controls.get_by_role("button", name="Previous")
        previous.focus()
        previous.click()  # at step 0: nothing to do, and focus stays on the button
        expect(previous).to_be_focused()
        expect(previous).to_be_enabled()
        next_button = controls.get_by_role("button", name="Next")
        for _ in range(3):
            next_button.click()
        status.get_by_text("Step 3 of 12").wait_for(timeout=15_000)
        tracker.get_by_text("▶ After Step 3").wait_for(timeout=15_000)
        where = page.locator(".slicelab-stepper-view .slicelab-where").last
        expect(where).to_contain_text("step 3 of 12")
        tracker.scroll_into_view_if_needed()
        current = tracker.locator("td[aria-current=step]")
        assert current.count() == 3 and current.first.text_content() == "10.0.0.1, 10.0.0.2"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "notebook-01-step-3.png"))
        controls.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "notebook-01-controls.png"))
        # the kernel-only controls are shown in JupyterLab; the export-only notes are not
        assert page.locator(".widget-subarea").count() == 0
        expect(next_button).to_be_visible()
        expect(page.locator(".slicelab-export-only").first).to_be_hidden()
