"""`make lab` as a learner meets it in a real browser: their own copy of a lesson, no nbgrader authoring
tools, no news question, and wide printed tables that scroll sideways instead of wrapping mid-word.

`make lab` runs headless with a temporary working copy (LEARNER_DIR) and a fresh JupyterLab settings
folder, the way a learner's first run starts; Playwright drives Debian's chromium.
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from conftest import REPO, require_tool
from labserver import IDLE, make_server, open_and_run_all

SCREENSHOTS = REPO / "artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_learners_jupyterlab(page, tmp_path):
    require_tool("make")
    env = {"JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    with make_server("lab", tmp_path, env=env, LEARNER_DIR=str(tmp_path / "mine")) as lab:
        page.set_viewport_size({"width": 1100, "height": 800})
        open_and_run_all(page, lab, "01-the-flow-step-by-step.ipynb", timeout_ms=90_000)
        page.locator(".slicelab-stepper-controls").first.get_by_text("Step 0 of 12").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        # no nbgrader authoring tools: no Create Assignment panel, no Nbgrader menu, no Validate button
        expect(page.get_by_role("menuitem", name="Run", exact=True)).to_be_visible()
        assert page.get_by_role("menuitem", name=re.compile("nbgrader", re.I)).count() == 0
        assert page.get_by_text("Create Assignment").count() == 0
        assert page.get_by_role("button", name="Validate").count() == 0
        # no "Would you like to get notified about official Jupyter news?" toast
        time.sleep(2)
        assert page.get_by_text(re.compile("official Jupyter news")).count() == 0
        # the printed status tracker (160 characters wide) keeps one line per row and scrolls
        tracker = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout'] pre",
                               has_text="Pods with label app=web").first
        tracker.scroll_into_view_if_needed()
        expect(tracker).to_be_visible()
        lines = tracker.text_content().rstrip("\n").split("\n")
        assert len(lines) == 5 and lines[0].lstrip().startswith("Variable") and lines[0].rstrip().endswith("Final")
        box = tracker.evaluate("e => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().height,"
                               " parseFloat(getComputedStyle(e).lineHeight), getComputedStyle(e).whiteSpace]")
        scroll_width, width, height, line_height, white_space = box
        assert white_space == "pre" and scroll_width > width, box      # wider than the page: it scrolls
        assert height < 7 * line_height, box                            # five lines stay five lines
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "make-lab-learner.png"))
    assert (tmp_path / "mine" / "01-the-flow-step-by-step.ipynb").exists()
