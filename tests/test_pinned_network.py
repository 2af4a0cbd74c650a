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
