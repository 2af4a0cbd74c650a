"""`RepackSubsets` (k8s.io/kubernetes pkg/api/v1/endpoints), shared by the Endpoints controller and
mirroring: ports whose address sets are equal share one subset.

Each caller gathers its own input — per port, the addresses keyed for sorting with their readiness,
not-ready winning — because they read different things (Pods; a user's subsets); `pack` does the rest
in one way for both: group the ports by their address set, sort addresses by key, ports and subsets by
the caller's port order (real Kubernetes: an md5 order, so a cluster may list them otherwise).
"""
from __future__ import annotations

from typing import Any, Callable, Hashable


def new_subset(ready: list, not_ready: list, ports: list) -> dict:
    """One EndpointSubset, its empty fields left out."""
    out: dict[str, Any] = {}
    if ready:
        out["addresses"] = ready
    if not_ready:
        out["notReadyAddresses"] = not_ready
    if ports:
        out["ports"] = ports
    return out


def pack(by_port: dict[Hashable, dict[Any, tuple[Any, bool]]], port_dicts: dict[Hashable, dict | None],
         port_order: Callable[[Any], Any]) -> list[dict]:
    """Subsets from `by_port` (port → address key → (address, ready)); `port_dicts` gives each port's
    EndpointPort (None: a subset without ports). Ports with the same (key, ready) set share a subset;
    subsets sort by their first port's order, then their first address key."""
    groups: dict[frozenset, tuple[list, dict]] = {}
    for port, entries in by_port.items():
        signature = frozenset((k, r) for k, (_, r) in entries.items())
        group = groups.get(signature)
        if group is None:
            groups[signature] = group = ([], entries)
        group[0].append(port)
    out = []
    for ports, entries in groups.values():
        ports.sort(key=port_order)
        ordered = sorted(entries.items(), key=_first)
        out.append((port_order(ports[0]), ordered[0][0],
                    new_subset([a for _, (a, r) in ordered if r], [a for _, (a, r) in ordered if not r],
                           [port_dicts[p] for p in ports if port_dicts[p] is not None])))
    out.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, s in out]


def _first(item: tuple) -> Any:
    return item[0]
