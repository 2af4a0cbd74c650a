"""How fast the Stepper moves: prints figures, never passes or fails.

    python benchmarks/stepper.py            # kernel side: replay, pre-render, step change
    python benchmarks/stepper.py --browser  # also the redraw in chromium, on notebook 01's HTML export

A step change only flips the `selected_index` of pre-rendered Stacks. The baseline, measured in the same
run, is what a naive stepper would do instead: render every view of the new step on each change. The
browser figure is the time from the key press on the slider to the next animation frame after the
`Step N of 12` line changed, in the exported page (no kernel); goal: under 50 ms.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "build" / "assets" / "node_modules"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def timed(fn, repeat: int = 1) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def kernel_side(rounds: int) -> None:
    from slicelab.scenario import load_scenario
    from slicelab.widgets.stepper import VIEWS, Stepper, render_view
    from slicelab.views import diagrams, flow

    replay = timed(lambda: load_scenario("seed").replay(), 5)
    timeline = load_scenario("seed").replay()
    flow._svg.cache_clear()      # a cold build: no drawing cached from an earlier Stepper
    diagrams._svg.cache_clear()
    build = timed(lambda: Stepper(timeline), 1)
    stepper = Stepper(timeline)
    steps = [(i * 5) % 13 for i in range(1, rounds + 1)]   # jumps around, never the same step twice
    change = [timed(lambda s=s: stepper.go(s))[0] for s in steps]
    naive = [timed(lambda s=s: [render_view(timeline, v, s) for v in VIEWS])[0] for s in steps[: max(5, rounds // 10)]]
    print(f"replay of the seed (12 steps)       median {statistics.median(replay):8.2f} ms")
    print(f"Stepper build (13 frames x {len(VIEWS)} views) once   {build[0]:8.1f} ms")
    print(f"step change (flip {len(stepper.panels)} stacks)        median {statistics.median(change):8.3f} ms"
          f"   max {max(change):.3f} ms   over {len(change)} changes")
    print(f"naive re-render of every view       median {statistics.median(naive):8.2f} ms"
          f"   (baseline, same run)")
    print(f"ratio naive / step change           {statistics.median(naive) / statistics.median(change):8.0f}x")


def browser_side(rounds: int) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    renderer = "@jupyter-widgets/html-manager/dist/embed-amd.js"
    if not (ASSETS / renderer).exists():
        print("browser: skipped, build/assets missing (run `make -f mk/assets.mk`)")
        return
    nb = nbformat.read(REPO / "notebooks" / "01-the-flow-step-by-step.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": tmp}}).execute()
        root = Path(tmp)
        for entry in ASSETS.iterdir():  # at the root: the renderer loads its icon fonts from /@jupyter-widgets/
            os.symlink(entry, root / entry.name)
        handler = functools.partial(_Quiet, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        body, _ = HTMLExporter(template_name="lab", widget_renderer_url=f"{base}/{renderer}",
                               require_js_url=f"{base}/requirejs/require.js",
                               mathjax_url="").from_notebook_node(nb)
        (root / "index.html").write_text(body, encoding="utf-8")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page.goto(f"{base}/index.html")
                first = page.locator(".slicelab-stepper-controls").first
                first.get_by_text("Step 0 of 12").wait_for(timeout=60_000)
                page.evaluate("""() => {
                  document.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
                  const status = document.querySelector('.slicelab-view-status');
                  new MutationObserver(() => requestAnimationFrame(() => { window.__t1 = performance.now(); }))
                    .observe(status, {subtree: true, childList: true, characterData: true});
                }""")
                handle = first.locator(".noUi-handle").first
                handle.focus()
                redraws = []
                for i in range(rounds):
                    key = "ArrowRight" if (i // 12) % 2 == 0 else "ArrowLeft"
                    page.evaluate("() => { window.__t1 = null; }")
                    handle.press(key)
                    page.wait_for_function("() => window.__t1 !== null", timeout=10_000)
                    redraws.append(page.evaluate("() => window.__t1 - window.__t0"))
                browser.close()
        finally:
            server.shutdown()
    print(f"browser redraw (exported page)      median {statistics.median(redraws):8.2f} ms"
          f"   max {max(redraws):.2f} ms   over {len(redraws)} steps   (goal < 50 ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also measure the redraw in chromium")
    parser.add_argument("--rounds", type=int, default=200, help="step changes to time (default 200)")
    args = parser.parse_args(argv)
    kernel_side(args.rounds)
    if args.browser:
        browser_side(min(args.rounds, 48))
    return 0


if __name__ == "__main__":
    sys.exit(main())
