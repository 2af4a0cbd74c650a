"""Serve the built site on the loopback address, and prove that a browser visiting it reaches nothing else.

    from offline import OfflineGuard, serve
    with serve(REPO / "build" / "site") as url, OfflineGuard() as guard:
        browser = playwright.chromium.launch(args=[*CHROMIUM_ARGS, *guard.chromium_args])
        ...
        assert guard.attempts == []

The guard is a proxy on 127.0.0.1 that answers every request with 403 and records it. Chromium sends
every request for another host through it (the loopback address is never proxied), whoever makes it: the
page, the kernel's web worker, the service worker, the browser itself. Unlike request interception it
leaves the HTTP cache on, so a warm visit is measured as a learner gets it. `watch(context)` also
records request events for other hosts, in case one never reached the network.
"""
from __future__ import annotations

import functools
import http.server
import socket
import socketserver
import threading
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


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
