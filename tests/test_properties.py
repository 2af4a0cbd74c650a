"""Property tests over random event sequences: what must hold after every transaction.

- every eligible endpoint appears exactly once per address family (checked against a direct oracle);
- no slice holds more than max_endpoints_per_slice; every selector Service has a slice per family;
- a transaction that changes nothing writes nothing;
- the incremental result equals a from-scratch reconcile of the same objects in a fresh Cluster, up to
  slice packing (same multiset of endpoints per addressType + ports; same v1 Endpoints subsets).
"""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slicelab
from slicelab.builders import node, pod, service

MAX = 3
PODS = [f"p{i}" for i in range(5)]
IPS = [f"10.0.0.{i}" for i in range(1, 8)]
IPV6 = [None, "fd00::1", "fd00::2"]
LABELS = [{"app": "web"}, {"app": "web", "tier": "a"}, {"app": "db"}]
SELECTORS = [{"app": "web"}, {"tier": "a"}, {"app": "web", "tier": "a"}]  # {} is no selector: see test_endpointslice_controller
PORTS = [[80], [{"name": "http", "port": 80, "targetPort": "http"}],
         [{"name": "a", "port": 80, "targetPort": "http"}, {"name": "b", "port": 81, "targetPort": 9090}]]

pod_event = st.builds(
    lambda name, ip, v6, labels, ready, term, phase, node_name, cport: ("pod", pod(
        name, ip, ipv6=v6, labels=labels, ready=ready, terminating=term, phase=phase, node=node_name,
        ports=[{"name": "http", "containerPort": cport}] if cport else None)),
    st.sampled_from(PODS), st.sampled_from(IPS), st.sampled_from(IPV6), st.sampled_from(LABELS), st.booleans(),
    st.booleans(), st.sampled_from(["Running", "Running", "Pending", "Failed"]),
    st.sampled_from([None, "n1", "n2"]), st.sampled_from([None, 8080, 8081]))
service_event = st.builds(
    lambda name, selector, ports, dual, publish, headless, labels, traffic: ("service", service(
        name, selector=selector, ports=[] if headless else ports, publish_not_ready=publish,
        cluster_ip="None" if headless else None, labels=labels, traffic_distribution=traffic,
        ip_families=["IPv4", "IPv6"] if dual else None, ip_family_policy="PreferDualStack" if dual else None)),
    st.sampled_from(["s1", "s2"]), st.sampled_from(SELECTORS), st.sampled_from(PORTS), st.booleans(), st.booleans(),
    st.booleans(), st.sampled_from([None, {"team": "a"}, {"team": "b"}]), st.sampled_from([None, "PreferClose"]))
events = st.lists(st.one_of(
    pod_event, pod_event, service_event,
    st.tuples(st.just("delete-pod"), st.sampled_from(PODS)),
    st.tuples(st.just("delete-service"), st.sampled_from(["s1", "s2"])),
    st.tuples(st.just("node"), st.sampled_from(["n1", "n2"]).map(lambda n: node(n, zone=f"zone-{n}"))),
    st.tuples(st.just("delete-node"), st.sampled_from(["n1", "n2"])),
), min_size=1, max_size=8)


def run(c: slicelab.Cluster, event) -> list[dict]:
    kind, arg = event
    if kind in ("pod", "service", "node"):
        try:
            return c.apply(arg)
        except slicelab.ManifestError as exc:  # e.g. clusterIP is immutable: rejected like the API server
            assert "immutable" in str(exc)
            return []
    which = {"delete-pod": "Pod", "delete-service": "Service", "delete-node": "Node"}[kind]
    if c.get(which, name=arg):
        return c.delete(which, arg, namespace=None if which == "Node" else "default")
    return []


def endpoint_key(ep: dict, slice_: dict) -> tuple:
    ports = tuple(sorted((p["name"], p["port"], p["protocol"]) for p in slice_.get("ports") or ()))
    return (slice_["addressType"], ports, tuple(ep["addresses"]), ep["targetRef"]["name"],
            tuple(sorted(ep["conditions"].items())), ep.get("zone"), ep.get("nodeName"), ep.get("hostname"),
            repr(ep.get("hints")))


def slice_view(c: slicelab.Cluster, svc: str) -> Counter:
    return Counter(endpoint_key(ep, s)
                   for s in c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={svc},"
                                  "endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io")
                   for ep in s["endpoints"] or ())


