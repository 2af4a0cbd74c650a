"""What the browser site costs a learner: prints figures, never passes or fails.

    make site && python benchmarks/site.py

Measured in one run, in Debian's chromium, on the site in build/site served from 127.0.0.1 (every other
host refused and counted, see site/browse.py):
- the site's size, and the bytes a cold visit downloads until lesson 00 has run top to bottom;
- page load to lesson 00's first output, with a cold and with a warm browser cache (goals: 15 s, 5 s),
  beside a baseline from the same run: bare Pyodide (no JupyterLab, no packages) booting in a blank page;
- a step redraw in lesson 01: slider key press to the next frame after `Step N of 12` changed (the
  stepper's views follow the slider in the browser; goal under 50 ms), and for comparison a press of
  Next, which goes through the Python kernel in its web worker.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "build" / "site"
sys.path.insert(0, str(REPO / "site"))
from browse import IDLE, OfflineGuard, close_all_tabs, open_notebook, run_all  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _Counting(http.server.SimpleHTTPRequestHandler):
    """Serves the site and adds up the bytes of every body it sends (a 304 sends none)."""
    sent = 0
    lock = threading.Lock()

    def copyfile(self, source, outputfile):
        size = os.fstat(source.fileno()).st_size
        with _Counting.lock:
            _Counting.sent += size
        super().copyfile(source, outputfile)

    def log_message(self, *args):
        pass


@contextmanager
def counting_server(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Counting, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def first_output(page, url: str, notebook: str) -> dict:
    """Seconds from navigation to: the kernel idle, lesson's first output; then until every cell ran."""
    start = time.monotonic()
    open_notebook(page, url, notebook)
    idle = time.monotonic() - start
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").first.wait_for()
    output = time.monotonic() - start
    problems = run_all_rest(page)
    return {"idle": idle, "output": output, "done": time.monotonic() - start, "problems": problems}


def run_all_rest(page) -> list[str]:
    from browse import ALL_RUN, PROBLEMS
    deadline = time.monotonic() + 180
    while not page.evaluate(ALL_RUN) and time.monotonic() < deadline:
        if page.locator(PROBLEMS).count():
            break
        time.sleep(0.1)
    return page.locator(PROBLEMS).all_inner_texts()


def bare_pyodide(page, url: str) -> float:
    """Baseline: seconds for Pyodide alone to boot and answer, imported in a blank page of the same site."""
    page.goto(f"{url}jupyter-lite.json")
    return page.evaluate("""async (root) => {
        const t0 = performance.now();
        const { loadPyodide } = await import(root + 'static/pyodide/pyodide.mjs');
        const py = await loadPyodide({ indexURL: root + 'static/pyodide/' });
        py.runPython('1 + 1');
        return (performance.now() - t0) / 1000; }""", url)


def redraws(page, url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Lesson 01: milliseconds from a slider key press, and from a click on Next, to the next frame after
    the `Step N of 12` line changed."""
    open_notebook(page, url, "01-the-flow-step-by-step.ipynb")
    run_all(page)
    page.get_by_text(IDLE).first.wait_for()
    first = page.locator(".slicelab-stepper-controls").first  # the seed's one set of controls
    first.get_by_text("Step 0 of 12").wait_for()
    page.evaluate("""() => {
      const mark = () => { window.__t0 = performance.now(); };
      document.addEventListener('keydown', mark, true);
      document.addEventListener('mousedown', mark, true);
      const status = document.querySelector('.slicelab-view-status');  // the seed's, first on the page
      new MutationObserver(() => requestAnimationFrame(() => { window.__t1 = performance.now(); }))
        .observe(status, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")

    def timed(action) -> float:
        page.evaluate("() => { window.__t1 = null; }")
        action()
        page.wait_for_function("() => window.__t1 !== null", timeout=30_000)
        return page.evaluate("() => window.__t1 - window.__t0")

    handle = first.locator(".noUi-handle").first
    handle.focus()
    slider = [timed(lambda i=i: handle.press("ArrowRight" if (i // 12) % 2 == 0 else "ArrowLeft"))
              for i in range(rounds)]
    next_button, previous = first.get_by_role("button", name="Next"), first.get_by_role("button", name="Previous")
    clicks = []
    for i in range(min(rounds, 24)):
        button = next_button if (i // 6) % 2 == 0 else previous
        clicks.append(timed(button.click))
    return slider, clicks


def median(values) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=48, help="slider steps to time (default 48)")
    args = parser.parse_args(argv)
    if not (SITE / "index.html").exists():
        print("site: build/site is missing; run `make site` first")
        return 1
    from playwright.sync_api import sync_playwright

    files = [p for p in SITE.rglob("*") if p.is_file()]
    print(f"site size                          {sum(p.stat().st_size for p in files) / 1e6:8.1f} MB in "
          f"{len(files)} files")
    with counting_server(SITE) as url, OfflineGuard() as guard, sync_playwright() as p:
        def fresh_browser(profile: str):
            # A profile on disk, as a learner's browser has: an incognito context keeps its HTTP cache in
            # memory and drops Pyodide's 9.6 MB WebAssembly file, so a warm visit would fetch it again.
            context = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium",
                                                           args=[*CHROMIUM_ARGS, *guard.chromium_args],
                                                           viewport={"width": 1280, "height": 900})
            guard.watch(context)
            return context

        with tempfile.TemporaryDirectory(prefix="slicelab-profile-") as profile:
            context = fresh_browser(profile)
            baseline_cold = bare_pyodide(context.new_page(), url)
            baseline_warm = bare_pyodide(context.new_page(), url)
            context.close()
        with tempfile.TemporaryDirectory(prefix="slicelab-profile-") as profile:
            context = fresh_browser(profile)
            _Counting.sent = 0
            page = context.new_page()
            cold = first_output(page, url, "00-start-here.ipynb")
            cold_bytes = _Counting.sent
            close_all_tabs(page)
            page.close()
            _Counting.sent = 0
            page = context.new_page()
            warm = first_output(page, url, "00-start-here.ipynb")
            warm_bytes = _Counting.sent
            close_all_tabs(page)
            page.close()
            slider, clicks = redraws(context.new_page(), url, args.rounds)
            context.close()
    site_attempts = [a for a in guard.attempts if a[0] == "request"]
    print(f"cold visit downloads               {cold_bytes / 1e6:8.1f} MB   (warm visit: {warm_bytes / 1e6:.1f} MB)")
    for name, run, base in (("cold", cold, baseline_cold), ("warm", warm, baseline_warm)):
        goal = 15 if name == "cold" else 5
        print(f"{name}: page load to first output    {run['output']:8.1f} s    (goal < {goal} s; kernel idle "
              f"after {run['idle']:.1f} s, lesson 00 done after {run['done']:.1f} s; "
              f"{len(run['problems'])} error outputs)")
        print(f"{name}: baseline, bare Pyodide boot  {base:8.1f} s    ratio first output / baseline "
              f"{run['output'] / base:.1f}x")
    print(f"step redraw, slider (in browser)   median {median(slider):6.1f} ms   max {max(slider):.1f} ms over "
          f"{len(slider)} steps   (goal < 50 ms)")
    print(f"step redraw, Next (kernel trip)    median {median(clicks):6.1f} ms   max {max(clicks):.1f} ms over "
          f"{len(clicks)} clicks   ratio to slider {median(clicks) / median(slider):.1f}x")
    print(f"requests outside 127.0.0.1         {len(site_attempts)} by the site; "
          f"{len(guard.attempts) - len(site_attempts)} by Chromium's own services (all refused)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
