"""EndpointSlice mirroring for Services without a selector (kubernetes-semantics.md §4)."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import endpoints, pod, service

MIRROR = "endpointslicemirroring-controller.k8s.io"


def mirrored(c: slicelab.Cluster) -> list[dict]:
    return c.get("EndpointSlice", label_selector=f"endpointslice.kubernetes.io/managed-by={MIRROR}")


def setup(**kw) -> slicelab.Cluster:
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    c.apply(endpoints("ext", ["192.0.2.10", "192.0.2.11"], not_ready=["192.0.2.12"], **kw))
    return c


def test_endpoints_are_mirrored_into_one_slice():
    c = setup(labels={"team": "a"})
    (s,) = mirrored(c)
    ep_obj = c.get("Endpoints")[0]
    assert s["addressType"] == "IPv4"
    assert s["metadata"]["generateName"] == "ext-"
    assert s["metadata"]["labels"] == {"team": "a", "kubernetes.io/service-name": "ext",
                                       "endpointslice.kubernetes.io/managed-by": MIRROR}
    assert s["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Endpoints", "name": "ext",
                                                 "uid": ep_obj["metadata"]["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}]
    assert [(e["addresses"], e["conditions"]) for e in s["endpoints"]] == [
        (["192.0.2.10"], {"ready": True}), (["192.0.2.11"], {"ready": True}), (["192.0.2.12"], {"ready": False})]
    assert s["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]


def test_writes_are_recorded_as_mirroring():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None))
    writes = c.apply(endpoints("ext", ["192.0.2.10"]))
    assert [(w["verb"], w["kind"], w["controller"]) for w in writes] == [
        ("create", "EndpointSlice", "endpointslice-mirroring")]


def test_update_rewrites_the_same_slice():
    c = setup()
    name = mirrored(c)[0]["metadata"]["name"]
    writes = c.apply(endpoints("ext", ["192.0.2.10"]))
    assert [(w["verb"], w["name"]) for w in writes] == [("update", name)]
    assert [e["addresses"] for e in mirrored(c)[0]["endpoints"]] == [["192.0.2.10"]]
    assert c.apply(endpoints("ext", ["192.0.2.10"])) == []


def test_no_addresses_means_no_slice():
    c = setup()
    name = mirrored(c)[0]["metadata"]["name"]
    writes = c.apply(endpoints("ext", []))
    assert [(w["verb"], w["name"]) for w in writes] == [("delete", name)]
    assert mirrored(c) == []


def test_skip_mirror_label():
    c = setup(labels={"endpointslice.kubernetes.io/skip-mirror": "true"})
    assert mirrored(c) == []


def test_no_service_no_mirror():
    c = slicelab.Cluster()
    c.apply(endpoints("lonely", ["192.0.2.10"]))
    assert mirrored(c) == []


def test_service_gaining_selector_removes_mirrored_slices():
    c = setup()
    name = mirrored(c)[0]["metadata"]["name"]
    writes = c.apply(service("ext", selector={"app": "web"}, ports=[80]))
    assert ("delete", "EndpointSlice", name, "endpointslice-mirroring") in [
        (w["verb"], w["kind"], w["name"], w["controller"]) for w in writes]
    assert mirrored(c) == []
    assert len(c.get("EndpointSlice")) == 1  # the EndpointSlice controller's placeholder


def test_deleting_endpoints_deletes_mirrored_slices():
    c = setup()
    writes = c.delete("Endpoints", "ext")
    assert [(w["verb"], w["controller"]) for w in writes] == [("delete", "endpointslice-mirroring")]


def test_subsets_by_ports_and_family_and_canonical_ipv6():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    manifest = endpoints("ext", ["192.0.2.10", "2001:DB8::0001"])
    manifest["subsets"].append({"addresses": [{"ip": "192.0.2.20"}], "ports": [{"port": 443, "protocol": "TCP"}]})
    c.apply(manifest)
    got = sorted((s["addressType"], s["ports"][0]["port"], [e["addresses"][0] for e in s["endpoints"]])
                 for s in mirrored(c))
    assert got == [("IPv4", 80, ["192.0.2.10"]), ("IPv4", 443, ["192.0.2.20"]), ("IPv6", 80, ["2001:db8::1"])]


def test_at_most_1000_addresses_per_subset():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    c.apply(endpoints("ext", [f"192.0.{i // 250}.{i % 250 + 1}" for i in range(1001)]))
    (s,) = mirrored(c)
    assert len(s["endpoints"]) == 1000
    assert c.controller_events() == ["TooManyAddressesToMirror: A max of 1000 addresses can be mirrored to "
                                     "EndpointSlices per Endpoints subset. 1 addresses were skipped"]


def _ips(start: int, count: int) -> list[str]:
    return [f"10.{(start + i) // 250}.{(start + i) % 250}.1" for i in range(count)]


def test_same_port_subsets_are_repacked_before_the_cap():
    # two subsets of 600 with the same port are one subset of 1,200: 1,000 mirrored, 200 skipped
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    manifest = endpoints("ext", _ips(0, 600))
    manifest["subsets"].append({"addresses": [{"ip": ip} for ip in _ips(600, 600)],
                                "ports": [{"port": 80, "protocol": "TCP"}]})
    c.apply(manifest)
    (s,) = mirrored(c)
    assert len(s["endpoints"]) == 1000
    assert c.controller_events() == ["TooManyAddressesToMirror: A max of 1000 addresses can be mirrored to "
                                     "EndpointSlices per Endpoints subset. 200 addresses were skipped"]


def test_repacking_merges_ports_with_the_same_addresses_and_counts_an_address_once():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    manifest = endpoints("ext", ["192.0.2.10", "192.0.2.11"])
    manifest["subsets"].append({"addresses": [{"ip": "192.0.2.11"}, {"ip": "192.0.2.10"}],
                                "ports": [{"name": "tls", "port": 443, "protocol": "TCP"}]})
    manifest["subsets"][0]["ports"][0]["name"] = "web"
    manifest["subsets"].append({"notReadyAddresses": [{"ip": "192.0.2.10"}],
                                "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]})
    c.apply(manifest)
    got = sorted((sorted(p["port"] for p in s["ports"]), [(e["addresses"][0], e["conditions"]["ready"])
                                                          for e in s["endpoints"]]) for s in mirrored(c))
    # port 80 lists 192.0.2.10 twice (ready and not ready): not-ready wins, so its address set differs
    assert got == [([80], [("192.0.2.11", True), ("192.0.2.10", False)]),
                   ([443], [("192.0.2.10", True), ("192.0.2.11", True)])]
    same = endpoints("ext", ["192.0.2.10", "192.0.2.11"])
    same["subsets"][0]["ports"] = [{"name": "web", "port": 80, "protocol": "TCP"},
                                   {"name": "tls", "port": 443, "protocol": "TCP"}]
    c.apply(same)
    ((ports, count),) = [(sorted(p["port"] for p in s["ports"]), len(s["endpoints"])) for s in mirrored(c)]
    assert (ports, count) == ([80, 443], 2)


def test_identical_content_in_another_order_writes_nothing():
    c = setup()
    assert c.apply(endpoints("ext", ["192.0.2.11", "192.0.2.10"], not_ready=["192.0.2.12"])) == []
    split = endpoints("ext", ["192.0.2.11"], not_ready=["192.0.2.12"])
    split["subsets"].append({"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 80, "protocol": "TCP"}]})
    assert c.apply(split) == []                       # the same subset once repacked


def test_a_changed_annotation_is_mirrored():
    c = setup()
    manifest = endpoints("ext", ["192.0.2.10", "192.0.2.11"], not_ready=["192.0.2.12"])
    manifest["metadata"]["annotations"] = {"team": "storage"}
    assert [w["verb"] for w in c.apply(manifest)] == ["update"]
    assert mirrored(c)[0]["metadata"]["annotations"] == {"team": "storage"}


def test_invalid_addresses_are_skipped_with_one_event():
    # the API server refuses such an Endpoints, so the controller's own guard is tested directly
    c = slicelab.Cluster()
    manifest = endpoints("ext", ["192.0.2.10"])
    manifest["subsets"][0]["addresses"] += [{"ip": "not-an-ip"}, {"ip": "db.example.com"}]
    with pytest.raises(slicelab.ManifestError, match="must be a valid IP address"):
        c.apply(manifest)
    controller = c._controllers["endpointslice-mirroring"]
    ((_, eps),) = controller._desired(manifest)[0].values()
    assert [e["addresses"] for e in eps] == [["192.0.2.10"]]
    assert c.controller_events() == ["InvalidIPAddress: Skipped 2 invalid IP addresses when mirroring to "
                                     "EndpointSlices"]


def test_annotations_copied_except_trigger_time_and_last_applied():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    manifest = endpoints("ext", ["192.0.2.10"])
    manifest["metadata"]["annotations"] = {"keep": "me", "endpoints.kubernetes.io/last-change-trigger-time": "x",
                                           "kubectl.kubernetes.io/last-applied-configuration": "{}"}
    c.apply(manifest)
    assert mirrored(c)[0]["metadata"]["annotations"] == {"keep": "me"}


def test_endpoints_being_deleted_get_no_new_slices():
    c = slicelab.Cluster()
    c.apply(service("ext", selector=None, ports=[80]))
    manifest = endpoints("ext", ["192.0.2.10"])
    manifest["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert c.apply(manifest) == []


def test_selector_service_endpoints_are_not_mirrored():
    c = slicelab.Cluster()
    c.apply([service("web", selector={"app": "web"}), pod("p", "10.0.0.1", labels={"app": "web"})])
    assert mirrored(c) == []