def expected_endpoints(c: slicelab.Cluster, svc: dict) -> Counter:
    """Oracle: one endpoint per eligible selected Pod and family, straight from the rules."""
    spec = svc["spec"]
    nodes = {n["metadata"]["name"] for n in c.get("Node")}
    out = Counter()
    for p in c.get("Pod"):
        labels = p["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in spec["selector"].items()):
            continue
        status = p["status"]
        if status["phase"] in ("Failed", "Succeeded") or not status.get("podIPs"):
            continue
        node_name = p["spec"].get("nodeName")
        if node_name and node_name not in nodes and not spec.get("publishNotReadyAddresses"):
            continue
        ready_cond = status["conditions"][0]["status"] == "True"
        terminating = bool(p["metadata"].get("deletionTimestamp"))
        ports = []
        for sp in spec.get("ports") or ():
            target = sp["targetPort"]
            if isinstance(target, str):
                found = [cp["containerPort"] for cp in p["spec"]["containers"][0].get("ports") or ()
                         if cp.get("name") == target]
                if not found:
                    continue
                target = found[0]
            ports.append((sp.get("name", ""), target, "TCP"))
        conditions = {"ready": bool(spec.get("publishNotReadyAddresses")) or (ready_cond and not terminating),
                      "serving": ready_cond, "terminating": terminating}
        for family in spec["ipFamilies"]:
            ips = [e["ip"] for e in status["podIPs"] if (":" in e["ip"]) == (family == "IPv6")]
            if not ips:
                continue
            zone = f"zone-{node_name}" if node_name in nodes else None
            hostname = None
            hints = {"forZones": [{"name": zone}]} if spec.get("trafficDistribution") and zone and \
                conditions["ready"] else None
            out[(family, tuple(sorted(ports)), tuple(ips), p["metadata"]["name"],
                 tuple(sorted(conditions.items())), zone, node_name, hostname, repr(hints))] += 1
    return out


def v1_view(c: slicelab.Cluster, svc: str):
    items = c.get("Endpoints", name=svc)
    return items[0].get("subsets") if items else None


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_invariants_after_every_transaction(sequence):
    c = slicelab.Cluster(max_endpoints_per_slice=MAX, seed=1)
    for event in sequence:
        run(c, event)
        for s in c.get("EndpointSlice"):
            assert len(s["endpoints"] or ()) <= MAX
        for svc in c.get("Service"):
            name = svc["metadata"]["name"]
            assert slice_view(c, name) == expected_endpoints(c, svc)
            mine = c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={name}")
            assert {s["addressType"] for s in mine} == set(svc["spec"]["ipFamilies"])
            team = (svc["metadata"].get("labels") or {}).get("team")
            assert all(s["metadata"]["labels"].get("team") == team for s in mine)
        # Nothing changed → nothing written.
        assert c.apply(c.get("Service") + c.get("Pod") + c.get("Node")) == []


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_incremental_sync_is_exactly_the_full_algorithm(sequence):
    """Examining only slices with changed endpoints gives the very same writes and slices."""
    c = slicelab.Cluster(max_endpoints_per_slice=MAX, seed=1)
    twin = slicelab.Cluster(max_endpoints_per_slice=MAX, seed=1)
    twin._controllers["endpointslice"].incremental = False
    twin._controllers["endpoints"].incremental = False
    for event in sequence:
        run(c, event)
        run(twin, event)
    assert c.writes == twin.writes
    assert c.get("EndpointSlice") == twin.get("EndpointSlice")
    assert c.get("Endpoints") == twin.get("Endpoints")


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_incremental_equals_from_scratch(sequence):
    c = slicelab.Cluster(max_endpoints_per_slice=MAX, seed=1)
    for event in sequence:
        run(c, event)
    fresh = slicelab.Cluster(max_endpoints_per_slice=MAX, seed=2)
    fresh.apply(c.get("Node") + c.get("Service") + c.get("Pod"))
    for svc in c.get("Service"):
        name = svc["metadata"]["name"]
        assert slice_view(c, name) == slice_view(fresh, name)
        assert v1_view(c, name) == v1_view(fresh, name)
    assert {s["metadata"]["name"] for s in c.get("Service")} == {s["metadata"]["name"] for s in fresh.get("Service")}
    assert len(c.get("Endpoints")) == len(fresh.get("Endpoints"))
