"""Cluster: transactions, defaulting, get, writes, pause/resume, errors."""
from __future__ import annotations

import pytest
import yaml

import slicelab
from slicelab.builders import node, pod, service
from slicelab.errors import NotFoundError

WEB = {"app": "web"}


def test_max_endpoints_per_slice_range():
    with pytest.raises(ValueError, match="between 1 and 1000"):
        slicelab.Cluster(max_endpoints_per_slice=0)
    with pytest.raises(ValueError):
        slicelab.Cluster(max_endpoints_per_slice=1001)
    assert slicelab.Cluster(max_endpoints_per_slice=1000).max_endpoints_per_slice == 1000


def test_seed_story_writes():
    c = slicelab.Cluster(seed=0)
    first = c.apply(service("my-service", selector=WEB))
    assert [(w["verb"], w["kind"], w["controller"]) for w in first] == [
        ("create", "Endpoints", "endpoints"), ("create", "EndpointSlice", "endpointslice")]
    second = c.apply([pod("web-1", "10.0.0.1", labels=WEB), pod("web-2", "10.0.0.2", labels=WEB)])
    assert [(w["verb"], w["kind"]) for w in second] == [("update", "Endpoints"), ("update", "EndpointSlice")]
    assert second[1]["name"] == first[1]["name"]  # the placeholder was recycled in place
    (slice_,) = c.get("EndpointSlice")
    assert [e["addresses"] for e in slice_["endpoints"]] == [["10.0.0.1"], ["10.0.0.2"]]
    assert c.writes == first + second


def test_apply_nothing_changed_writes_nothing():
    c = slicelab.Cluster()
    manifests = [service("s", selector=WEB), pod("p", "10.0.0.1", labels=WEB)]
    c.apply(manifests)
    assert c.apply(manifests) == []


