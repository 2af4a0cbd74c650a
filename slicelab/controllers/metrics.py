"""What kube-controller-manager's metrics endpoint says about these controllers, with its names.

An operator does not read the controllers' code: they scrape `/metrics` and watch counters and
histograms move. slicelab keeps the same instruments, updated where the real controllers update them
(k8s.io/endpointslice `metrics/`, `pkg/controller/endpointslicemirroring/metrics/`):

- `endpoint_slice_controller_*` — per Service sync: `syncs{result}` (success or error), histograms
  `endpoints_added_per_sync` / `endpoints_removed_per_sync` (one observation per address type: desired
  endpoints no slice held yet; endpoints taken out of existing slices) and
  `endpointslices_changed_per_sync{topology,traffic_distribution}` (writes of the sync);
  counter `changes{operation}` (each create, update, delete); gauges over all Services
  `endpoints_desired`, `num_endpoint_slices` (slices there would be after the sync's writes) and
  `desired_endpoint_slices` (ceil(endpoints / max per slice) per port set, at least the placeholder).
- `endpoint_slice_mirroring_controller_*` — the same for mirrored Endpoints, plus
  `endpoints_updated_per_sync` and `addresses_skipped_per_sync`; max 1,000 per slice, no placeholder.
  (Its `endpoints_sync_duration` measures wall-clock time and has no meaning in a simulation.)
- `workqueue_adds_total{name}` for the three work queues (`endpoint`, `endpoint_slice`,
  `endpoint_slice_mirroring`) — the v1 Endpoints controller has no metrics of its own; one add per key
  queued by a transaction (the transaction is slicelab's batch).

Samples are keyed as the Prometheus text format writes them (`name{label="value"}`, histograms as
`_bucket{le=...}`, `_sum`, `_count`), with label values in the Go client's format (`le="2"`, `+Inf`).
Everything starts at zero with the Cluster and is never reset otherwise, as in a running process.
"""
from __future__ import annotations

import math
from typing import Iterable, Iterator

SLICE = "endpoint_slice_controller"
MIRRORING = "endpoint_slice_mirroring_controller"
PER_SYNC_BUCKETS = tuple(float(2 ** i) for i in range(1, 16))                   # ExponentialBuckets(2, 2, 15)
DEFAULT_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1.0, 2.5, 5.0, 10.0)       # prometheus.DefBuckets

HELP = {
    f"{SLICE}_endpoints_added_per_sync": "Number of endpoints added on each Service sync",
    f"{SLICE}_endpoints_removed_per_sync": "Number of endpoints removed on each Service sync",
    f"{SLICE}_endpointslices_changed_per_sync": "Number of EndpointSlices changed on each Service sync",
    f"{SLICE}_endpoints_desired": "Number of endpoints desired",
    f"{SLICE}_num_endpoint_slices": "Number of EndpointSlices",
    f"{SLICE}_desired_endpoint_slices": "Number of EndpointSlices that would exist with perfect endpoint allocation",
    f"{SLICE}_changes": "Number of EndpointSlice changes",
    f"{SLICE}_syncs": "Number of EndpointSlice syncs",
    f"{MIRRORING}_endpoints_added_per_sync": "Number of endpoints added on each Endpoints sync",
    f"{MIRRORING}_endpoints_updated_per_sync": "Number of endpoints updated on each Endpoints sync",
    f"{MIRRORING}_endpoints_removed_per_sync": "Number of endpoints removed on each Endpoints sync",
    f"{MIRRORING}_addresses_skipped_per_sync": "Number of addresses skipped on each Endpoints sync due to being "
                                               "invalid or exceeding MaxEndpointsPerSubset",
    f"{MIRRORING}_endpoints_desired": "Number of endpoints desired",
    f"{MIRRORING}_num_endpoint_slices": "Number of EndpointSlices",
    f"{MIRRORING}_desired_endpoint_slices": "Number of EndpointSlices that would exist with perfect endpoint "
                                            "allocation",
    f"{MIRRORING}_changes": "Number of EndpointSlice changes",
    "workqueue_adds_total": "Total number of adds handled by workqueue",
}


