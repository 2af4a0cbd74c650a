"""A learner pokes the playground of lesson 04 in a real browser, and answers a self-check.

JupyterLab runs on loopback with a token in a temporary copy of the lesson (tests/labserver.py, shared
with the other browser tests); Playwright drives Debian's chromium. Buttons are kernel round trips, so
every assertion waits for the page to show the new state. A screenshot is kept in artifacts/screenshots/.
"""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect

from conftest import REPO, require_tool
from labserver import IDLE, lab_server, open_and_run_all

NOTEBOOK = "04-endpointslices.ipynb"
SCREENSHOTS = REPO / "artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_playground_buttons_and_a_self_check(page):
    require_tool("jupyter-lab")
    with lab_server(copy=[REPO / "notebooks" / NOTEBOOK]) as lab:
        open_and_run_all(page, lab, NOTEBOOK, timeout_ms=90_000)
        play = page.locator(".slicelab-playground").first
        play.get_by_text("Event: add 6 Pods").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        play.scroll_into_view_if_needed()
        # 6 Pods, 4 per slice: two slices. One more Pod fits into the slice of 2.
        assert "Service shop has 2 EndpointSlices" in play.locator("figcaption").text_content()
        play.get_by_role("button", name="Add Pod").click()
        play.get_by_text("Event: add 1 Pod (shop-7)").wait_for(timeout=30_000)
        caption = play.locator("figcaption")
        expect(caption).to_contain_text("3 of 4 endpoints", timeout=30_000)  # widgets update one by one
        expect(caption).to_contain_text("Service shop has 2 EndpointSlices")
        expect(play.locator("pre").first).to_contain_text("UPDATE  EndpointSlice/")
        # flip readiness of the Pod chosen in the dropdown: the diagram says "not ready" in words
        play.get_by_role("button", name="Flip readiness").click()
        play.get_by_text(re.compile(r"Event: Pod shop-1 becomes NotReady")).wait_for(timeout=30_000)
        expect(caption).to_contain_text("1 not ready", timeout=30_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lesson-04-playground.png"))
        # the first self-check of the lesson: a short answer, feedback in words
        check = page.locator(".slicelab-selfcheck").first
        check.scroll_into_view_if_needed()
        check.get_by_role("textbox").fill("2")
        check.get_by_role("textbox").press("Enter")  # a Text widget syncs its value on Enter or blur
        check.get_by_role("button", name="Check").click()
        check.get_by_text("Not yet.").wait_for(timeout=30_000)
        check.get_by_role("button", name="Hint").click()
        check.get_by_text(re.compile("Count the slices")).wait_for(timeout=30_000)
        check.get_by_role("textbox").fill("1")
        check.get_by_role("textbox").press("Enter")
        check.get_by_role("button", name="Check").click()
        check.get_by_text("Correct.").wait_for(timeout=30_000)


def test_lesson_06_playground_shows_what_the_client_sees(page):
    require_tool("jupyter-lab")
    notebook = "06-clients.ipynb"
    with lab_server(copy=[REPO / "notebooks" / notebook]) as lab:
        open_and_run_all(page, lab, notebook, timeout_ms=90_000)
        play = page.locator(".slicelab-playground").last
        play.get_by_text("Event: add 3 Pods").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        play.scroll_into_view_if_needed()
        client = play.locator("pre", has_text="DNS:")
        expect(client).to_contain_text("DNS: api.default.svc.cluster.local ->")
        expect(client).to_contain_text(re.compile(r"Client: connect [\d.]+:80: connected to 10\.0\.0\.\d+:8080"))
        play.get_by_role("button", name="Start termination").click()  # the Pod in the dropdown: api-1
        play.get_by_text("Event: Pod api-1 starts terminating").wait_for(timeout=30_000)
        replicas = play.get_by_role("spinbutton", name="Replicas")
        replicas.fill("0")
        replicas.press("Enter")
        play.get_by_role("button", name="Scale").click()
        play.get_by_text(re.compile(r"Event: scale 3 → 0")).wait_for(timeout=30_000)
        expect(client).to_contain_text("connection refused (rejected: no endpoints)", timeout=30_000)
        expect(play.locator(".slicelab-event-line [role=status]")).to_have_count(1)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        play.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "lesson-06-playground-client.png"))


def test_lesson_08_zones_and_traffic_distribution(page):
    require_tool("jupyter-lab")
    notebook = "08-dual-stack-and-topology.ipynb"
    with lab_server(copy=[REPO / "notebooks" / notebook]) as lab:
        open_and_run_all(page, lab, notebook, timeout_ms=90_000)
        play = page.locator(".slicelab-playground").last
        play.get_by_text("Event: add 4 Pods").wait_for()
        page.get_by_text(IDLE).first.wait_for()
        play.scroll_into_view_if_needed()
        figure = play.locator("figure.slicelab-figure")
        expect(figure).to_contain_text("kube-proxy on node-1 in zone zone-a uses shop-1, shop-2, shop-3, shop-4.")
        play.get_by_role("combobox", name="trafficDistribution").select_option("PreferSameNode")
        play.get_by_text("Event: trafficDistribution → PreferSameNode").wait_for(timeout=30_000)
        expect(figure).to_contain_text("kube-proxy on node-1 in zone zone-a uses shop-1.", timeout=30_000)
        play.get_by_role("button", name="Flip readiness").click()  # shop-1, the first Pod: on node-1
        play.get_by_text("Event: Pod shop-1 becomes NotReady").wait_for(timeout=30_000)
        expect(figure).to_contain_text("kube-proxy on node-1 in zone zone-a uses shop-3.", timeout=30_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        figure.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "lesson-08-kube-proxy-per-node.png"))
