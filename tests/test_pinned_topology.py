"""Pinned topology-hint behaviours (issue 15, mutation run): the trafficDistribution and topology-mode
rules of k8s.io/endpointslice's topologycache as slicelab documents them (controllers/topology*.py)."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import node, pod, service
from slicelab.controllers.topology import hint_mode
from slicelab.controllers.topology_auto import allocations, cpu_ratios_by_zone
from slicelab.objects import node_facts, service_facts

WEB = {"app": "web"}
AUTO = {"service.kubernetes.io/topology-mode": "Auto"}


def hints(c, name="web") -> dict[str, list[str]]:
    """Pod -> zones it is hinted for (only endpoints that carry hints)."""
    out = {}
    for s in c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={name}"):
        for ep in s["endpoints"] or ():
            if "hints" in ep:
                out[ep["targetRef"]["name"]] = [z["name"] for z in ep["hints"]["forZones"]]
    return out


def per_zone(c) -> dict[str, int]:
    counts: dict[str, int] = {}
    for zones in hints(c).values():
        for z in zones:
            counts[z] = counts.get(z, 0) + 1
    return counts


@pytest.mark.parametrize("annotations, traffic, mode", [
    ({"service.kubernetes.io/topology-mode": "auto"}, None, "auto"),
    ({"service.kubernetes.io/topology-aware-hints": "Auto"}, None, "auto"),
    ({"service.kubernetes.io/topology-aware-hints": "Disabled", "service.kubernetes.io/topology-mode": "Auto"},
     "PreferClose", "zone"),
    ({}, "PreferSameZone", "zone"), ({}, "PreferClose", "zone"), ({}, "PreferSameNode", "node"), ({}, None, None),
    ({"service.kubernetes.io/topology-mode": "AUTO"}, None, None),
])
def test_hint_mode(annotations, traffic, mode):
    assert hint_mode(service_facts(service("web", selector=WEB, annotations=annotations or None,
                                           traffic_distribution=traffic))) == mode


def zoned(max_per_slice: int = 100, **svc) -> slicelab.Cluster:
    c = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=9)
    c.apply([node("na", zone="a", cpu=2), node("nb", zone="b", cpu=2), service("web", selector=WEB, **svc)])
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB, node="na" if i % 2 else "nb") for i in range(4)])
    return c


def test_prefer_close_added_later_hints_the_unchanged_slices():
    c = zoned()
    assert hints(c) == {}
    c.apply(service("web", selector=WEB, traffic_distribution="PreferClose"))
    assert hints(c) == {"p0": ["b"], "p1": ["a"], "p2": ["b"], "p3": ["a"]}


def test_hints_are_removed_when_traffic_distribution_goes_even_from_slices_updated_for_labels():
    c = zoned(traffic_distribution="PreferClose")
    assert len(hints(c)) == 4
    c.apply(service("web", selector=WEB, labels={"tier": "front"}))
    assert hints(c) == {}


def test_prefer_same_node_adds_for_nodes():
    c = zoned(traffic_distribution="PreferSameNode")
    (s,) = c.get("EndpointSlice")
    assert s["endpoints"][0]["hints"] == {"forZones": [{"name": "b"}], "forNodes": [{"name": "nb"}]}


# --- the Auto (CPU-proportional) algorithm -------------------------------------------------------------------
def test_cpu_ratios_count_ready_worker_nodes_and_need_two_zones():
    nodes = lambda *ns: {n["metadata"]["name"]: node_facts(n) for n in ns}  # noqa: E731
    assert cpu_ratios_by_zone(nodes(node("a1", zone="a", cpu=3), node("b1", zone="b", cpu=1),
                                    node("cp", zone="c", cpu=8, control_plane=True),
                                    node("down", zone="d", cpu=8, ready=False))) == {"a": 0.75, "b": 0.25}
    assert cpu_ratios_by_zone(nodes(node("a1", zone="a", cpu=3), node("a2", zone="a", cpu=1))) is None
    assert cpu_ratios_by_zone(nodes(node("a1", zone="a", cpu=3), node("b1", zone="b"))) is None
    assert cpu_ratios_by_zone(nodes(node("a1", zone="a", cpu=3), node("b1", cpu=1))) is None


def test_allocations_minimum_desired_maximum_and_their_refusals():
    assert allocations({"a": 0.6, "b": 0.4}, 10) == ({"a": [5, 6.0, 6], "b": [4, 4.0, 5]}, None)
    assert allocations({"a": 0.4, "b": 0.4, "c": 0.2}, 10) == (
        {"a": [4, 4.0, 4], "b": [4, 4.0, 4], "c": [2, 2.0, 2]}, None)
    assert allocations(None, 5) == (None, "Insufficient Node information: allocatable CPU or zone not specified "
                                          "on one or more nodes")
    assert allocations({"a": 0.5, "b": 0.5}, 1) == (None, "Insufficient number of endpoints (1) for zones (2)")
    assert allocations({"a": 0.98, "b": 0.01, "c": 0.01}, 3) == (
        None, "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold")


def auto(cpus: dict[str, int], pods_per_zone: dict[str, int], max_per_slice: int = 100) -> slicelab.Cluster:
    c = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=9)
    c.apply([node(f"n{z}", zone=z, cpu=cpu) for z, cpu in cpus.items()] +
            [service("web", selector=WEB, annotations=AUTO)])
    zones = [z for z, n in pods_per_zone.items() for _ in range(n)]
    c.apply([pod(f"p{i:02d}", f"10.0.0.{i}", labels=WEB, node=f"n{z}") for i, z in enumerate(zones, 1)])
    return c


def test_auto_hints_move_endpoints_from_zones_over_their_maximum_to_zones_under_their_minimum():
    """CPU a:b:c = 1:2:2 and 2, 6, 2 ready endpoints: minimums 2, 4, 4 = maximums. Zone b gives 2
    endpoints to zone c; zone a, exactly at its minimum, receives nothing."""
    c = auto({"a": 1, "b": 2, "c": 2}, {"a": 2, "b": 6, "c": 2})
    assert per_zone(c) == {"a": 2, "b": 4, "c": 4}
    moved = sorted(p for p, zones in hints(c).items() if zones == ["c"] and int(p[1:]) in range(3, 9))
    assert len(moved) == 2


def test_auto_hints_skip_a_not_ready_endpoint_placed_first_and_hint_the_rest_of_its_slice():
    c = slicelab.Cluster(seed=9)
    c.apply([node("na", zone="a", cpu=1), node("nb", zone="b", cpu=1), service("web", selector=WEB, annotations=AUTO)])
    c.apply([pod("p0", "10.0.0.1", labels=WEB, node="na", ready=False)] +
            [pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB, node="na" if i % 2 else "nb") for i in range(1, 5)])
    (s,) = c.get("EndpointSlice")
    assert s["endpoints"][0]["targetRef"]["name"] == "p0" and "hints" not in s["endpoints"][0]
    assert sorted(hints(c)) == ["p1", "p2", "p3", "p4"]


def test_auto_hints_skip_not_ready_endpoints_and_hint_the_rest_of_the_slice():
    c = auto({"a": 1, "b": 1}, {"a": 2, "b": 2})
    c.apply(pod("p00", "10.0.0.0", labels=WEB, node="na", ready=False))   # placed first in the slice
    assert "p00" not in hints(c) and len(hints(c)) == 4
    assert per_zone(c) == {"a": 2, "b": 2}


def test_auto_hints_keep_zones_within_their_allocation_across_changes():
    c = auto({"a": 1, "b": 2, "c": 2}, {"a": 2, "b": 6, "c": 2}, max_per_slice=3)
    for step in (lambda: c.delete("Pod", "p04"), lambda: c.apply(pod("p20", "10.0.1.20", labels=WEB, node="nc")),
                 lambda: c.apply(node("nc", zone="c", cpu=1)), lambda: c.apply(pod("p21", "10.0.1.21", labels=WEB, node="na"))):
        step()
        ready = sum(1 for p in c.get("Pod") if p["metadata"]["labels"] == WEB)
        ratios = cpu_ratios_by_zone({n["metadata"]["name"]: node_facts(n) for n in c.get("Node")})
        alloc, reason = allocations(ratios, ready)
        counts = per_zone(c)
        if alloc is None:
            assert counts == {} and c.controller_events()[-1] == f"TopologyAwareHintsDisabled: {reason}"
            continue
        assert sum(counts.values()) == ready
        for zone, (minimum, _desired, maximum) in alloc.items():
            assert minimum <= counts.get(zone, 0) <= maximum, (zone, counts, alloc)


@pytest.mark.parametrize("breaks, event", [
    (lambda c: c.apply(pod("nozone", "10.0.2.1", labels=WEB)),
     "TopologyAwareHintsDisabled: one or more endpoints do not have a zone specified"),
    (lambda c: c.apply(node("nb", zone="b")),
     "TopologyAwareHintsDisabled: Insufficient Node information: allocatable CPU or zone not specified on one "
     "or more nodes"),
    (lambda c: [c.delete("Pod", p["metadata"]["name"]) for p in c.get("Pod")[1:]],
     "TopologyAwareHintsDisabled: Insufficient number of endpoints (1) for zones (2)"),
])
@pytest.mark.parametrize("max_per_slice", [2, 4])
def test_auto_hints_are_removed_from_every_slice_with_one_event(breaks, event, max_per_slice):
    """With 4 per slice the new Pod joins a slice whose other endpoints carry hints: they go too."""
    c = auto({"a": 1, "b": 1}, {"a": 3, "b": 3}, max_per_slice=max_per_slice)
    assert len(hints(c)) == 6
    breaks(c)
    assert hints(c) == {}
    assert c.controller_events()[-1] == event
