"""Drive the built site in a browser: serve it on the loopback address, prove that a visit reaches nothing
else, open a lesson and run it. Shared by tests/test_site_browser.py and benchmarks/site.py.

    from browse import OfflineGuard, open_notebook, run_all, serve
    with serve(REPO / "build" / "site") as url, OfflineGuard() as guard:
        browser = playwright.chromium.launch(args=[*CHROMIUM_ARGS, *guard.chromium_args])
        page = browser.new_page()
        open_notebook(page, url, "01-the-flow-step-by-step.ipynb")
        errors = run_all(page)

The guard is a proxy on 127.0.0.1 that answers every request with 403 and records it. Chromium sends
every request for another host through it (the loopback address is never proxied), whoever makes it: the
page, the kernel's web worker, the service worker, the browser itself. Unlike request interception it
leaves the HTTP cache on, so a warm visit is measured as a learner gets it. `watch(context)` also
records request events for other hosts, in case one never reached the network.
"""
from __future__ import annotations

import functools
import http.server
import re
import socketserver
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A static file server for `folder` on 127.0.0.1 (a free port); yields its URL, ending in '/'."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Refuse(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            line = self.request.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError:
            line = "(nothing read)"
        self.server.attempts.append(("proxy", line))
        try:
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass


class OfflineGuard:
    """Refuses and records every request the browser makes for a host other than the loopback address."""

    def __init__(self):
        self.attempts: list[tuple[str, str]] = []
        self._server: socketserver.ThreadingTCPServer | None = None

    def __enter__(self) -> "OfflineGuard":
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Refuse)
        self._server.daemon_threads = True
        self._server.attempts = self.attempts
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def chromium_args(self) -> list[str]:
        """Launch flags: everything not on the loopback address goes to the guard (Chromium never
        proxies loopback), and no DNS lookups happen on the side."""
        port = self._server.server_address[1]
        return [f"--proxy-server=http://127.0.0.1:{port}", "--dns-prefetch-disable"]

    def watch(self, context) -> None:
        """Also record a Playwright context's request events for other hosts (pages and workers)."""
        def seen(request):
            url = request.url
            if url.startswith(("http:", "https:", "ws:", "wss:")) and urlsplit(url).hostname not in LOOPBACK:
                self.attempts.append(("request", url))
        context.on("request", seen)


IDLE = re.compile(r"\|\s*Idle")
# Only the notebook on show: JupyterLab keeps other tabs' cells in the page, hidden.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ALL_RUN = """() => { const cells = [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
  return cells.length > 0 && cells.every(p => /\\[\\d+\\]/.test(p.textContent)); }"""
PROBLEMS = f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def open_notebook(page, url: str, notebook: str, timeout_ms: int = 120_000) -> None:
    """Open a notebook of the site in JupyterLab and wait until its Pyodide kernel says Idle."""
    page.set_default_timeout(timeout_ms)
    page.goto(f"{url}lab/?path={notebook}")
    page.get_by_text(IDLE).first.wait_for()


def run_all(page, timeout_s: float = 180) -> list[str]:
    """Run → Run All Cells, wait until every code cell ran (or one failed); return error and stderr texts."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.evaluate(ALL_RUN) or (page.locator(PROBLEMS).count() and page.get_by_text(IDLE).count()):
            break
        time.sleep(0.25)
    else:
        return [f"not every cell ran within {timeout_s:.0f} s"] + page.locator(PROBLEMS).all_inner_texts()
    return page.locator(PROBLEMS).all_inner_texts()


def close_all_tabs(page) -> None:
    """Save, then File → Close All Tabs: the next page of the same browser opens only its notebook
    (JupyterLite would otherwise restore this one beside it, kernel and all)."""
    page.locator(f"{NOTEBOOK} .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.locator(".lm-DockPanel-tabBar .jp-mod-dirty").first.wait_for(state="detached")
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Close All Tabs")).click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=".ipynb").first.wait_for(state="detached")
    page.wait_for_timeout(1500)  # JupyterLite saves the workspace (now without the notebook) shortly after
