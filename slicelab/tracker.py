"""The status tracker of a replayed scenario: which IPs the Pods, the Endpoints and the EndpointSlices
hold at chosen steps, and the facts (IP lists) the lesson words are filled with. Reads any
`reading.Reader` — a replayed Frame as well as a live Cluster."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from slicelab.objects import LABEL_SERVICE_NAME
from slicelab.reading import Reader

if TYPE_CHECKING:
    from slicelab.scenario import Timeline

__all__ = ["Tracker", "compute_tracker", "sort_ips", "pod_ips", "endpoints_ips", "slice_ips", "join_ips"]


@dataclass(frozen=True)
class Tracker:
    """The status tracker: IP lists per row and column, computed from the frames."""

    columns: tuple[str, ...]
    steps: tuple[int, ...]                       # the step each column shows the state after
    rows: Mapping[str, tuple[tuple[str, ...], ...]]

    def column_for(self, step: int) -> int:
        """Index of the column showing the state at `step` (the last column at or before it)."""
        index = 0
        for i, s in enumerate(self.steps):
            if s <= step:
                index = i
        return index

    def as_json(self) -> dict:
        return {"columns": list(self.columns), "rows": {k: [list(c) for c in v] for k, v in self.rows.items()}}


def _ip_key(ip: str) -> tuple:
    try:
        addr = ipaddress.ip_address(ip)
        return (addr.version, int(addr))
    except ValueError:
        return (9, ip)


def sort_ips(ips: Iterable[str]) -> list[str]:
    """Unique IPs in numeric order (a set view: the tracker does not promise any stored order)."""
    return sorted(set(ips), key=_ip_key)


def pod_ips(source: Reader, selector: str, namespace: str = "default") -> list[str]:
    """IPs of the Pods matching a label selector."""
    return sort_ips(p.get("status", {}).get("podIP") for p in source.get("Pod", namespace=namespace,
                                                                          label_selector=selector)
                    if p.get("status", {}).get("podIP"))


def endpoints_ips(source: Reader, service: str, namespace: str = "default") -> list[str]:
    """The ready addresses of the Service's v1 Endpoints — the IPs `kubectl get endpoints` shows."""
    ips = []
    for ep in source.get("Endpoints", namespace=namespace, name=service):
        for subset in ep.get("subsets") or []:
            ips += [a["ip"] for a in subset.get("addresses") or []]
    return sort_ips(ips)


def slice_ips(source: Reader, service: str, namespace: str = "default") -> list[str]:
    """Every address in the Service's EndpointSlices, whatever its conditions (as kubectl shows them)."""
    ips = []
    for eps in source.get("EndpointSlice", namespace=namespace,
                          label_selector=f"{LABEL_SERVICE_NAME}={service}"):
        for ep in eps.get("endpoints") or []:
            ips += ep.get("addresses") or []
    return sort_ips(ips)


def compute_tracker(timeline: "Timeline") -> Tracker:
    """The tracker of a replayed scenario: for each column's step, the IPs each row names."""
    spec = timeline.scenario.tracker
    ns = timeline.scenario.namespace
    columns = tuple(spec["columns"])
    steps = tuple(min(int(s), timeline.steps) for s in spec["columns"].values())
    rows: dict[str, tuple[tuple[str, ...], ...]] = {}
    for row in spec["rows"]:
        cells = []
        for s in steps:
            frame = timeline[s]
            if "pods" in row:
                cells.append(tuple(pod_ips(frame, row["pods"], ns)))
            elif "endpoints" in row:
                cells.append(tuple(endpoints_ips(frame, row["endpoints"], ns)))
            else:
                cells.append(tuple(slice_ips(frame, row["endpointslices"], ns)))
        rows[row["label"]] = tuple(cells)
    return Tracker(columns, steps, rows)


def join_ips(ips, last: str = ", ") -> str:
    """`a, b, c` (or `a, b or c` with last=" or "); `none` when empty."""
    ips = list(ips)
    if len(ips) < 2:
        return ips[0] if ips else "none"
    return ", ".join(ips[:-1]) + last + ips[-1]
