"""Reading a cluster: the one protocol every reader relies on, and the one rule `get` selects by.

A Cluster (the live store) and a replayed scenario's Frame (a snapshot of it) answer `get` alike, so
views (kubectl), clients (DNS, kube-proxy) and lessons read either without knowing which it is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping, Protocol

from slicelab.objects import NAMESPACED, canonical_kind, copy_manifest
from slicelab.selectors import matches, parse_selector

__all__ = ["Reader", "select"]


class Reader(Protocol):
    """What readers need: objects as `kubectl get -o json` items, and the time (for AGE columns)."""

    @property
    def now(self) -> datetime | None: ...

    def get(self, kind: str, namespace: str | None = "default", name: str | None = None,
            label_selector: str | None = None) -> list[dict]: ...


def select(stored: Iterable[tuple[tuple[str, str], Mapping[str, Any]]], kind: str,
           namespace: str | None = "default", name: str | None = None,
           label_selector: str | None = None) -> list[dict]:
    """`get`'s rule over (namespace, name) -> manifest pairs of one kind: copies, sorted by namespace and
    name; `namespace=None` means every namespace, and cluster-scoped kinds (Node) ignore it.
    Raises ValueError for a kind slicelab does not model or a malformed label selector."""
    namespaced = NAMESPACED[canonical_kind(kind)]
    reqs = parse_selector(label_selector) if label_selector else ()
    out = []
    for key, manifest in stored:
        if namespaced and namespace is not None and key[0] != namespace:
            continue
        if name is not None and key[1] != name:
            continue
        if reqs and not matches(reqs, (manifest.get("metadata") or {}).get("labels")):
            continue
        out.append((key, manifest))
    out.sort(key=lambda item: item[0])
    return [copy_manifest(m) for _, m in out]
