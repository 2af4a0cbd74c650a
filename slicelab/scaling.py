"""Why EndpointSlices scale: the write / watch-event / byte model of the 2020 blog post and KEP-752.

Every node runs a kube-proxy that watches the objects, so each write of an object is sent to every node:
bytes sent = (size of each written object) x (number of nodes). With v1 Endpoints the one object holds every
address of the Service; with EndpointSlices a change rewrites one slice of at most `maxEndpointsPerSlice`.

Object sizes are a linear model, `per_object + per_endpoint * endpoints` bytes. Two presets reproduce the
sources' own figures (`BLOG`, `KEP`); `fit_size_model` fits the model to manifests slicelab really emits,
measured as compact JSON (what the API server sends on a watch, minus protobuf savings).

A rolling update costs more writes than Pods: the sources count one write per replaced Pod
(`ONE_WRITE_PER_POD`), while slicelab's controllers write the Pod's endpoint as it appears not ready,
becomes ready, starts terminating and goes away. `measure_rollout` replays that rollout (lesson 05's) in
a Cluster and counts each API's writes; it is the default, so no figure of writes is typed by hand.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Iterable, Mapping

CHANGES = ("create", "update", "rolling-update")


@dataclass(frozen=True)
class SizeModel:
    """Bytes of one object holding `n` endpoints: `per_object + per_endpoint * n`."""

    per_endpoint: float
    per_object: float = 0.0
    source: str = ""

    def object_bytes(self, endpoints: int) -> float:
        return self.per_object + self.per_endpoint * endpoints

    def describe(self) -> str:
        """The model in a few words, for chart titles: '300 B per endpoint (blog 2020-09-02)'."""
        size = f"{self.per_endpoint:.0f} B per endpoint"
        if round(self.per_object):
            size += f" + {self.per_object:.0f} B per object"
        return f"{size} ({self.source.split(':')[0]})" if self.source else size

    def __repr__(self) -> str:
        return (f"SizeModel: {self.per_object:.0f} B per object + {self.per_endpoint:.0f} B per endpoint"
                + (f" ({self.source})" if self.source else ""))


# The blog: "a Service with 5,000 Pods ... an Endpoints resource of about 1.5MB" -> 300 bytes per address.
BLOG = SizeModel(per_endpoint=1.5e6 / 5000, source="blog 2020-09-02: 5,000 Pods make a 1.5MB Endpoints")
# KEP-752: "20,000 endpoints ... Endpoints object 2.0 MB; an EndpointSlice of 100 endpoints 10 KB" -> 100 B.
KEP = SizeModel(per_endpoint=2.0e6 / 20000, source="KEP-752: 20,000 endpoints make a 2.0MB Endpoints")


@dataclass(frozen=True)
class Rollout:
    """API writes per replaced Pod during a rolling update: of the v1 Endpoints object, of EndpointSlices."""

    endpoints: float
    slices: float
    source: str = ""

    def writes_per_pod(self, per_slice: int | None) -> float:
        return self.endpoints if per_slice is None else self.slices

    def __repr__(self) -> str:
        return (f"Rollout: per replaced Pod, {self.endpoints:g} writes of the Endpoints object and "
                f"{self.slices:g} of one EndpointSlice" + (f" ({self.source})" if self.source else ""))


# The blog's "more than 22TB" and KEP-752's table: one change per replaced Pod.
ONE_WRITE_PER_POD = Rollout(endpoints=1, slices=1, source="as the blog and KEP-752 count")


@functools.lru_cache(maxsize=None)
def measure_rollout(pods: int = 3) -> Rollout:
    """Count the writes of a rolling update in slicelab, per replaced Pod, for each API.

    The rollout of lesson 05 (a Deployment with maxSurge 1, maxUnavailable 0): for each old Pod a new
    Pod starts (not Ready yet), becomes Ready, then the old Pod starts terminating and is removed.
    """
    if pods < 1:
        raise ValueError(f"pods must be at least 1, not {pods}")
    from slicelab.builders import pod, service  # the size model above stays usable without a cluster
    from slicelab.cluster import Cluster
    cluster = Cluster()
    labels = {"app": "web"}
    cluster.apply([service("web", selector=labels)]
                  + [pod(f"web-old-{i}", f"10.1.0.{i + 1}", labels) for i in range(pods)])
    start = len(cluster.writes)
    for i in range(pods):
        for ready in (False, True):
            cluster.apply(pod(f"web-new-{i}", f"10.1.1.{i + 1}", labels, ready=ready))
        cluster.delete("Pod", f"web-old-{i}", graceful=True)
        cluster.delete("Pod", f"web-old-{i}")
    writes = cluster.writes[start:]
    per_kind = {kind: sum(w["kind"] == kind for w in writes) / pods for kind in ("Endpoints", "EndpointSlice")}
    return Rollout(endpoints=per_kind["Endpoints"], slices=per_kind["EndpointSlice"],
                   source=f"measured: slicelab replays a rolling update of {pods} Pods, maxSurge 1")


@dataclass(frozen=True)
class Cost:
    """What one kind of change costs cluster-wide: API writes, watch events delivered, bytes sent."""

    writes: int
    watch_events: int
    bytes: float


def api_label(per_slice: int | None) -> str:
    """A column name: the v1 Endpoints API or EndpointSlices of a given size."""
    if per_slice is None:
        return "Endpoints"
    return f"EndpointSlices ({per_slice} per slice)"


def change_cost(change: str, pods: int, nodes: int, per_slice: int | None,
                model: SizeModel = KEP, rollout: Rollout | None = None) -> Cost:
    """The cost of a change to a Service with `pods` endpoints watched by `nodes` kube-proxies.

    `per_slice=None` is the v1 Endpoints API (one object); an int is `maxEndpointsPerSlice`.
    Changes (as in KEP-752's estimation table): "create" (every endpoint appears), "update" (one
    endpoint changes), "rolling-update" (every Pod is replaced: `rollout`'s writes per Pod, by default
    the writes slicelab's controllers make, `measure_rollout()`).
    """
    if change not in CHANGES:
        raise ValueError(f"change must be one of {', '.join(CHANGES)}, not {change!r}")
    if pods < 0 or nodes < 0:
        raise ValueError(f"pods and nodes must not be negative (pods={pods}, nodes={nodes})")
    if per_slice is not None and per_slice < 1:
        raise ValueError(f"per_slice (maxEndpointsPerSlice) must be at least 1, not {per_slice}")
    if per_slice is None:
        objects, largest = 1, pods
    else:
        objects, largest = max(1, math.ceil(pods / per_slice)), min(pods, per_slice)
    if change == "create":
        writes = objects
        sent = (model.per_object * objects + model.per_endpoint * pods) * nodes
    elif change == "update":
        writes = 1
        sent = model.object_bytes(largest) * nodes
    else:
        writes = round(pods * (rollout or measure_rollout()).writes_per_pod(per_slice))
        sent = model.object_bytes(largest) * nodes * writes
    return Cost(writes=writes, watch_events=writes * nodes, bytes=sent)


def cost_table(pods: int, nodes: int, model: SizeModel = KEP,
               per_slices: Iterable[int | None] = (None, 100, 1), rollout: Rollout | None = None) -> list[dict]:
    """KEP-752's estimation table: one row per change, one Cost per API column."""
    columns = list(per_slices)
    return [{"change": change, **{api_label(p): change_cost(change, pods, nodes, p, model, rollout)
                                  for p in columns}}
            for change in CHANGES]


def render_cost_table(rows: list[dict]) -> str:
    """The cost table as aligned text: writes / watch events / bytes in each cell."""
    columns = [k for k in rows[0] if k != "change"]
    header = ["change"] + columns
    body = [[row["change"]] + [f"{format_count(c.writes)} w / {format_count(c.watch_events)} ev / "
                               f"{format_bytes(c.bytes)}" for c in (row[k] for k in columns)]
            for row in rows]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    return "\n".join("   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header] + body)


def format_bytes(n: float) -> str:
    """Decimal units as the sources use them (1 MB = 10^6 bytes): '4.5 GB', '22.5 TB'."""
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{n:.0f} B"


def format_count(n: int) -> str:
    return f"{n:,}"


def measure_object_bytes(manifest: Mapping) -> int:
    """Size of a manifest as compact JSON (UTF-8 bytes), the way it travels on a watch."""
    return len(json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode())


def count_endpoints(manifest: Mapping) -> int:
    """Endpoints an object holds: slice `endpoints`, or v1 `addresses + notReadyAddresses`."""
    if manifest.get("kind") == "EndpointSlice":
        return len(manifest.get("endpoints") or [])
    return sum(len(s.get("addresses") or []) + len(s.get("notReadyAddresses") or [])
               for s in manifest.get("subsets") or [])


def fit_size_model(manifests: Iterable[Mapping], source: str = "measured") -> SizeModel:
    """Fit `per_object + per_endpoint * n` (least squares) to real manifests of different sizes."""
    points = [(count_endpoints(m), measure_object_bytes(m)) for m in manifests]
    if len({n for n, _ in points}) < 2:
        raise ValueError("fit_size_model needs manifests holding at least two different numbers of endpoints")
    mean_n = sum(n for n, _ in points) / len(points)
    mean_b = sum(b for _, b in points) / len(points)
    slope = (sum((n - mean_n) * (b - mean_b) for n, b in points)
             / sum((n - mean_n) ** 2 for n, _ in points))
    return SizeModel(per_endpoint=slope, per_object=mean_b - slope * mean_n, source=source)


def describe_cost(pods: int, nodes: int, per_slice: int, model: SizeModel = KEP) -> str:
    """One sentence comparing a one-endpoint change under both APIs (a text alternative for plots)."""
    old = change_cost("update", pods, nodes, None, model)
    new = change_cost("update", pods, nodes, per_slice, model)
    ratio = old.bytes / new.bytes if new.bytes else float("inf")
    return (f"One endpoint changes in a Service of {pods:,} Pods on {nodes:,} nodes: v1 Endpoints sends "
            f"{format_bytes(old.bytes)}, EndpointSlices of {per_slice} send {format_bytes(new.bytes)} "
            f"({ratio:,.0f}x less).")


def measure_size_model(counts: Iterable[int] = (1, 25, 50, 100), kind: str = "EndpointSlice") -> SizeModel:
    """Fit the size model to objects slicelab really writes: one Service with n ready Pods per count.

    `kind` is "EndpointSlice" (the Service's one slice; counts must not exceed 100) or "Endpoints".
    """
    from slicelab.cluster import Cluster  # the model above stays usable without a cluster
    manifests = []
    for n in counts:
        cluster = Cluster(max_endpoints_per_slice=max(100, n))
        nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i}"}} for i in range(NODES)]
        cluster.apply(nodes + [_service_manifest()] + [_pod_manifest(i) for i in range(n)])
        manifests += cluster.get(kind, label_selector=None if kind == "Endpoints" else
                                 "kubernetes.io/service-name=web")
    return fit_size_model(manifests, source=f"measured: slicelab {kind} manifests as JSON")


NODES = 10  # nodes the measured Pods run on (each endpoint names its node)


def _service_manifest() -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def _pod_manifest(i: int) -> dict:
    ip = f"10.1.{i // 250}.{i % 250 + 1}"
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"web-{i:05d}-abcde", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": f"node-{i % NODES}", "containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                       "conditions": [{"type": "Ready", "status": "True"}]}}
