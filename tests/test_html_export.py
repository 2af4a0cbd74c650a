"""Notebook 01 executes headless, and its HTML export steps through the frames without a kernel.

The export is made with nbconvert's lab template and the widget state nbclient saved; the widget
renderer and RequireJS come from build/assets (mk/assets.mk) over http://127.0.0.1 — every other
request is refused, so a page that needs a CDN fails here.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from urllib.parse import urlparse

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from playwright.sync_api import expect

from conftest import IN_CI, REPO

NOTEBOOK = REPO / "notebooks" / "01-the-flow-step-by-step.ipynb"
ASSETS = REPO / "build" / "assets" / "node_modules"
RENDERER = "@jupyter-widgets/html-manager/dist/embed-amd.js"
REQUIREJS = "requirejs/require.js"
SCREENSHOTS = REPO / "artifacts" / "screenshots"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Notebook 01 executed once in a fresh kernel, widget state stored (as `make test` would)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cwd = tmp_path_factory.mktemp("nb01")
    NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def test_notebook_executes_headless_without_errors_or_warnings(executed):
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"{out.ename}: {out.evalue}\nin cell:\n{cell.source}"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"stderr: {out.text}\nin:\n{cell.source}"
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {m["model_name"] for m in state.values()}
    assert {"StackModel", "IntSliderModel", "PlayModel", "LinkModel", "HTMLModel"} <= models


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 10


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def served(executed, tmp_path_factory):
    """The exported page and the local assets on a loopback HTTP server; yields the page URL."""
    if not (ASSETS / RENDERER).exists() or not (ASSETS / REQUIREJS).exists():
        reason = "build/assets is missing: run `make -f mk/assets.mk` (make test does)"
        pytest.fail(reason) if IN_CI else pytest.skip(reason)
    root = tmp_path_factory.mktemp("export")
    for entry in ASSETS.iterdir():  # at the root: the renderer loads its icon fonts from /@jupyter-widgets/
        os.symlink(entry, root / entry.name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    exporter = HTMLExporter(template_name="lab", widget_renderer_url=f"{base}/{RENDERER}",
                            require_js_url=f"{base}/{REQUIREJS}", mathjax_url="")
    body, _ = exporter.from_notebook_node(executed)
    assert "cdn" not in re.sub(r"//[^\n]*", "", "".join(re.findall(r"<script[^>]*src=[^>]*>", body))).lower()
    (root / "index.html").write_text(body, encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/index.html"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_exported_page_steps_without_a_kernel(served, page):
    outside: list[str] = []

    def only_loopback(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(served)
    stepper = page.locator(".slicelab-stepper-controls").first
    status = stepper.locator(".slicelab-view-status")
    status.get_by_text("Step 0 of 12").wait_for(timeout=30_000)
    handle = stepper.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    status.get_by_text("Step 3 of 12").wait_for(timeout=10_000)
    # the other sections (same models, linked in the page) moved too
    tracker = page.locator(".slicelab-view-tracker").first
    assert "▶ After Step 3" in tracker.inner_text()
    assert "10.0.0.1, 10.0.0.2" in tracker.inner_text()
    assert "Endpoints list IPs: 10.0.0.1, 10.0.0.2" in page.locator(".slicelab-view-process").first.inner_text()
    assert "Showing step 3 of 12" in page.locator(".slicelab-stepper-view .slicelab-where").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tracker.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "html-export-step-3.png"))
    # Play is a timer in the page: it steps on without a kernel
    stepper.locator(".widget-play button").first.click()
    status.get_by_text("Step 5 of 12").wait_for(timeout=10_000)
    stepper.locator(".widget-play button").first.click()
    assert not [u for u in outside if RENDERER in u or "require" in u]


@pytest.mark.browser
def test_exported_page_has_no_dead_buttons(served, page):
    """Previous, Next, Check and Hint need a kernel: the export hides them and says how to use them."""
    page.goto(served)
    page.locator(".slicelab-stepper-controls .slicelab-view-status").first.get_by_text(
        "Step 0 of 12").wait_for(timeout=30_000)
    assert page.locator(".widget-subarea").count() > 0  # how the export's renderer wraps each widget
    for name in ("Previous", "Next", "Check", "Hint"):
        buttons = page.get_by_role("button", name=name, exact=True)
        assert buttons.count() == 0, f"{buttons.count()} visible {name} buttons in a page without a kernel"
    checks = page.locator(".slicelab-selfcheck")
    assert checks.count() >= 4
    for i in range(checks.count()):
        expect(checks.nth(i).get_by_text("Run this notebook to check your answer")).to_be_visible()
    buttons = page.locator("button:visible")
    labels = {(b.get_attribute("title") or b.inner_text()).strip() for b in buttons.all()}
    assert buttons.count() > 0 and all("Play" in l or l in ("", "Stop") for l in labels), labels
    checks.first.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "html-export-self-check.png"))
