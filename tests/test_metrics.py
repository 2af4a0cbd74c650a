"""Cluster.metrics(): kube-controller-manager's metric names, counting what the controllers did."""
from __future__ import annotations

import math
import random

import pytest

import slicelab
from slicelab.builders import endpoints, node, pod, service

WEB = {"app": "web"}
ES = "endpoint_slice_controller"
MIR = "endpoint_slice_mirroring_controller"


def web_cluster(max_per_slice: int = 3) -> slicelab.Cluster:
    c = slicelab.Cluster(max_endpoints_per_slice=max_per_slice)
    c.apply(service("web", selector=WEB))
    return c


def writes_by(c: slicelab.Cluster, controller: str) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "delete": 0}
    for w in c.writes:
        if w["controller"] == controller and w["kind"] == "EndpointSlice":
            counts[w["verb"]] += 1
    return counts


def managed(c: slicelab.Cluster, manager: str) -> list[dict]:
    return c.get("EndpointSlice", namespace=None, label_selector=f"endpointslice.kubernetes.io/managed-by={manager}")


def test_the_issue_names_are_there_as_the_text_format_writes_them():
    c = web_cluster()
    c.apply([pod(f"web-{i}", f"10.0.0.{i}", labels=WEB) for i in range(1, 5)])
    c.apply(service("ext", selector=None))
    c.apply(endpoints("ext", ["192.0.2.1"]))
    m = c.metrics()
    for name in (f"{ES}_endpoints_desired", f"{ES}_num_endpoint_slices", f"{ES}_desired_endpoint_slices",
                 f"{ES}_endpoints_added_per_sync_sum", f"{ES}_endpoints_added_per_sync_count",
                 f"{ES}_endpoints_removed_per_sync_sum", f"{ES}_endpoints_removed_per_sync_count",
                 f'{ES}_changes{{operation="create"}}', f'{ES}_changes{{operation="update"}}',
                 f'{ES}_syncs{{result="success"}}', f'{ES}_endpoints_added_per_sync_bucket{{le="+Inf"}}',
                 f'{ES}_endpoints_added_per_sync_bucket{{le="2"}}',
                 f"{MIR}_endpoints_desired", f"{MIR}_num_endpoint_slices", f"{MIR}_desired_endpoint_slices",
                 f"{MIR}_endpoints_added_per_sync_sum", f"{MIR}_endpoints_updated_per_sync_count",
                 f"{MIR}_endpoints_removed_per_sync_count", f"{MIR}_addresses_skipped_per_sync_sum",
                 f'{MIR}_changes{{operation="create"}}', 'workqueue_adds_total{name="endpoint"}',
                 'workqueue_adds_total{name="endpoint_slice"}', 'workqueue_adds_total{name="endpoint_slice_mirroring"}'):
        assert name in m, name
    assert all(isinstance(v, float) for v in m.values())
    assert not any(k.endswith("_total") and k.startswith(("endpoint_slice_controller_changes", ES + "_syncs"))
                   for k in m)                                   # Go client names: no `_total` here


def test_a_new_cluster_starts_at_zero_and_nothing_resets_the_counts():
    assert slicelab.Cluster().metrics() == {}
    c = web_cluster()
    c.apply(pod("web-1", "10.0.0.1", labels=WEB))
    before = c.metrics()[f'{ES}_changes{{operation="update"}}']
    c.pause_controller("endpointslice")
    c.apply(pod("web-2", "10.0.0.2", labels=WEB))
    assert c.metrics()[f'{ES}_changes{{operation="update"}}'] == before     # paused: nothing written
    c.resume_controller("endpointslice")
    assert c.metrics()[f'{ES}_changes{{operation="update"}}'] == before + 1
    c.delete("Service", "web")
    assert c.metrics()[f'{ES}_changes{{operation="update"}}'] == before + 1  # counters outlive the Service
    assert c.metrics()[f"{ES}_endpoints_desired"] == 0                        # gauges follow the cache
    assert slicelab.Cluster().metrics() == {}


