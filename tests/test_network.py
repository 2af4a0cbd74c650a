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


# --- kube-proxy per node: conditions, internalTrafficPolicy, topology hints (issue 12, point 3) -----------
from slicelab.builders import node  # noqa: E402


def hand_slice(name: str, service_name: str, endpoints: list[dict], ports=({"name": "", "port": 80},),
               address_type: str = "IPv4") -> dict:
    """An EndpointSlice written by hand (not by the controller) for a Service without a selector."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": address_type, "ports": [dict(p, protocol="TCP") for p in ports],
            "endpoints": endpoints}


def test_serving_unset_counts_as_serving_for_the_terminating_fallback():
    # ready=false, terminating=true and no `serving`: the API says unset serving means serving
    c = cluster_with(service("ext", selector=None),
                     hand_slice("ext-1", "ext", [{"addresses": ["10.0.0.1"],
                                                  "conditions": {"ready": False, "terminating": True}}]))
    (b,) = network.backends(c, "ext")
    assert (b.ready, b.serving, b.terminating) == (False, True, True)
    conn = network.connect(c, "ext")
    assert conn.ok and conn.backend.ip == "10.0.0.1"


def local_policy(svc: dict) -> dict:
    svc["spec"]["internalTrafficPolicy"] = "Local"
    return svc


def spread_cluster(svc: dict, extra=()) -> slicelab.Cluster:
    """web-a1/web-a2 on node-a (zone-a), web-b1 on node-b (zone-b); node-c (zone-c) runs none."""
    return cluster_with(svc, node("node-a", zone="zone-a"), node("node-b", zone="zone-b"),
                        node("node-c", zone="zone-c"),
                        pod("web-a1", "10.0.0.1", labels=WEB, node="node-a"),
                        pod("web-a2", "10.0.0.2", labels=WEB, node="node-a"),
                        pod("web-b1", "10.0.0.3", labels=WEB, node="node-b"), *extra)


def test_internal_traffic_policy_local_uses_only_the_client_nodes_endpoints():
    c = spread_cluster(local_policy(service("web", selector=WEB)))
    assert sorted(b.pod for b in network.proxy_endpoints(c, "web", "node-a")) == ["web-a1", "web-a2"]
    assert [b.pod for b in network.proxy_endpoints(c, "web", "node-b")] == ["web-b1"]
    rng = random.Random(4)
    landed = {network.connect(c, "web", 80, rng=rng, client_node="node-a").backend.pod for _ in range(50)}
    assert landed == {"web-a1", "web-a2"}


def test_internal_traffic_policy_local_without_local_endpoints_drops_and_times_out():
    c = spread_cluster(local_policy(service("web", selector=WEB)))
    assert network.proxy_endpoints(c, "web", "node-c") == []
    conn = network.connect(c, "web", 80, client_node="node-c")
    assert conn.outcome == "dropped: no local endpoints" and not conn.ok and conn.backend is None
    assert "timed out" in conn.text() and "node-c" in conn.text() and "refused" not in conn.text()
    assert len(conn.candidates) == 3           # the endpoints exist, on other nodes


def test_internal_traffic_policy_local_with_no_endpoints_anywhere_rejects():
    c = cluster_with(local_policy(service("web", selector=WEB)), node("node-a", zone="zone-a"),
                     pod("web-1", "10.0.0.1", labels=WEB, node="node-a", ready=False))
    assert network.connect(c, "web", 80, client_node="node-a").outcome == "rejected: no endpoints"


def test_internal_traffic_policy_local_falls_back_to_local_terminating_endpoints():
    c = spread_cluster(local_policy(service("web", selector=WEB)))
    c.delete("Pod", "web-b1", graceful=True)           # still serving, terminating
    assert [b.pod for b in network.proxy_endpoints(c, "web", "node-b")] == ["web-b1"]
    assert network.connect(c, "web", 80, client_node="node-b").backend.terminating


@pytest.mark.parametrize("distribution", ["PreferSameZone", "PreferClose"])
def test_zone_hints_keep_traffic_in_the_clients_zone(distribution):
    c = spread_cluster(service("web", selector=WEB, traffic_distribution=distribution))
    assert sorted(b.pod for b in network.proxy_endpoints(c, "web", "node-a")) == ["web-a1", "web-a2"]
    assert [b.pod for b in network.proxy_endpoints(c, "web", "node-b")] == ["web-b1"]
    # no endpoint is hinted for zone-c: node-c ignores the hints and uses every ready endpoint
    assert len(network.proxy_endpoints(c, "web", "node-c")) == 3
    assert network.connect(c, "web", 80, client_node="node-b").backend.pod == "web-b1"


def test_node_hints_keep_traffic_on_the_clients_node_then_zone():
    c = spread_cluster(service("web", selector=WEB, traffic_distribution="PreferSameNode"),
                       extra=[node("node-a2", zone="zone-a")])
    assert [b.pod for b in network.proxy_endpoints(c, "web", "node-b")] == ["web-b1"]
    assert sorted(b.pod for b in network.proxy_endpoints(c, "web", "node-a")) == ["web-a1", "web-a2"]
    # node-a2 runs nothing: no node hint names it, so kube-proxy falls back to its zone's endpoints
    assert sorted(b.pod for b in network.proxy_endpoints(c, "web", "node-a2")) == ["web-a1", "web-a2"]
    assert len(network.proxy_endpoints(c, "web", "node-c")) == 3


def test_hints_are_ignored_unless_every_ready_endpoint_has_one():
    # web-x runs on a node without a zone label: it gets no hint, so nobody uses the hints
    c = spread_cluster(service("web", selector=WEB, traffic_distribution="PreferSameZone"),
                       extra=[node("node-x"), pod("web-x", "10.0.0.9", labels=WEB, node="node-x")])
    assert len(network.proxy_endpoints(c, "web", "node-b")) == 4


def test_without_trafficdistribution_every_node_uses_every_ready_endpoint():
    c = spread_cluster(service("web", selector=WEB))
    for name in ("node-a", "node-b", "node-c", None):
        assert len(network.proxy_endpoints(c, "web", name)) == 3


def test_terminating_fallback_ignores_hints():
    c = spread_cluster(service("web", selector=WEB, traffic_distribution="PreferSameZone"))
    for name in ("web-a1", "web-a2", "web-b1"):
        c.delete("Pod", name, graceful=True)
    assert len(network.proxy_endpoints(c, "web", "node-b")) == 3


def test_dual_stack_clusterip_lands_on_its_own_family():
    c = cluster_with(service("web", selector=WEB, ip_families=["IPv4", "IPv6"], ip_family_policy="RequireDualStack"),
                     pod("web-1", "10.0.0.1", labels=WEB, ipv6="fd00::1"))
    rng = random.Random(0)
    assert {network.connect(c, "web", 80, rng=rng).backend.ip for _ in range(20)} == {"10.0.0.1"}
    assert [b.ip for b in network.proxy_endpoints(c, "web", None, family="IPv6")] == ["fd00::1"]


def test_an_endpoint_listed_in_two_slices_is_used_once():
    ep = {"addresses": ["10.0.0.1"], "conditions": {"ready": True}}
    c = cluster_with(service("ext", selector=None), hand_slice("ext-1", "ext", [ep]), hand_slice("ext-2", "ext", [ep]))
    assert len(network.backends(c, "ext")) == 2             # both slices say it
    assert [b.ip for b in network.proxy_endpoints(c, "ext", None)] == ["10.0.0.1"]


def test_fqdn_slices_are_not_proxied_nor_answered():
    c = cluster_with(service("ext", selector=None, cluster_ip="None"),
                     hand_slice("ext-1", "ext", [{"addresses": ["db.example.com"]}], address_type="FQDN"))
    assert network.resolve(c, "ext").rcode == "NXDOMAIN"
    c2 = cluster_with(service("ext", selector=None),
                      hand_slice("ext-1", "ext", [{"addresses": ["db.example.com"]}], address_type="FQDN"))
    assert network.proxy_endpoints(c2, "ext", None) == []
    assert network.connect(c2, "ext").outcome == "rejected: no endpoints"


def test_headless_and_missing_services_have_no_kube_proxy_rules():
    c = cluster_with(service("web", selector=WEB, cluster_ip="None"), pod("web-1", "10.0.0.1", labels=WEB))
    assert network.proxy_endpoints(c, "web", "node-a") == []
    assert network.proxy_endpoints(c, "nope", "node-a") == []


# --- CoreDNS (issue 12, point 4) -------------------------------------------------------------------------
def test_headless_with_unresolvable_target_port_still_answers_the_ready_pods():
    svc = service("db", selector=WEB, cluster_ip="None", ports=[{"name": "sql", "port": 5432, "targetPort": "sql"}])
    c = cluster_with(svc, pod("db-1", "10.0.0.1", labels=WEB), pod("db-2", "10.0.0.2", labels=WEB, ready=False))
    (eps,) = c.get("EndpointSlice")
    assert not eps.get("ports")                               # no Pod has a port named "sql"
    answer = network.resolve(c, "db")
    assert (answer.rcode, answer.records) == ("NOERROR", ("10.0.0.1",))