def test_yaml_and_list_input():
    c = slicelab.Cluster()
    text = yaml.safe_dump_all([service("s", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    c.apply(text)
    assert [p["metadata"]["name"] for p in c.get("Pod")] == ["p"]
    c.apply({"apiVersion": "v1", "kind": "List", "items": [pod("q", "10.0.0.2", labels=WEB)]})
    assert [p["metadata"]["name"] for p in c.get("pods")] == ["p", "q"]


def test_invalid_manifest_stores_nothing():
    c = slicelab.Cluster()
    bad = pod("bad", "10.0.0.2", labels=WEB, ports=[70000])
    with pytest.raises(slicelab.ManifestError) as info:
        c.apply([service("s", selector=WEB), bad])
    assert str(info.value) == ('Pod "default/bad": spec.containers[0].ports[0].containerPort: '
                               'must be between 1 and 65535, got 70000')
    assert c.get("Service") == [] and c.writes == []


def test_service_defaulting():
    c = slicelab.Cluster(seed=3)
    c.apply(service("s", selector=WEB, ports=[{"name": "http", "port": 80}, {"name": "dns", "port": 53,
                                                                              "protocol": "UDP"}]))
    (svc,) = c.get("Service")
    spec = svc["spec"]
    assert spec["ports"][0]["targetPort"] == 80 and spec["ports"][0]["protocol"] == "TCP"
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
    import ipaddress
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert svc["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    # Re-applying without clusterIP keeps the allocated one.
    c.apply(service("s", selector=WEB, ports=[{"name": "http", "port": 80}]))
    assert c.get("Service")[0]["spec"]["clusterIP"] == spec["clusterIP"]


def test_dual_stack_service_gets_two_cluster_ips():
    c = slicelab.Cluster()
    c.apply(service("s", selector=WEB, ip_family_policy="PreferDualStack"))
    spec = c.get("Service")[0]["spec"]
    assert spec["ipFamilies"] == ["IPv4", "IPv6"]
    assert ":" in spec["clusterIPs"][1] and spec["clusterIPs"][1].startswith("fd00:10:96::")


def test_assigned_uids_are_version_4_uuids():
    import uuid
    c = slicelab.Cluster()
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}") for i in range(20)])
    uids = [uuid.UUID(p["metadata"]["uid"]) for p in c.get("Pod")]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in uids) and len(set(uids)) == 20


def test_given_uid_is_kept():
    c = slicelab.Cluster()
    m = pod("p", "10.0.0.1")
    m["metadata"]["uid"] = "11111111-2222-3333-4444-555555555555"
    c.apply(m)
    assert c.get("Pod")[0]["metadata"]["uid"] == "11111111-2222-3333-4444-555555555555"


def test_get_filters():
    c = slicelab.Cluster()
    c.apply([pod("a", "10.0.0.1", labels={"app": "web", "tier": "1"}), pod("b", "10.0.0.2", labels=WEB),
             pod("c", "10.0.0.3", namespace="other", labels=WEB), node("n1", zone="z1")])
    assert [p["metadata"]["name"] for p in c.get("Pod", label_selector="tier=1")] == ["a"]
    assert [p["metadata"]["name"] for p in c.get("Pod", namespace=None)] == ["a", "b", "c"]
    assert [p["metadata"]["name"] for p in c.get("Pod", name="b")] == ["b"]
    assert [n["metadata"]["name"] for n in c.get("Node")] == ["n1"]
    got = c.get("Pod", name="a")[0]
    got["metadata"]["name"] = "changed"
    assert c.get("Pod", name="a")[0]["metadata"]["name"] == "a"  # get returns copies


def test_delete_missing_raises():
    c = slicelab.Cluster()
    with pytest.raises(NotFoundError, match='Pod "nope" not found'):
        c.delete("Pod", "nope")


def test_pause_and_resume():
    c = slicelab.Cluster()
    c.pause_controller("endpointslice")
    writes = c.apply([service("my-service", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    assert [w["kind"] for w in writes] == ["Endpoints"]
    assert c.get("EndpointSlice") == []
    resumed = c.resume_controller("endpointslice")
    assert [(w["verb"], w["kind"]) for w in resumed] == [("create", "EndpointSlice")]
    with pytest.raises(ValueError, match="unknown controller"):
        c.pause_controller("kube-proxy")


def test_tick_moves_time():
    c = slicelab.Cluster()
    start = c.now
    assert start.tzinfo is not None and start.isoformat() == "2026-01-01T00:00:00+00:00"
    c.tick(90)
    assert (c.now - start).total_seconds() == 90
    c.apply(pod("p", "10.0.0.1"))
    assert c.get("Pod")[0]["metadata"]["creationTimestamp"] == "2026-01-01T00:01:30Z"


def test_cluster_ips_are_seeded_and_distinct():
    def ips(seed):
        c = slicelab.Cluster(seed=seed)
        c.apply([service(f"s{i}", selector=WEB) for i in range(20)])
        return [s["spec"]["clusterIP"] for s in c.get("Service")]
    assert ips(4) == ips(4) and len(set(ips(4))) == 20


def test_graceful_delete_of_other_kinds_deletes_at_once():
    c = slicelab.Cluster()
    c.apply(service("s", selector=WEB))
    c.delete("Service", "s", graceful=True)
    assert c.get("Service") == []


def test_transaction_writes_match_return_value():
    c = slicelab.Cluster()
    writes = c.apply(service("s", selector=WEB))
    assert c.transaction_writes == writes and c.writes == writes
    assert c.apply(service("s", selector=WEB)) == [] and c.transaction_writes == []


def test_seed_makes_names_reproducible():
    def names(seed):
        c = slicelab.Cluster(seed=seed)
        c.apply(service("s", selector=WEB))
        return [s["metadata"]["name"] for s in c.get("EndpointSlice")]
    assert names(1) == names(1)
    assert names(1) != names(2)
    (name,) = names(1)
    assert name.startswith("s-") and len(name) == 7
    assert set(name[2:]) <= set("bcdfghjklmnpqrstvwxz2456789")