def test_a_rolling_update_as_an_operator_sees_it():
    c = web_cluster(max_per_slice=100)
    c.apply([pod(f"old-{i}", f"10.0.0.{i}", labels=WEB) for i in range(1, 11)])
    start = c.metrics()
    for i in range(1, 11):                       # replace one Pod at a time: new one first, then the old
        c.apply(pod(f"new-{i}", f"10.0.1.{i}", labels=WEB))
        c.delete("Pod", f"old-{i}", graceful=True)
        c.delete("Pod", f"old-{i}")
    m = c.metrics()
    grew = {k: m[k] - start.get(k, 0) for k in m}
    assert grew[f"{ES}_endpoints_added_per_sync_sum"] == 10
    assert grew[f"{ES}_endpoints_removed_per_sync_sum"] == 10
    assert grew[f'{ES}_changes{{operation="update"}}'] == 30     # three updates per replaced Pod
    assert grew.get(f'{ES}_changes{{operation="create"}}', 0) == 0
    assert m[f"{ES}_endpoints_desired"] == 10 and m[f"{ES}_num_endpoint_slices"] == 1


def test_desired_and_actual_slices_show_unbalanced_slices():
    # 300 endpoints in slices of 100/74/74/52 (lesson 05): 4 slices where 3 would do
    c = web_cluster(max_per_slice=100)
    c.apply([pod(f"a-{i}", f"10.0.{i // 200}.{i % 200 + 1}", labels=WEB) for i in range(148)])
    c.apply([pod(f"x-{i}", f"10.1.0.{i + 1}", labels=WEB) for i in range(148, 200)])
    sizes = sorted((len(s["endpoints"] or ()) for s in managed(c, "endpointslice-controller.k8s.io")), reverse=True)
    m = c.metrics()
    assert m[f"{ES}_num_endpoint_slices"] == len(sizes)
    assert m[f"{ES}_desired_endpoint_slices"] == math.ceil(sum(sizes) / 100)
    assert m[f"{ES}_endpoints_desired"] == sum(sizes) == 200


def test_placeholders_count_as_one_desired_slice_per_service():
    c = slicelab.Cluster()
    c.apply([service("a", selector=WEB), service("b", selector={"app": "db"},
                                                  ip_families=["IPv4", "IPv6"], ip_family_policy="RequireDualStack")])
    m = c.metrics()
    assert m[f"{ES}_num_endpoint_slices"] == 3          # a: one placeholder; b: one per family
    assert m[f"{ES}_desired_endpoint_slices"] == 2      # at least one per Service
    assert m[f"{ES}_endpoints_desired"] == 0


def test_a_sync_that_skips_pods_counts_as_an_error():
    c = web_cluster()
    c.apply(pod("web-1", "10.0.0.1", labels=WEB, node="missing-node"))
    assert c.metrics()[f'{ES}_syncs{{result="error"}}'] >= 1


def test_mirroring_counts_skipped_addresses_and_its_slices():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None))
    c.apply(endpoints("ext", [f"10.{i // 250}.{i % 250}.1" for i in range(1005)]))
    m = c.metrics()
    assert m[f"{MIR}_addresses_skipped_per_sync_sum"] == 5
    assert m[f"{MIR}_endpoints_added_per_sync_sum"] == 1000
    assert m[f"{MIR}_endpoints_desired"] == 1000 and m[f"{MIR}_num_endpoint_slices"] == 1
    assert m[f'{MIR}_changes{{operation="create"}}'] == 1
    c.apply(endpoints("ext", ["192.0.2.1", "192.0.2.2"]))
    m = c.metrics()
    assert m[f"{MIR}_endpoints_removed_per_sync_sum"] == 1000 and m[f"{MIR}_endpoints_added_per_sync_sum"] == 1002
    c.delete("Endpoints", "ext")
    m = c.metrics()
    assert m[f'{MIR}_changes{{operation="delete"}}'] == 1 and m[f"{MIR}_num_endpoint_slices"] == 0


