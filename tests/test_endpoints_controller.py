"""v1 Endpoints controller: addresses, repacking, sorting, truncation (kubernetes-semantics.md §2)."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import pod, service
from slicelab.controllers.endpoints import truncate

WEB = {"app": "web"}


def endpoints(c: slicelab.Cluster, name: str = "my-service") -> dict:
    (ep,) = c.get("Endpoints", name=name)
    return ep


def _subsets(ready_counts, not_ready_counts):
    out = []
    for i, (r, n) in enumerate(zip(ready_counts, not_ready_counts)):
        subset = {"ports": [{"name": f"p{i}", "port": 1000 + i, "protocol": "TCP"}]}
        if r:
            subset["addresses"] = [{"ip": f"10.{i}.{j // 250}.{j % 250 + 1}"} for j in range(r)]
        if n:
            subset["notReadyAddresses"] = [{"ip": f"10.{i + 100}.{j // 250}.{j % 250 + 1}"} for j in range(n)]
        out.append(subset)
    return out


def test_truncation_keeps_ready_and_shares_not_ready_budget():
    subsets = _subsets([90, 110, 50, 10, 20], [101, 200, 200, 201, 298])
    assert truncate(subsets) is True
    assert [len(s.get("addresses", [])) for s in subsets] == [90, 110, 50, 10, 20]
    assert [len(s.get("notReadyAddresses", [])) for s in subsets] == [73, 144, 144, 145, 214]


def test_truncation_of_ready_drops_all_not_ready():
    subsets = _subsets([205, 400, 402, 400, 693], [100, 100, 100, 100, 100])
    assert truncate(subsets) is True
    assert [len(s.get("addresses", [])) for s in subsets] == [98, 191, 192, 191, 328]
    assert all("notReadyAddresses" not in s for s in subsets)


def test_truncation_keeps_first_addresses_of_each_subset():
    subsets = _subsets([600, 600], [0, 0])
    first = [a["ip"] for a in subsets[0]["addresses"][:500]]
    truncate(subsets)
    assert [a["ip"] for a in subsets[0]["addresses"]] == first


def test_exactly_1000_is_not_truncated():
    subsets = _subsets([500, 500], [0, 0])
    assert truncate(subsets) is False


def test_over_capacity_annotation_end_to_end():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    c.apply([pod(f"p{i}", f"10.2.{i // 250}.{i % 250 + 1}", labels=WEB) for i in range(1001)])
    ep = endpoints(c)
    assert ep["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"
    assert sum(len(s.get("addresses", [])) for s in ep["subsets"]) == 1000
    assert len(c.get("EndpointSlice")) == 11  # slices are not truncated: 100 x 10 + 1
    writes = c.delete("Pod", "p0")
    assert [w["verb"] for w in writes if w["kind"] == "Endpoints"] == ["update"]
    assert "endpoints.kubernetes.io/over-capacity" not in endpoints(c)["metadata"].get("annotations", {})


def test_user_warning_annotation_is_overwritten_with_truncated():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    c.apply([pod(f"p{i}", f"10.2.{i // 250}.{i % 250 + 1}", labels=WEB) for i in range(1001)])
    ep = endpoints(c)
    ep["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] = "warning"
    c.apply(ep)
    c.apply(pod("extra", "10.3.0.1", labels=WEB))
    assert endpoints(c)["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"


def test_addresses_sorted_bytewise_and_not_ready_separate():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    c.apply([pod("a", "10.0.0.9", labels=WEB), pod("b", "10.0.0.10", labels=WEB),
             pod("c", "10.0.0.100", labels=WEB, ready=False)])
    (subset,) = endpoints(c)["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.10", "10.0.0.9"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.0.0.100"]
    assert subset["addresses"][0] == {"ip": "10.0.0.10", "nodeName": "", "targetRef": {
        "kind": "Pod", "namespace": "default", "name": "b", "uid": c.get("Pod", name="b")[0]["metadata"]["uid"]}}
    assert subset["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_empty_endpoints_object_for_service_without_pods():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    ep = endpoints(c)
    assert "subsets" not in ep and ep["metadata"]["name"] == "my-service"
    assert "ownerReferences" not in ep["metadata"]


def test_subsets_group_ports_with_identical_address_sets():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"name": "http", "port": 80, "targetPort": "http"},
                                                       {"name": "metrics", "port": 9090, "targetPort": 9090}]))
    c.apply([pod("a", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}]),
             pod("b", "10.0.0.2", labels=WEB, ports=[{"name": "http", "containerPort": 8080}]),
             pod("c", "10.0.0.3", labels=WEB, ports=[{"name": "http", "containerPort": 8081}])])
    subsets = endpoints(c)["subsets"]
    shapes = sorted((tuple(a["ip"] for a in s["addresses"]), tuple(p["port"] for p in s["ports"])) for s in subsets)
    assert shapes == [(("10.0.0.1", "10.0.0.2"), (8080,)),
                      (("10.0.0.1", "10.0.0.2", "10.0.0.3"), (9090,)),
                      (("10.0.0.3",), (8081,))]


def test_not_ready_pods_form_their_own_address_set():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81}]))
    c.apply([pod("x", "10.0.0.1", labels=WEB), pod("y", "10.0.0.2", labels=WEB, ready=False)])
    (subset,) = endpoints(c)["subsets"]
    assert [p["name"] for p in subset["ports"]] == ["a", "b"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.0.0.2"]


def test_publish_not_ready_lists_everything_as_ready():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, publish_not_ready=True))
    c.apply([pod("x", "10.0.0.1", labels=WEB, ready=False), pod("y", "10.0.0.2", labels=WEB, terminating=True)])
    (subset,) = endpoints(c)["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.1", "10.0.0.2"]
    assert "notReadyAddresses" not in subset


def test_headless_label_and_service_labels_replace_existing():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, cluster_ip="None", labels={"a": "1"}))
    assert endpoints(c)["metadata"]["labels"] == {"a": "1", "service.kubernetes.io/headless": ""}
    svc = c.get("Service")[0]
    svc["metadata"]["labels"] = {"b": "2"}
    writes = c.apply(svc)
    assert [w["verb"] for w in writes if w["kind"] == "Endpoints"] == ["update"]
    assert endpoints(c)["metadata"]["labels"] == {"b": "2", "service.kubernetes.io/headless": ""}


def test_endpoints_recreated_after_user_deletes_it():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    writes = c.delete("Endpoints", "my-service")
    assert [(w["verb"], w["kind"]) for w in writes] == [("create", "Endpoints")]


def test_trigger_time_annotation():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB))
    assert endpoints(c)["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": "2026-01-01T00:00:00Z"}
    c.tick(65)
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    assert endpoints(c)["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] \
        == "2026-01-01T00:01:05Z"


def test_ipv6_primary_family():
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, ip_families=["IPv6", "IPv4"], ip_family_policy="PreferDualStack"))
    c.apply(pod("p", "10.0.0.1", ipv6="fd00::1", labels=WEB))
    assert endpoints(c)["subsets"][0]["addresses"][0]["ip"] == "fd00::1"


@pytest.mark.parametrize("ports,expected", [([], True), ([80], True)])
def test_headless_without_ports_keeps_pods(ports, expected):
    c = slicelab.Cluster()
    c.apply(service("my-service", selector=WEB, cluster_ip="None", ports=ports))
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    assert bool(endpoints(c).get("subsets")) is expected


def test_an_identical_existing_object_is_not_rewritten_in_any_equal_form():
    """Issue 12 point 6: no write when what the controller would write is already there — whatever only
    the comparison ignores (targetRef resourceVersion, the trigger-time annotation, the headless label
    of a ClusterIP Service, an explicit empty port name, metadata the API server sets)."""
    import copy

    c = slicelab.Cluster()
    c.apply([service("web", selector=WEB, labels={"team": "a"}), pod("p", "10.0.0.1", labels=WEB, node="n1"),
             pod("q", "10.0.0.2", labels=WEB, ready=False)])
    (ep,) = c.get("Endpoints")
    forms = []
    for change in (lambda o: o["subsets"][0]["addresses"][0]["targetRef"].update(resourceVersion="77"),
                   lambda o: o["metadata"].pop("annotations"),
                   lambda o: o["metadata"]["labels"].update({"service.kubernetes.io/headless": ""}),
                   lambda o: o["subsets"][0]["ports"][0].update(name=""),
                   lambda o: [o["metadata"].pop(k) for k in ("uid", "resourceVersion", "creationTimestamp")]):
        form = copy.deepcopy(ep)
        change(form)
        forms.append(form)
    for form in forms:
        assert [w for w in c.apply(form) if w["controller"] == "endpoints"] == []
