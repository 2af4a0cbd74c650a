"""Pinned client behaviours (issue 15): `connect` to a multi-port Service when no port is named."""
from __future__ import annotations

import pytest

import slicelab
from slicelab import network
from slicelab.builders import pod, service

WEB = {"app": "web"}
PORTS = [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443, "targetPort": 8443}]


def cluster(**svc) -> slicelab.Cluster:
    c = slicelab.Cluster(seed=3)
    c.apply([service("web", selector=WEB, ports=PORTS, **svc), pod("p", "10.0.0.1", labels=WEB)])
    return c


def test_connect_without_a_port_dials_the_services_first_port():
    """`port=None` means the Service's first port (as documented): the ClusterIP at 80, translated by
    kube-proxy to the endpoint port of the slice port named like it (http -> 8080), never https's."""
    c = cluster()
    ip = c.get("Service", name="web")[0]["spec"]["clusterIP"]
    conn = network.connect(c, "web")
    assert (conn.dialed, conn.backend.address, conn.backend.pod) == (f"{ip}:80", "10.0.0.1:8080", "p")
    assert [b.port for b in conn.candidates] == [8080]
    assert network.connect(c, "web", "https").backend.address == "10.0.0.1:8443"
    assert network.connect(c, "web", 443).dialed == f"{ip}:443"


def test_connect_to_a_port_the_service_lacks_names_the_service_and_port():
    with pytest.raises(ValueError, match=r"Service default/web has no port 9999"):
        network.connect(cluster(), "web", 9999)


def test_connect_without_a_port_to_a_headless_service_dials_the_first_ports_endpoint_port():
    c = cluster(cluster_ip="None")
    conn = network.connect(c, "web")
    assert (conn.dialed, conn.backend.port) == ("10.0.0.1:8080", 8080)
    assert network.connect(c, "web", "https").dialed == "10.0.0.1:8443"


def test_backends_without_a_port_are_those_of_the_first_port_only():
    c = cluster()
    c.apply(pod("only-https", "10.0.0.2", labels=WEB,
                ports=[{"name": "tls", "containerPort": 9443}]))
    c.apply(service("web", selector=WEB, ports=[PORTS[0], dict(PORTS[1], targetPort="tls")]))
    assert sorted((b.pod, b.port) for b in network.backends(c, "web")) == [("only-https", 8080), ("p", 8080)]
    assert sorted((b.pod, b.port) for b in network.backends(c, "web", "https")) == [("only-https", 9443)]


def test_services_of_the_same_name_in_two_namespaces_are_kept_apart():
    c = slicelab.Cluster(seed=3)
    c.apply([service("web", selector=WEB, ports=PORTS), service("web", selector=WEB, ports=[PORTS[1]], namespace="shop"),
             pod("p", "10.0.0.1", labels=WEB), pod("q", "10.0.0.2", labels=WEB, namespace="shop")])
    shop_ip = c.get("Service", namespace="shop", name="web")[0]["spec"]["clusterIP"]
    conn = network.connect(c, "web", namespace="shop")
    assert (conn.service, conn.dialed, conn.backend.pod) == ("web", f"{shop_ip}:443", "q")
    assert [b.pod for b in conn.candidates] == ["q"]
    assert network.connect(c, "web.shop").backend.pod == "q"
    assert network.connect(c, "web.shop", "https").dialed == f"{shop_ip}:443"
    assert [b.pod for b in network.backends(c, "web", namespace="shop")] == ["q"]
    assert [b.pod for b in network.backends(c, "web")] == ["p"]
    assert network.resolve(c, "web", "shop").records == (shop_ip,)
    assert network.backends(c, "nope") == [] and network.backends(c, "web", namespace="nowhere") == []
    with pytest.raises(ValueError, match=r"^Service shop/web has no port 80$"):
        network.connect(c, "web", 80, namespace="shop")


def test_backends_are_read_from_the_services_own_slices_only():
    c = slicelab.Cluster(seed=3)
    c.apply([service("web", selector=WEB, ports=[PORTS[0]]), service("webx", selector={"app": "x"}, ports=[PORTS[0]]),
             pod("p", "10.0.0.1", labels=WEB), pod("x", "10.0.0.9", labels={"app": "x"})])
    assert [b.pod for b in network.backends(c, "web")] == ["p"]


def test_connection_outcomes_say_who_was_reached_and_among_whom():
    c = cluster()
    conn = network.connect(c, "web", "http", rng=1)
    assert conn.ok and conn.service == "web" and conn.candidates == (conn.backend,)
    assert conn.text() == f"connect {conn.dialed}: connected to 10.0.0.1:8080 (Pod p)"
    c.apply(pod("p", "10.0.0.1", labels=WEB, ready=False))
    refused = network.connect(c, "web")
    assert (refused.ok, refused.service, refused.backend) == (False, "web", None)
    assert [b.pod for b in refused.candidates] == ["p"]
    assert refused.text() == f"connect {refused.dialed}: connection refused (rejected: no endpoints)"
    assert network.connect(c, "nope").text() == "connect nope.default.svc.cluster.local: no such host"


def test_headless_connection_lists_its_candidates_and_a_pod_ip_without_a_slice_is_still_dialed():
    c = cluster(cluster_ip="None")
    conn = network.connect(c, "web")
    assert conn.service == "web" and [b.pod for b in conn.candidates] == ["p"]
    assert (conn.backend.ready, conn.backend.serving) == (True, True)
    c.apply(service("web", selector=WEB, ports=PORTS, cluster_ip="None", publish_not_ready=True))
    c.apply(pod("p", "10.0.0.1", labels=WEB, ready=False))
    answer = network.resolve(c, "web")
    assert answer.records == ("10.0.0.1",) and answer.text() == \
        "web.default.svc.cluster.local -> 10.0.0.1 (Pod IPs (headless))"


def test_dns_answers_name_every_cluster_ip_of_a_dual_stack_service():
    c = slicelab.Cluster(seed=3)
    c.apply(service("web", selector=WEB, ip_family_policy="RequireDualStack"))
    spec = c.get("Service", name="web")[0]["spec"]
    answer = network.resolve(c, "web")
    assert answer.records == tuple(spec["clusterIPs"]) and len(answer.records) == 2
    assert answer.text() == f"web.default.svc.cluster.local -> {spec['clusterIPs'][0]}, {spec['clusterIPs'][1]} (ClusterIP)"
    v6 = slicelab.Cluster(seed=3)
    v6.apply([service("web", selector=WEB, ip_families=["IPv6"]), pod("p", None, labels=WEB, ipv6="fd00::5")])
    conn = network.connect(v6, "web")
    assert conn.dialed == f"[{v6.get('Service')[0]['spec']['clusterIP']}]:80" and conn.backend.address == "[fd00::5]:80"
    assert network.describe(None) == "" and network.describe(answer) == answer.text()
