"""Clients: DNS answers for ClusterIP and headless Services, kube-proxy's choice, connection outcomes."""
from __future__ import annotations

import random

import pytest

import slicelab
from slicelab import network
from slicelab.builders import pod, service


def cluster_with(*objs) -> slicelab.Cluster:
    c = slicelab.Cluster(seed=3)
    c.apply(list(objs))
    return c


WEB = {"app": "web"}


def test_clusterip_service_resolves_to_its_clusterip_whatever_the_endpoints():
    c = cluster_with(service("web", selector=WEB))
    ip = c.get("Service", name="web")[0]["spec"]["clusterIP"]
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local"):
        answer = network.resolve(c, name)
        assert (answer.rcode, answer.records, answer.service_type) == ("NOERROR", (ip,), "ClusterIP")
        assert answer.fqdn == "web.default.svc.cluster.local"


@pytest.mark.parametrize("name", ["nope", "web.other", "web.default.pod", "web.default.svc.cluster"])
def test_unknown_names_are_nxdomain(name):
    c = cluster_with(service("web", selector=WEB))
    assert network.resolve(c, name).rcode == "NXDOMAIN"
    assert network.connect(c, name).outcome == "no such host"


def test_headless_service_answers_with_ready_pod_ips_only():
    c = cluster_with(service("web", selector=WEB, cluster_ip="None"),
                     pod("web-1", "10.0.0.1", labels=WEB), pod("web-2", "10.0.0.2", labels=WEB, ready=False),
                     pod("web-3", "10.0.0.3", labels=WEB, terminating=True))
    answer = network.resolve(c, "web")
    assert (answer.service_type, answer.records) == ("headless", ("10.0.0.1",))
    conn = network.connect(c, "web", 80)
    assert conn.ok and conn.dialed == "10.0.0.1:80" and conn.backend.pod == "web-1"


def test_headless_client_dials_the_pod_at_the_endpoint_port():
    c = cluster_with(service("web", selector=WEB, cluster_ip="None", ports=[80], target_port=8080),
                     pod("web-1", "10.0.0.1", labels=WEB))
    conn = network.connect(c, "web", 80)
    assert conn.dialed == "10.0.0.1:8080" and conn.backend.address == "10.0.0.1:8080"


def test_headless_with_publish_not_ready_answers_every_address():
    c = cluster_with(service("web", selector=WEB, cluster_ip="None", publish_not_ready=True),
                     pod("web-1", "10.0.0.1", labels=WEB), pod("web-2", "10.0.0.2", labels=WEB, ready=False))
    assert set(network.resolve(c, "web").records) == {"10.0.0.1", "10.0.0.2"}


def test_headless_without_endpoints_is_nxdomain():
    c = cluster_with(service("web", selector=WEB, cluster_ip="None"))
    assert network.resolve(c, "web").rcode == "NXDOMAIN"


def test_no_endpoints_means_rejected():
    c = cluster_with(service("web", selector=WEB), pod("web-1", "10.0.0.1", labels=WEB, ready=False))
    conn = network.connect(c, "web", 80)
    assert conn.outcome == "rejected: no endpoints" and not conn.ok and conn.backend is None
    assert [b.ip for b in conn.candidates] == ["10.0.0.1"]      # it is in the slice, just not ready
    assert "connection refused" in conn.text()


def test_kube_proxy_picks_only_ready_endpoints_and_all_of_them():
    c = cluster_with(service("web", selector=WEB, ports=[80], target_port=8080),
                     *(pod(f"web-{i}", f"10.0.0.{i}", labels=WEB) for i in (1, 2, 3)),
                     pod("web-4", "10.0.0.4", labels=WEB, ready=False),
                     pod("web-5", "10.0.0.5", labels=WEB, terminating=True))
    rng = random.Random(1)
    chosen = [network.connect(c, "web", 80, rng=rng).backend for _ in range(200)]
    assert {b.ip for b in chosen} == {"10.0.0.1", "10.0.0.2", "10.0.0.3"}
    assert {b.port for b in chosen} == {8080}
    ip = c.get("Service", name="web")[0]["spec"]["clusterIP"]
    assert network.connect(c, "web", 80).dialed == f"{ip}:80"


def test_choice_is_reproducible_for_a_seed():
    c = cluster_with(service("web", selector=WEB), *(pod(f"web-{i}", f"10.0.0.{i}", labels=WEB) for i in (1, 2, 3)))
    first = [network.connect(c, "web", rng=s).backend.ip for s in range(20)]
    assert first == [network.connect(c, "web", rng=s).backend.ip for s in range(20)]
    assert len(set(first)) > 1


def test_falls_back_to_serving_terminating_endpoints():
    c = cluster_with(service("web", selector=WEB),
                     pod("web-1", "10.0.0.1", labels=WEB, terminating=True),              # serving
                     pod("web-2", "10.0.0.2", labels=WEB, terminating=True, ready=False))  # not serving
    conn = network.connect(c, "web", 80)
    assert conn.ok and conn.backend.ip == "10.0.0.1" and conn.backend.terminating
    assert [b.ip for b in network.usable_backends(network.backends(c, "web", 80))] == ["10.0.0.1"]


def test_service_port_maps_to_the_slice_port_of_the_same_name():
    svc = service("web", selector=WEB, ports=[{"name": "http", "port": 80, "targetPort": "http"},
                                              {"name": "admin", "port": 9000, "targetPort": 9090}])
    c = cluster_with(svc, pod("web-1", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}]))
    assert network.connect(c, "web", 80).backend.address == "10.0.0.1:8080"
    assert network.connect(c, "web", "admin").backend.address == "10.0.0.1:9090"
    with pytest.raises(ValueError, match="has no port 443"):
        network.connect(c, "web", 443)


def test_network_reads_timeline_frames_like_a_cluster():
    from slicelab.scenario import load_scenario
    t = load_scenario("seed").replay()
    assert network.resolve(t[5], "my-service").records == network.resolve(t[12], "my-service").records
    assert network.connect(t[6], "my-service", 80).ok
    assert network.connect(t[12], "my-service", 80).outcome == "rejected: no endpoints"