def _random_run(seed: int) -> slicelab.Cluster:
    rng = random.Random(seed)
    c = slicelab.Cluster(max_endpoints_per_slice=3, seed=seed)
    c.apply([node("n1", zone="z1"), node("n2", zone="z2")])
    for _ in range(25):
        i, choice = rng.randrange(8), rng.randrange(7)
        if choice < 3:
            c.apply(pod(f"p{i}", f"10.0.0.{i + 1}", labels=rng.choice([WEB, {"app": "db"}]), ready=rng.random() < .7,
                        node=rng.choice(["n1", "n2"]), ports=[{"name": "http", "containerPort": rng.choice([80, 81])}]))
        elif choice == 3 and c.get("Pod", name=f"p{i}"):
            c.delete("Pod", f"p{i}", graceful=rng.random() < .5)
        elif choice == 4:
            c.apply(service(rng.choice(["web", "db"]), selector=rng.choice([WEB, {"app": "db"}, None]),
                            ports=[{"name": "http", "port": 80, "targetPort": "http"}],
                            traffic_distribution=rng.choice([None, "PreferClose"])))
        elif choice == 5 and c.get("Service", name="web"):
            c.delete("Service", "web")
        else:
            c.apply([service("ext", selector=None),
                     endpoints("ext", [f"192.0.2.{j}" for j in rng.sample(range(1, 9), rng.randrange(4))])])
    return c


@pytest.mark.parametrize("seed", range(12))
def test_change_counters_equal_the_writes_and_gauges_the_slices(seed):
    c = _random_run(seed)
    m = c.metrics()
    for subsystem, controller, manager, owner in (
            (ES, "endpointslice", "endpointslice-controller.k8s.io", "Service"),
            (MIR, "endpointslice-mirroring", "endpointslicemirroring-controller.k8s.io", "Endpoints")):
        for verb, count in writes_by(c, controller).items():
            assert m.get(f'{subsystem}_changes{{operation="{verb}"}}', 0) == count, (subsystem, verb)
        mine = [s for s in managed(c, manager)
                if c.get(owner, s["metadata"]["namespace"], s["metadata"]["labels"]["kubernetes.io/service-name"])]
        assert m.get(f"{subsystem}_num_endpoint_slices", 0) == len(mine), subsystem
        assert m.get(f"{subsystem}_endpoints_desired", 0) == sum(len(s.get("endpoints") or ()) for s in mine)


def _keyed(samples) -> dict[str, float]:
    """Samples by name and labels; `le="2.0"` (prometheus_client's parser) and `le="2"` (Go) alike."""
    return {key.replace('.0"', '"'): value for key, value in samples}


@pytest.mark.parametrize("seed", range(4))
def test_the_text_format_parses_back_to_the_same_samples(seed):
    from prometheus_client.parser import text_string_to_metric_families

    c = _random_run(seed)
    text = c.metrics_text()
    assert "# TYPE endpoint_slice_controller_changes counter" in text
    parsed = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sample.labels.items())
            # the parser reads a counter the OpenMetrics way (`*_total`); the Go client wrote no suffix
            name = sample.name.removesuffix("_total") if family.type == "counter" and \
                f"# TYPE {family.name}_total counter" not in text else sample.name
            parsed.append((f"{name}{{{labels}}}" if labels else name, sample.value))
    assert _keyed(parsed) == _keyed(c.metrics().items())


def test_a_new_maximum_per_slice_is_what_desired_slices_count_with():
    c = web_cluster(max_per_slice=100)
    c.apply([pod(f"a-{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(30)])
    assert c.metrics()[f"{ES}_desired_endpoint_slices"] == 1
    c.max_endpoints_per_slice = 10      # the playground's live change: what a restarted controller would use
    c.apply(pod("a-30", "10.0.0.31", labels=WEB))
    m = c.metrics()
    assert m[f"{ES}_desired_endpoint_slices"] == 4 and m[f"{ES}_endpoints_desired"] == 31


@pytest.mark.parametrize("bad", [0, 1001, True, 2.5, "10"])
def test_a_maximum_per_slice_outside_the_flags_range_is_refused_live_too(bad):
    c = web_cluster()
    with pytest.raises(ValueError, match="between 1 and 1000"):
        c.max_endpoints_per_slice = bad
    assert c.max_endpoints_per_slice == 3