def _go_float(value: float) -> str:
    """A number as the Go client writes it in a label (`2`, `0.005`, `+Inf`)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) else repr(value)


def sample_name(name: str, labels: Iterable[tuple[str, str]] = ()) -> str:
    """`name{a="x",b="y"}` as the text format writes a sample (labels in the given order)."""
    labels = list(labels)
    if not labels:
        return name
    escaped = (f'{k}="{v}"'.replace("\n", "\\n") for k, v in
               ((k, str(v).replace("\\", "\\\\").replace('"', '\\"')) for k, v in labels))
    return f"{name}{{{','.join(escaped)}}}"


class Histogram:
    """One histogram child: cumulative buckets, sum and count."""

    def __init__(self, buckets: tuple[float, ...]):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.sum += value
        self.count += 1
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1

    def samples(self, name: str, labels: tuple) -> Iterator[tuple[str, float]]:
        for bound, count in zip(self.buckets, self.counts):
            yield sample_name(f"{name}_bucket", (*labels, ("le", _go_float(bound)))), float(count)
        yield sample_name(f"{name}_bucket", (*labels, ("le", "+Inf"))), float(self.count)
        yield sample_name(f"{name}_sum", labels), float(self.sum)
        yield sample_name(f"{name}_count", labels), float(self.count)


class SliceCache:
    """The controllers' metrics cache: per object and (address type, port set), desired endpoints and
    the slices there are; gauges are its totals (upstream `metrics.Cache`)."""

    def __init__(self, max_per_slice: int, placeholder: bool):
        self.max_per_slice = max_per_slice
        self.placeholder = placeholder
        self.objects: dict[tuple, dict[tuple, tuple[int, int]]] = {}

    def set(self, key: tuple, items: dict[tuple, tuple[int, int]]) -> None:
        self.objects[key] = dict(items)

    def delete(self, key: tuple) -> None:
        self.objects.pop(key, None)

    def _desired_slices(self, endpoints: int) -> int:
        if endpoints == 0:
            return 0
        return max(1, math.ceil(endpoints / self.max_per_slice))

    def totals(self) -> tuple[int, int, int]:
        """(endpoints desired, slices, desired slices) over every object."""
        endpoints = actual = desired = 0
        for items in self.objects.values():
            wanted = 0
            for count, slices in items.values():
                endpoints += count
                actual += slices
                wanted += self._desired_slices(count)
            desired += 1 if self.placeholder and wanted == 0 else wanted
        return endpoints, actual, desired


class Metrics:
    """Every instrument of the three controllers, for one Cluster."""

    def __init__(self, max_endpoints_per_slice: int, max_endpoints_per_subset: int = 1000):
        self.histograms: dict[tuple[str, tuple], Histogram] = {}
        self.counters: dict[tuple[str, tuple], float] = {}
        self.caches = {SLICE: SliceCache(max_endpoints_per_slice, placeholder=True),
                       MIRRORING: SliceCache(max_endpoints_per_subset, placeholder=False)}
        self.touched_gauges: set[str] = set()

    def observe(self, name: str, value: float, labels: tuple = (), buckets: tuple = PER_SYNC_BUCKETS) -> None:
        child = self.histograms.get((name, labels))
        if child is None:
            child = self.histograms[(name, labels)] = Histogram(buckets)
        child.observe(value)

    def inc(self, name: str, labels: tuple = (), amount: float = 1) -> None:
        self.counters[(name, labels)] = self.counters.get((name, labels), 0) + amount

    def cache_set(self, subsystem: str, key: tuple, items: dict[tuple, tuple[int, int]]) -> None:
        """Record an object's (endpoints, slices) per port set; its gauges exist from now on."""
        self.caches[subsystem].set(key, items)
        self.touched_gauges.add(subsystem)

    def cache_delete(self, subsystem: str, key: tuple) -> None:
        """Forget an object (its Service or Endpoints went, or is no longer mirrored)."""
        self.caches[subsystem].delete(key)

    def families(self) -> Iterator[tuple[str, str, list[tuple[str, float]]]]:
        """(metric name, type, samples) in a stable order: what one scrape would show."""
        for subsystem in (SLICE, MIRRORING):
            if subsystem in self.touched_gauges:
                endpoints, actual, desired = self.caches[subsystem].totals()
                for suffix, value in (("endpoints_desired", endpoints), ("num_endpoint_slices", actual),
                                      ("desired_endpoint_slices", desired)):
                    name = f"{subsystem}_{suffix}"
                    yield name, "gauge", [(name, float(value))]
        for name in sorted({n for n, _ in self.histograms}):
            samples = [s for (n, labels), child in sorted(self.histograms.items()) if n == name
                       for s in child.samples(name, labels)]
            yield name, "histogram", samples
        for name in sorted({n for n, _ in self.counters}):
            samples = [(sample_name(name, labels), float(value))
                       for (n, labels), value in sorted(self.counters.items()) if n == name]
            yield name, "counter", samples

    def samples(self) -> dict[str, float]:
        return {sample: value for _, _, samples in self.families() for sample, value in samples}

    def text(self) -> str:
        """The Prometheus text exposition format (0.0.4) as kube-controller-manager writes it.

        Written here rather than by prometheus_client, which names every counter sample `*_total`
        (OpenMetrics style) where the Go client writes `endpoint_slice_controller_changes{...}`;
        tests parse this text back with prometheus_client's parser."""
        lines = []
        for name, kind, samples in self.families():
            help_text = HELP.get(name, name).replace("\\", "\\\\").replace("\n", "\\n")
            lines += [f"# HELP {name} [ALPHA] {help_text}", f"# TYPE {name} {kind}"]
            lines += [f"{sample} {_go_value(value)}" for sample, value in samples]
        return "\n".join(lines) + "\n" if lines else ""


def _go_value(value: float) -> str:
    """A sample value as the Go client writes it (`3`, `0.5`, `+Inf`)."""
    if math.isinf(value) or math.isnan(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def render_changes(before: dict[str, float], after: dict[str, float],
                   prefix: str = f"{SLICE}_") -> str:
    """What moved between two scrapes, as an operator reads a dashboard: one row per sample of `prefix`
    (histograms by their `_sum` and `_count`), with its value before, after and the difference."""
    rows = [(name[len(prefix):], before.get(name, 0.0), value) for name, value in after.items()
            if name.startswith(prefix) and "_bucket{" not in name]
    header = f"SAMPLE ({prefix}…)"
    width = max([len(header)] + [len(name) for name, _, _ in rows])
    lines = [f"{header.ljust(width)}  {'BEFORE':>8}  {'AFTER':>8}  {'CHANGE':>8}"]
    for name, old, new in rows:
        change = new - old
        lines.append(f"{name.ljust(width)}  {_go_value(old):>8}  {_go_value(new):>8}  "
                     f"{('+' if change > 0 else '') + _go_value(change):>8}")
    return "\n".join(lines)
