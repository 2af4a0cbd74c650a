"""EndpointSlice controller: the worked examples of kubernetes-semantics.md §3, §8 and table §11."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import node, pod, service
from slicelab.controllers.endpointslices import service_address_types
from slicelab.objects import service_facts

WEB = {"app": "web"}


def ip(i: int) -> str:
    return f"10.1.{i // 250}.{i % 250 + 1}"


def pods(start: int, stop: int, **kw) -> list[dict]:
    return [pod(f"web-{i}", ip(i), labels=WEB, **kw) for i in range(start, stop)]


def slices(c: slicelab.Cluster, name: str = "my-service") -> list[dict]:
    return c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={name}")


def sizes(c: slicelab.Cluster) -> list[int]:
    return sorted((len(s["endpoints"] or []) for s in slices(c)), reverse=True)


def members(c: slicelab.Cluster) -> dict[str, list[str]]:
    return {s["metadata"]["name"]: [e["targetRef"]["name"] for e in s["endpoints"] or []] for s in slices(c)}


def verbs(writes: list[dict], kind: str = "EndpointSlice") -> list[str]:
    return [w["verb"] for w in writes if w["kind"] == kind]


@pytest.fixture
def cluster() -> slicelab.Cluster:
    c = slicelab.Cluster(max_endpoints_per_slice=100, seed=7)
    c.apply(service("my-service", selector=WEB, ports=[80]))
    return c


def test_placeholder_for_service_without_pods(cluster):
    (placeholder,) = slices(cluster)
    assert placeholder["endpoints"] is None and "ports" not in placeholder
    assert placeholder["addressType"] == "IPv4"
    assert placeholder["metadata"]["generateName"] == "my-service-"
    assert placeholder["metadata"]["labels"] == {
        "kubernetes.io/service-name": "my-service",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    svc = cluster.get("Service")[0]
    assert placeholder["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Service", "name": "my-service", "uid": svc["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]


def test_identical_placeholder_is_kept_without_a_write(cluster):
    before = slices(cluster)
    assert cluster.apply(pod("other", "10.9.9.9", labels={"app": "db"})) == []
    assert slices(cluster) == before


def test_first_pod_recycles_placeholder_and_last_pod_restores_it(cluster):
    name = slices(cluster)[0]["metadata"]["name"]
    writes = cluster.apply(pods(0, 1))
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == [("update", name)]
    (s,) = slices(cluster)
    assert s["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    writes = cluster.delete("Pod", "web-0")
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == [("update", name)]
    assert slices(cluster)[0]["endpoints"] is None


def test_scale_to_250_then_251_then_back(cluster):
    writes = cluster.apply(pods(0, 250))
    assert sizes(cluster) == [100, 100, 50]
    assert verbs(writes) == ["create", "create", "update"]  # two creates + the recycled placeholder
    writes = cluster.apply(pods(250, 251))
    assert sizes(cluster) == [100, 100, 51] and verbs(writes) == ["update"]
    full = next(n for n, m in members(cluster).items() if len(m) == 100)
    victim = members(cluster)[full][10]
    writes = cluster.delete("Pod", victim)
    assert sizes(cluster) == [100, 99, 51]
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == [("update", full)]


def test_new_slice_endpoints_in_numeric_ip_order(cluster):
    cluster.apply([pod("b", "10.0.0.10", labels=WEB), pod("a", "10.0.0.9", labels=WEB),
                   pod("c", "10.0.0.100", labels=WEB)])
    assert [e["addresses"][0] for e in slices(cluster)[0]["endpoints"]] == ["10.0.0.9", "10.0.0.10", "10.0.0.100"]


def test_phase3_62_61_plus_127_gives_100_89_61(cluster):
    cluster.apply(pods(0, 200))
    groups = list(members(cluster).values())
    doomed = groups[0][:38] + groups[1][:39]
    cluster.apply([pod(n, ip(int(n.split("-")[1])), labels=WEB, phase="Failed") for n in doomed])
    assert sizes(cluster) == [62, 61]
    writes = cluster.apply(pods(200, 327))
    assert verbs(writes) == ["create", "update"]
    assert sizes(cluster) == [100, 89, 61]


def test_phase3_74_74_plus_152_gives_100_74_74_52(cluster):
    cluster.apply(pods(0, 200))
    groups = list(members(cluster).values())
    for name in groups[0][:26] + groups[1][:26]:
        cluster.delete("Pod", name)
    assert sizes(cluster) == [74, 74]
    writes = cluster.apply(pods(200, 352))
    assert verbs(writes) == ["create", "create"]
    assert sizes(cluster) == [100, 74, 74, 52]


def test_phase2_fills_updated_slices_fullest_first(cluster):
    cluster.apply(pods(0, 100))
    cluster.apply(pods(100, 120))
    assert sizes(cluster) == [100, 20]
    big = next(m for m in members(cluster).values() if len(m) == 100)
    for name in big[:20]:
        cluster.delete("Pod", name)
    assert sizes(cluster) == [80, 20]
    small = next(m for m in members(cluster).values() if len(m) == 20)
    big = next(m for m in members(cluster).values() if len(m) == 80)
    flips = [pod(n, ip(int(n.split("-")[1])), labels=WEB, ready=False) for n in (big[0], small[0])]
    writes = cluster.apply(flips + pods(200, 215))
    assert verbs(writes) == ["update", "update"]
    assert sizes(cluster) == [95, 20]


def test_not_ready_is_an_in_place_update(cluster):
    cluster.apply(pods(0, 3))
    before = members(cluster)
    writes = cluster.apply(pod("web-1", ip(1), labels=WEB, ready=False))
    assert verbs(writes) == ["update"] and verbs(writes, "Endpoints") == ["update"]
    assert members(cluster) == before
    ep = slices(cluster)[0]["endpoints"][1]
    assert ep["conditions"] == {"ready": False, "serving": False, "terminating": False}
    v1 = cluster.get("Endpoints")[0]["subsets"][0]
    assert [a["ip"] for a in v1["notReadyAddresses"]] == [ip(1)]


@pytest.mark.parametrize("ready,publish,expected", [
    (True, False, {"ready": False, "serving": True, "terminating": True}),
    (False, False, {"ready": False, "serving": False, "terminating": True}),
    (True, True, {"ready": True, "serving": True, "terminating": True}),
])
def test_terminating_pod_conditions(ready, publish, expected):
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, publish_not_ready=publish))
    c.apply(pod("p", "10.0.0.1", labels=WEB, ready=ready, terminating=True))
    assert slices(c)[0]["endpoints"][0]["conditions"] == expected
    subsets = c.get("Endpoints")[0].get("subsets")
    assert bool(subsets) == publish  # v1 drops terminating pods unless publishNotReadyAddresses


def test_graceful_delete_then_gone(cluster):
    cluster.apply(pods(0, 2))
    writes = cluster.delete("Pod", "web-0", graceful=True)
    assert verbs(writes) == ["update"] and verbs(writes, "Endpoints") == ["update"]
    assert slices(cluster)[0]["endpoints"][0]["conditions"]["terminating"] is True
    assert [a["ip"] for a in cluster.get("Endpoints")[0]["subsets"][0]["addresses"]] == [ip(1)]
    writes = cluster.delete("Pod", "web-0")
    assert verbs(writes) == ["update"] and verbs(writes, "Endpoints") == []
    assert len(slices(cluster)[0]["endpoints"]) == 1


def test_ineligible_pods():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    c.apply([pod("no-ip", None, labels=WEB), pod("done", "10.0.0.2", labels=WEB, phase="Succeeded"),
             pod("failed", "10.0.0.3", labels=WEB, phase="Failed"),
             pod("pending-ready", "10.0.0.4", labels=WEB, phase="Pending"),
             pod("other-ns", "10.0.0.5", labels=WEB, namespace="other")])
    assert [e["targetRef"]["name"] for e in slices(c)[0]["endpoints"]] == ["pending-ready"]


def test_empty_selector_is_stored_as_no_selector_and_left_alone():
    # `selector: {}` is an omitempty map: the API server stores no selector (kubernetes#25836)
    c = slicelab.Cluster()
    assert c.apply([service("my-service", selector={}), pod("a", "10.0.0.1"),
                    pod("b", "10.0.0.2", labels={"x": "y"})]) == []
    assert "selector" not in c.get("Service", name="my-service")[0]["spec"]
    assert c.get("Endpoints") == [] and slices(c) == []


def test_selector_emptied_later_leaves_what_the_controllers_wrote():
    c = slicelab.Cluster()
    c.apply([service("my-service", selector=WEB), pod("a", "10.0.0.1", labels=WEB), pod("b", "10.0.0.2")])
    before = slices(c)
    writes = c.apply(service("my-service", selector={}))
    assert [w["controller"] for w in writes] == ["endpointslice-mirroring"]   # the Endpoints now look hand-written
    assert [s for s in slices(c) if s["metadata"]["name"] == before[0]["metadata"]["name"]] == before
    assert {e["targetRef"]["name"] for s in slices(c) for e in s["endpoints"]} == {"a"}


def test_service_without_selector_is_left_alone():
    c = slicelab.Cluster()
    assert c.apply(service("my-service", selector=None)) == []
    assert c.get("Endpoints") == [] and slices(c) == []


def test_external_name_service_gets_nothing():
    c = slicelab.Cluster()
    svc = service("my-service", selector=WEB)
    svc["spec"].update({"type": "ExternalName", "externalName": "example.com"})
    assert c.apply(svc) == []


def test_dual_stack_placeholder_per_family():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ip_family_policy="RequireDualStack"))
    assert sorted(s["addressType"] for s in slices(c)) == ["IPv4", "IPv6"]
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    by_type = {s["addressType"]: s for s in slices(c)}
    assert by_type["IPv4"]["endpoints"][0]["addresses"] == ["10.0.0.1"]
    assert by_type["IPv6"]["endpoints"] is None
    c.apply(pod("q", "10.0.0.2", ipv6="FD00:0:0:0:0:0:0:2", labels=WEB))
    by_type = {s["addressType"]: s for s in slices(c)}
    assert by_type["IPv6"]["endpoints"][0]["addresses"] == ["fd00::2"]  # canonical form
    v1 = c.get("Endpoints")[0]["subsets"][0]["addresses"]
    assert [a["ip"] for a in v1] == ["10.0.0.1", "10.0.0.2"]  # v1: primary family only


def test_family_removed_from_service_deletes_its_slices():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ip_families=["IPv4", "IPv6"], ip_family_policy="PreferDualStack"))
    v6 = [s["metadata"]["name"] for s in slices(c) if s["addressType"] == "IPv6"]
    svc = c.get("Service")[0]
    svc["spec"]["ipFamilies"] = ["IPv4"]
    svc["spec"]["ipFamilyPolicy"] = "SingleStack"
    svc["spec"]["clusterIPs"] = svc["spec"]["clusterIPs"][:1]
    writes = c.apply(svc)
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == [("delete", v6[0])]


def test_address_types_fallbacks():
    base = service("s", selector=WEB)
    base["metadata"]["uid"] = "u"
    base["spec"]["clusterIP"] = "None"
    assert service_address_types(service_facts(base)) == ["IPv4", "IPv6"]
    base["spec"]["clusterIP"] = "fd00:10:96::5"
    assert service_address_types(service_facts(base)) == ["IPv6"]


def test_named_ports_split_slices():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"port": 80, "targetPort": "http"}]))
    c.apply([pod(f"p{i}", ip(i), labels=WEB, ports=[{"name": "http", "containerPort": 8000 + i % 5}])
             for i in range(300)])
    assert sizes(c) == [60] * 5
    assert sorted(s["ports"][0]["port"] for s in slices(c)) == [8000, 8001, 8002, 8003, 8004]
    subsets = c.get("Endpoints")[0]["subsets"]
    assert sorted(s["ports"][0]["port"] for s in subsets) == [8000, 8001, 8002, 8003, 8004]
    # targetPort change: everything becomes new, packed full, old names recycled (3 updates + 2 deletes)
    svc = c.get("Service")[0]
    svc["spec"]["ports"][0]["targetPort"] = 9090
    writes = c.apply(svc)
    assert verbs(writes) == ["update"] * 3 + ["delete"] * 2
    assert sizes(c) == [100, 100, 100]


def test_target_port_change_10x30_to_100_100_100():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"port": 80, "targetPort": "http"}]))
    c.apply([pod(f"p{i}", ip(i), labels=WEB, ports=[{"name": "http", "containerPort": 8000 + i % 10}])
             for i in range(300)])
    assert sizes(c) == [30] * 10
    names_before = {s["metadata"]["name"] for s in slices(c)}
    svc = c.get("Service")[0]
    svc["spec"]["ports"][0]["targetPort"] = 8080
    writes = c.apply(svc)
    assert verbs(writes) == ["update"] * 3 + ["delete"] * 7
    assert sizes(c) == [100, 100, 100]
    assert {s["metadata"]["name"] for s in slices(c)} < names_before


def test_unresolvable_named_port_pod_still_in_slice_but_not_in_v1():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"port": 80, "targetPort": "http"}]))
    c.apply([pod("good", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}]),
             pod("bad", "10.0.0.2", labels=WEB, ports=[{"name": "metrics", "containerPort": 9090}])])
    by_ports = {tuple(p["port"] for p in s.get("ports") or ()): s for s in slices(c)}
    assert by_ports[()]["endpoints"][0]["targetRef"]["name"] == "bad"
    assert by_ports[(8080,)]["endpoints"][0]["targetRef"]["name"] == "good"
    assert [a["targetRef"]["name"] for s in c.get("Endpoints")[0]["subsets"] for a in s["addresses"]] == ["good"]


def test_find_port_protocol_and_sidecars():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"name": "dns", "port": 53, "targetPort": "dns",
                                                        "protocol": "UDP"},
                                                       {"name": "web", "port": 80, "targetPort": "proxy"}]))
    c.apply(pod("p", "10.0.0.1", labels=WEB,
                ports=[{"name": "dns", "containerPort": 5353, "protocol": "TCP"},
                       {"name": "dns-udp", "containerPort": 5354, "protocol": "UDP"}],
                sidecar_ports=[{"name": "dns", "containerPort": 1053, "protocol": "UDP"},
                               {"name": "proxy", "containerPort": 15001}]))
    (s,) = slices(c)
    assert s["ports"] == [{"name": "dns", "port": 1053, "protocol": "UDP"},
                          {"name": "web", "port": 15001, "protocol": "TCP"}]


def test_regular_container_wins_over_sidecar():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"port": 80, "targetPort": "http"}]))
    c.apply(pod("p", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}],
                sidecar_ports=[{"name": "http", "containerPort": 9999}]))
    assert slices(c)[0]["ports"][0]["port"] == 8080


def test_labels_copied_minus_reserved_and_headless():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, cluster_ip="None",
                    labels={"team": "a", "kubernetes.io/service-name": "spoof"}))
    labels = slices(c)[0]["metadata"]["labels"]
    assert labels == {"team": "a", "kubernetes.io/service-name": "my-service",
                      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                      "service.kubernetes.io/headless": ""}
    ep_labels = c.get("Endpoints")[0]["metadata"]["labels"]
    assert ep_labels == {"team": "a", "kubernetes.io/service-name": "spoof", "service.kubernetes.io/headless": ""}


def test_service_label_change_updates_every_slice(cluster):
    cluster.apply(pods(0, 150))
    svc = cluster.get("Service")[0]
    svc["metadata"]["labels"] = {"tier": "front"}
    writes = cluster.apply(svc)
    assert verbs(writes) == ["update", "update"] and verbs(writes, "Endpoints") == ["update"]
    svc["metadata"]["labels"] = {"tier": "front", "endpointslice.kubernetes.io/managed-by": "me"}
    writes = cluster.apply(svc)
    assert verbs(writes) == [] and verbs(writes, "Endpoints") == ["update"]


def test_unchanged_pod_resource_version_only_writes_nothing(cluster):
    cluster.apply(pods(0, 5))
    p = cluster.get("Pod", name="web-1")[0]
    p["metadata"]["annotations"] = {"note": "hello"}
    assert cluster.apply(p) == []


def test_pod_ip_change_is_remove_plus_add(cluster):
    cluster.apply(pods(0, 3))
    writes = cluster.apply(pod("web-1", "10.7.7.7", labels=WEB))
    assert verbs(writes) == ["update"]
    assert [e["addresses"][0] for e in slices(cluster)[0]["endpoints"]] == [ip(0), ip(2), "10.7.7.7"]


def test_hostname_published_only_with_matching_subdomain():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, cluster_ip="None", ports=[]))
    c.apply([pod("a", "10.0.0.1", labels=WEB, hostname="a", subdomain="my-service"),
             pod("b", "10.0.0.2", labels=WEB, hostname="b", subdomain="other")])
    eps = slices(c)[0]["endpoints"]
    assert [e.get("hostname") for e in eps] == ["a", None]
    assert "ports" not in slices(c)[0]
    subset = c.get("Endpoints")[0]["subsets"][0]
    assert "ports" not in subset and [a.get("hostname") for a in subset["addresses"]] == ["a", None]


def test_zone_and_node_and_missing_node():
    c = slicelab.Cluster()
    c.apply([node("n1", zone="zone-a"), service("my-service", selector=WEB)])
    c.apply([pod("a", "10.0.0.1", labels=WEB, node="n1"), pod("b", "10.0.0.2", labels=WEB, node="ghost")])
    (ep,) = slices(c)[0]["endpoints"]
    assert ep["nodeName"] == "n1" and ep["zone"] == "zone-a"
    assert any("b (Node ghost not found)" in e for e in c.controller_errors())
    assert len(c.get("Endpoints")[0]["subsets"][0]["addresses"]) == 2  # v1 does not read Nodes
    writes = c.apply(node("ghost", zone="zone-b"))
    assert verbs(writes) == ["update"]
    assert [e["zone"] for e in slices(c)[0]["endpoints"]] == ["zone-a", "zone-b"]


def test_service_deleted_gc_deletes_slices_endpoints_controller_deletes_endpoints(cluster):
    cluster.apply(pods(0, 150))
    writes = cluster.delete("Service", "my-service")
    assert [(w["verb"], w["kind"], w["controller"]) for w in writes] == [
        ("delete", "Endpoints", "endpoints"),
        ("delete", "EndpointSlice", "garbage-collector"), ("delete", "EndpointSlice", "garbage-collector")]
    assert slices(cluster) == []


def test_recreated_service_replaces_unowned_slices():
    c = slicelab.Cluster()
    c.pause_controller("garbage-collector")
    c.apply([service("my-service", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    old = slices(c)[0]["metadata"]["name"]
    c.delete("Service", "my-service")
    writes = c.apply(service("my-service", selector=WEB))
    assert [(w["verb"], w["name"] == old) for w in writes if w["kind"] == "EndpointSlice"] == [
        ("create", False), ("delete", True)]


def test_slices_of_other_managers_are_not_touched(cluster):
    foreign = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": "my-service-manual", "labels": {"kubernetes.io/service-name": "my-service"}},
               "addressType": "IPv4", "endpoints": [{"addresses": ["10.9.0.1"]}]}
    assert cluster.apply(foreign) == []
    cluster.apply(pods(0, 2))
    assert cluster.get("EndpointSlice", name="my-service-manual")[0]["endpoints"] == [{"addresses": ["10.9.0.1"]}]


def test_max_endpoints_per_slice_small():
    c = slicelab.Cluster(max_endpoints_per_slice=5)
    c.apply(service("my-service", selector=WEB))
    c.apply(pods(0, 15))
    assert sizes(c) == [5, 5, 5]


def test_traffic_distribution_prefer_close_hints():
    c = slicelab.Cluster()
    c.apply([node("n1", zone="zone-a"), node("n2", zone="zone-b"),
             service("my-service", selector=WEB, traffic_distribution="PreferClose")])
    c.apply([pod("a", "10.0.0.1", labels=WEB, node="n1"), pod("b", "10.0.0.2", labels=WEB, node="n2", ready=False)])
    eps = slices(c)[0]["endpoints"]
    assert eps[0]["hints"] == {"forZones": [{"name": "zone-a"}]}
    assert "hints" not in eps[1]  # hints only on ready endpoints
    svc = c.get("Service")[0]
    del svc["spec"]["trafficDistribution"]
    writes = c.apply(svc)
    assert verbs(writes) == ["update"] and "hints" not in slices(c)[0]["endpoints"][0]


def test_prefer_same_node_adds_node_hints():
    c = slicelab.Cluster()
    c.apply([node("n1", zone="zone-a"), service("my-service", selector=WEB, traffic_distribution="PreferSameNode")])
    c.apply(pod("a", "10.0.0.1", labels=WEB, node="n1"))
    assert slices(c)[0]["endpoints"][0]["hints"] == {"forZones": [{"name": "zone-a"}], "forNodes": [{"name": "n1"}]}


def _auto_cluster(zones_of_pods):
    c = slicelab.Cluster()
    c.apply([node("na", zone="zone-a", cpu=4), node("nb", zone="zone-b", cpu=4), node("nc", zone="zone-c", cpu=4),
             service("my-service", selector=WEB, annotations={"service.kubernetes.io/topology-mode": "Auto"})])
    c.apply([pod(f"p{i}", ip(i), labels=WEB, node=f"n{z}") for i, z in enumerate(zones_of_pods)])
    return c


def test_topology_mode_auto_redistributes_hints():
    c = _auto_cluster("ccc")
    hints = [e["hints"]["forZones"][0]["name"] for e in slices(c)[0]["endpoints"]]
    assert sorted(hints) == ["zone-a", "zone-b", "zone-c"]
    assert sum(1 for e in slices(c)[0]["endpoints"] if e["zone"] != e["hints"]["forZones"][0]["name"]) == 2


def test_topology_mode_auto_disabled_when_minimum_does_not_fit():
    c = _auto_cluster("aacc")
    assert all("hints" not in e for e in slices(c)[0]["endpoints"])
    assert any(e.startswith("TopologyAwareHintsDisabled: ") for e in c.controller_events())


def test_service_deleting_creates_nothing():
    c = slicelab.Cluster()
    svc = service("my-service", selector=WEB)
    svc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    writes = c.apply(svc)
    assert verbs(writes) == [] and verbs(writes, "Endpoints") == ["create"]


def test_user_edit_of_a_managed_slice_is_reconciled_back(cluster):
    cluster.apply(pods(0, 3))
    (s,) = slices(cluster)
    s["endpoints"] = s["endpoints"][:1]
    writes = cluster.apply(s)
    assert [(w["verb"], w["name"], w["controller"]) for w in writes] == [
        ("update", s["metadata"]["name"], "endpointslice")]
    assert len(slices(cluster)[0]["endpoints"]) == 3


def test_user_deleting_a_managed_slice_gets_it_recreated(cluster):
    cluster.apply(pods(0, 3))
    (s,) = slices(cluster)
    writes = cluster.delete("EndpointSlice", s["metadata"]["name"])
    assert [(w["verb"], w["kind"]) for w in writes] == [("create", "EndpointSlice")]
    assert len(slices(cluster)[0]["endpoints"]) == 3


def test_topology_mode_auto_keeps_valid_hints_of_unchanged_slices():
    c = slicelab.Cluster(max_endpoints_per_slice=3)
    c.apply([node("na", zone="zone-a", cpu=4), node("nb", zone="zone-b", cpu=4), node("nc", zone="zone-c", cpu=4),
             service("my-service", selector=WEB, annotations={"service.kubernetes.io/topology-mode": "Auto"})])
    c.apply([pod(f"p{i}", ip(i), labels=WEB, node=f"n{z}") for i, z in enumerate("aabbcc")])
    assert all(e["hints"] == {"forZones": [{"name": e["zone"]}]} for s in slices(c) for e in s["endpoints"])
    writes = c.apply(pod("p9", ip(9), labels=WEB, node="na"))
    assert verbs(writes) == ["create"]  # both full slices keep their (still valid) hints untouched
    assert all(e["hints"] == {"forZones": [{"name": e["zone"]}]} for s in slices(c) for e in s["endpoints"])
