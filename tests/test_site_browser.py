"""The course in a browser, with no server and no network: the site `make site` builds, in Debian's chromium.

The site is served on 127.0.0.1 by a plain static file server. Every request for another host is refused
and counted twice over: the page's and its workers' requests are intercepted (and aborted), and the browser
is pointed at a proxy on 127.0.0.1 that refuses and records whatever reaches the network by any other way.
The site must attempt none; Chromium's own background services (Google account and component-update checks,
which it makes on about:blank too) are recorded separately and may be nothing else.

Each lesson runs top to bottom with no error output; lesson 01's Next steps the story, lesson 04's
playground redraws on a click and its self-check answers, lesson 07 shows its plots, an edit survives a
reload. Screenshots of lessons 01 and 07 go to artifacts/screenshots/.
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, CHROMIUM_ARGS, IN_CI, REPO, require_tool

sys.path.insert(0, str(REPO / "site"))
from browse import IDLE, LOOPBACK, OfflineGuard, close_all_tabs, open_notebook, run_all, serve  # noqa: E402

SITE = REPO / "build" / "site"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("0[0-9]-*.ipynb"))
# What Chromium itself asks for on any page, about:blank included (sign-in, component updates, autofill
# field types); refused like everything else, but not the site's doing.
BROWSER_OWN = {"accounts.google.com", "update.googleapis.com", "content-autofill.googleapis.com",
               "clients2.google.com", "optimizationguide-pa.googleapis.com"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Visit:
    url: str
    context: object
    guard: OfflineGuard
    blocked: list[str] = field(default_factory=list)

    def page(self):
        page = self.context.new_page()
        page.set_default_timeout(120_000)
        return page


@pytest.fixture(scope="module")
def visit(playwright):
    require_tool(CHROMIUM)
    if not (SITE / "index.html").exists():
        reason = "build/site is missing: `make site` (or `make test-setup`) builds it"
        pytest.fail(reason) if IN_CI else pytest.skip(reason)
    with serve(SITE) as url, OfflineGuard() as guard:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *guard.chromium_args])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        result = Visit(url, context, guard)

        def only_loopback(route):
            if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                result.blocked.append(route.request.url)
                route.abort("blockedbyclient")
        context.route("**/*", only_loopback)
        guard.watch(context)
        yield result
        context.close()
        browser.close()


def check_00(page):
    report = page.locator(".jp-OutputArea-output", has_text="Graphviz (draws the diagrams)").first
    expect(report).to_contain_text("All set: the course runs in JupyterLite in this browser tab.")
    expect(report).to_contain_text("viz.js")
    assert "✗" not in report.inner_text()
    assert page.locator(".jp-OutputArea-output[data-mime-type='image/svg+xml']").count() >= 1, "the diagram"
    check = page.locator(".slicelab-selfcheck").first
    check.scroll_into_view_if_needed()
    check.get_by_text("1", exact=True).click()
    check.get_by_role("button", name="Check").click()
    check.get_by_text("Correct.").wait_for(timeout=30_000)


def check_01(page):
    controls = page.locator(".slicelab-stepper-controls").first  # the seed's one set of controls
    status = controls.locator(".slicelab-view-status")
    status.get_by_text("Step 0 of 12").wait_for()
    flow = page.locator(".slicelab-flow svg")
    assert flow.count() >= 1 and "Service" in flow.first.text_content(), "the flow diagram is drawn by viz.js"
    next_button = controls.get_by_role("button", name="Next")
    for _ in range(3):
        next_button.click()
    status.get_by_text("Step 3 of 12").wait_for(timeout=30_000)
    tracker = page.locator(".slicelab-view-tracker").first
    tracker.get_by_text("▶ After Step 3").wait_for(timeout=30_000)
    tracker.scroll_into_view_if_needed()
    current = tracker.locator("td[aria-current=step]")
    assert current.count() == 3 and current.first.text_content() == "10.0.0.1, 10.0.0.2"
    page.locator(".slicelab-flow").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "site-lesson-01-step-3.png"))


def check_04(page):
    play = page.locator(".slicelab-playground").first
    play.get_by_text("Event: add 6 Pods").wait_for()
    play.scroll_into_view_if_needed()
    play.get_by_role("button", name="Add Pod").click()
    play.get_by_text("Event: add 1 Pod (shop-7)").wait_for(timeout=30_000)
    expect(play.locator("figcaption")).to_contain_text("3 of 4 endpoints", timeout=30_000)
    assert play.locator("svg").count() >= 1, "the packing diagram is redrawn"
    check = page.locator(".slicelab-selfcheck").first
    check.scroll_into_view_if_needed()
    check.get_by_role("textbox").fill("2")
    check.get_by_role("textbox").press("Enter")
    check.get_by_role("button", name="Check").click()
    check.get_by_text("Not yet.").wait_for(timeout=30_000)


def check_07(page):
    plots = page.locator(".slicelab-plot img")
    expect(plots).to_have_count(3, timeout=30_000)  # the line, the grid, the chart under the sliders
    for i in range(3):
        img = plots.nth(i)
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"plot {i} did not decode"
        assert "B per endpoint" in img.get_attribute("alt")
    plots.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "site-lesson-07-plots.png"))
    sliders = page.locator(".widget-slider", has_text="Pods")
    sliders.first.scroll_into_view_if_needed()
    before = plots.nth(2).get_attribute("alt")
    sliders.first.locator(".noUi-handle").press("ArrowLeft")  # one step of a log slider: fewer Pods
    expect(plots.nth(2)).not_to_have_attribute("alt", before, timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "site-lesson-07-sliders.png"))


CHECKS = {"00": check_00, "01": check_01, "04": check_04, "07": check_07}


@pytest.mark.parametrize("lesson", LESSONS, ids=[name[:2] for name in LESSONS])
def test_lesson_runs_top_to_bottom_in_the_browser(visit, lesson):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = visit.page()
    try:
        open_notebook(page, visit.url, lesson)
        problems = run_all(page)
        assert problems == [], f"{lesson}: {problems[0][-3000:]}"
        page.get_by_text(IDLE).first.wait_for()
        if lesson[:2] in CHECKS:
            CHECKS[lesson[:2]](page)
        close_all_tabs(page)
    finally:
        page.close()


def test_the_learners_edits_survive_a_reload(visit):
    page = visit.page()
    try:
        open_notebook(page, visit.url, LESSONS[0])
        note = f"# my note {time.time_ns()}"
        editor = page.locator(".jp-Notebook .jp-CodeCell .cm-content").first
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.type(f"\n{note}")
        page.keyboard.press("Control+s")
        try:
            expect(page.locator(".lm-DockPanel-tabBar .jp-mod-dirty")).to_have_count(0, timeout=30_000)
        except AssertionError:
            page.screenshot(path=str(SCREENSHOTS / "site-edit-not-saved.png"))
            raise
        page.reload()
        page.get_by_text(IDLE).first.wait_for()
        expect(page.locator(".jp-Notebook .jp-CodeCell .cm-content").first).to_contain_text(note)
        close_all_tabs(page)
    finally:
        page.close()


def test_no_request_left_the_loopback_address(visit):
    """Runs last: everything above attempted nothing outside 127.0.0.1 (count printed for the record)."""
    site_attempts = visit.blocked + [url for how, url in visit.guard.attempts if how == "request"]
    proxied = [line for how, line in visit.guard.attempts if how == "proxy"]
    hosts = {re.split(r"[ :/]", re.sub(r"^\w+ (https?://)?", "", line), maxsplit=1)[0] for line in proxied}
    print(f"\nrequests outside the loopback address: by the site {len(site_attempts)}; by Chromium's own "
          f"background services {len(proxied)} ({', '.join(sorted(hosts)) or 'none'}), all refused")
    assert site_attempts == []
    assert hosts <= BROWSER_OWN, f"something other than Chromium's own services went for {hosts - BROWSER_OWN}"
