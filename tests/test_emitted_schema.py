"""Every manifest slicelab emits validates against the official STRICT JSON schema of its kind."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import endpoints, node, pod, service
from slicelab.schema import SCHEMA_VERSION, load_schema, schema_problem

WEB = {"app": "web"}


@pytest.fixture(scope="module")
def rich_cluster() -> slicelab.Cluster:
    c = slicelab.Cluster(max_endpoints_per_slice=50, seed=11)
    c.apply([node("n1", zone="zone-a", cpu=4), node("n2", zone="zone-b", cpu="4000m"),
             node("cp", zone="zone-a", cpu=2, control_plane=True)])
    c.apply([
        service("web", selector=WEB, ports=[{"name": "http", "port": 80, "targetPort": "http"},
                                            {"name": "dns", "port": 53, "protocol": "UDP", "appProtocol": "dns"}],
                ip_family_policy="PreferDualStack", traffic_distribution="PreferClose", labels={"team": "a"}),
        service("headless", selector=WEB, cluster_ip="None", ports=[]),
        service("auto", selector=WEB, annotations={"service.kubernetes.io/topology-mode": "Auto"}),
        service("ext", selector=None, ports=[443]),
    ])
    c.apply([pod(f"web-{i}", f"10.1.{i // 250}.{i % 250 + 1}", ipv6=f"fd00::{i + 1:x}" if i % 2 else None,
                 labels=WEB, node="n1" if i % 3 else "n2", ready=i % 5 != 0, terminating=i % 7 == 0,
                 hostname=f"h{i}", subdomain="headless",
                 ports=[{"name": "http", "containerPort": 8080 + i % 2}, {"name": "dns", "containerPort": 5353,
                                                                          "protocol": "UDP"}])
             for i in range(1100)])
    c.apply(endpoints("ext", ["192.0.2.1", "2001:db8::1"], not_ready=["192.0.2.2"], ports=[443]))
    return c


def test_schema_version_is_recent():
    major, minor, _ = (int(x) for x in SCHEMA_VERSION.split("."))
    assert (major, minor) >= (1, 33)
    assert load_schema("EndpointSlice")["required"] == ["addressType", "endpoints"]


@pytest.mark.parametrize("kind", ["Service", "Pod", "Node", "Endpoints", "EndpointSlice"])
def test_emitted_objects_validate_strictly(rich_cluster, kind):
    items = rich_cluster.get(kind, namespace=None)
    assert items, f"the fixture should produce some {kind}"
    problems = [(item["metadata"]["name"], schema_problem(item)) for item in items]
    assert [p for p in problems if p[1]] == []


def test_fixture_covers_the_interesting_shapes(rich_cluster):
    slices = rich_cluster.get("EndpointSlice")
    assert {s["addressType"] for s in slices} == {"IPv4", "IPv6"}
    assert any(e.get("hints") for s in slices for e in s["endpoints"] or ())
    assert any(e.get("hostname") for s in slices for e in s["endpoints"] or ())
    assert any(e["conditions"]["terminating"] for s in slices for e in s["endpoints"] or ())
    over = rich_cluster.get("Endpoints", name="web")[0]
    assert over["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"


def test_schema_check_catches_a_broken_slice():
    bad = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "x"},
           "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"], "ready": True}]}
    path, problem = schema_problem(bad)
    assert path == "endpoints[0].ready" and "unknown field" in problem
    assert schema_problem({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "x"},
                           "addressType": "IPv4"}) is not None  # `endpoints` is required
