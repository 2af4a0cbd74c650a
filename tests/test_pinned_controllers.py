"""Pinned controller behaviours found by the mutation run (benchmarks/mutation.py): each test holds a
rule of the upstream controllers that a small bug in slicelab's would break unseen before."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slicelab
from slicelab.builders import endpoints, node, pod, service
from slicelab.controllers.endpoints import Packing, contribution, repack
from slicelab.objects import ANNOTATION_TRIGGER_TIME, pod_facts, service_facts

WEB = {"app": "web"}
HTTP = [{"name": "http", "port": 80, "targetPort": 8080, "appProtocol": "http"}]


def slices(c, name="web"):
    return c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={name}")


def writes_of(writes, kind="EndpointSlice"):
    return [(w["verb"], w["controller"]) for w in writes if w["kind"] == kind]


def ep_ips(c, name="web", field="addresses"):
    (ep,) = c.get("Endpoints", name=name)
    return [a["ip"] for s in ep.get("subsets") or () for a in s.get(field) or ()]


# --- Service controllers: which Pods changed ----------------------------------------------------------
def test_a_pod_changed_twice_in_one_transaction_is_judged_by_its_labels_before_it():
    """The work queue keeps a Pod's oldest old labels and newest new ones: a Pod that leaves the
    selector through an intermediate label in one transaction still leaves both objects."""
    c = slicelab.Cluster(seed=1)
    c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB), pod("q", "10.0.0.2", labels=WEB)])
    c.apply([pod("p", "10.0.0.1", labels={"app": "x"}), pod("p", "10.0.0.1", labels={"app": "y"})])
    assert ep_ips(c) == ["10.0.0.2"]
    assert [e["addresses"] for s in slices(c) for e in s["endpoints"]] == [["10.0.0.2"]]


TWO_PORTS = [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "metrics", "port": 9100, "targetPort": "metrics"}]
BASE = dict(labels=WEB, node="n1", ports=[{"name": "http", "containerPort": 8080}], hostname="h0", subdomain="web")


@pytest.mark.parametrize("change", [
    dict(node="n2"), dict(hostname="h1"), dict(subdomain="other"), dict(ports=[{"name": "http", "containerPort": 9090}]),
    dict(sidecar_ports=[{"name": "metrics", "containerPort": 9191}]), dict(ready=False), dict(ipv6="fd00::1"),
])
def test_any_endpoint_field_of_a_pod_changing_alone_reaches_both_objects(change):
    """endpoint_relevant: nodeName, hostname, subdomain, ports, sidecar ports, readiness, IPs — each alone."""
    def cluster(**kw) -> slicelab.Cluster:
        c = slicelab.Cluster(seed=1)
        c.apply([node("n1", zone="a"), node("n2", zone="b"),
                 service("web", selector=WEB, ports=TWO_PORTS, ip_family_policy="PreferDualStack"),
                 pod("p", "10.0.0.1", **kw)])
        return c
    c = cluster(**BASE)
    before = (c.get("Endpoints"), slices(c))
    writes = c.apply(pod("p", "10.0.0.1", **dict(BASE, **change)))
    assert "endpointslice" in {w["controller"] for w in writes}, writes
    assert (c.get("Endpoints"), slices(c)) != before
    fresh = cluster(**dict(BASE, **change))
    strip = lambda objs: [{k: v for k, v in o.items() if k != "metadata"} for o in objs]  # noqa: E731
    assert strip(c.get("Endpoints")) == strip(fresh.get("Endpoints"))
    assert sorted(map(str, strip(slices(c)))) == sorted(map(str, strip(slices(fresh))))


def test_a_named_port_resolves_only_with_the_same_protocol_and_regular_containers_first():
    c = slicelab.Cluster(seed=1)
    c.apply([service("web", selector=WEB, ports=[{"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}]),
             pod("p", "10.0.0.1", labels=WEB, ports=[{"name": "dns", "containerPort": 5353, "protocol": "TCP"},
                                                     {"name": "other", "containerPort": 53, "protocol": "UDP"}])])
    assert "subsets" not in c.get("Endpoints")[0]
    c.apply(pod("p", "10.0.0.1", labels=WEB, ports=[{"name": "dns", "containerPort": 5353, "protocol": "UDP"}],
                sidecar_ports=[{"name": "dns", "containerPort": 6363, "protocol": "UDP"}]))
    assert c.get("Endpoints")[0]["subsets"][0]["ports"] == [{"name": "dns", "port": 5353, "protocol": "UDP"}]
    c.apply(pod("p", "10.0.0.1", labels=WEB, sidecar_ports=[{"name": "admin", "containerPort": 9901, "protocol": "UDP"},
                                                           {"name": "dns", "containerPort": 6363, "protocol": "TCP"}]))
    assert "subsets" not in c.get("Endpoints")[0]      # a sidecar port needs the name and the protocol too
    c.apply(pod("p", "10.0.0.1", labels=WEB, sidecar_ports=[{"name": "dns", "containerPort": 6363, "protocol": "UDP"}]))
    assert c.get("Endpoints")[0]["subsets"][0]["ports"][0]["port"] == 6363


# --- Endpoints controller ------------------------------------------------------------------------------
def test_endpoints_someone_else_edited_are_written_back_field_by_field():
    """The endpoints controller watches Endpoints deletions only (onEndpointsDelete): an edit stays until
    the Service's next sync, which compares the subsets ignoring resourceVersion and writes them back."""
    c = slicelab.Cluster(seed=2)
    c.apply([node("n1"), service("web", selector=WEB, ports=[80]),
             pod("p", "10.0.0.1", labels=WEB, node="n1", hostname="p", subdomain="web")])
    (mine,) = c.get("Endpoints")
    for field, value in (("nodeName", "elsewhere"), ("hostname", "other"), ("ip", "10.0.0.7")):
        edited = {k: v for k, v in mine.items()}
        address = dict(mine["subsets"][0]["addresses"][0], **{field: value})
        edited["subsets"] = [dict(mine["subsets"][0], addresses=[address])]
        assert writes_of(c.apply(edited), "Endpoints") == [], field
        writes = c.apply(service("web", selector=WEB, ports=[80]))
        assert writes_of(writes, "Endpoints") == [("update", "endpoints")], field
        assert c.get("Endpoints")[0]["subsets"] == mine["subsets"], field
    edited = dict(mine, subsets=[dict(mine["subsets"][0], ports=[{"name": "x", "port": 80, "protocol": "TCP"}])])
    c.apply(edited)
    assert writes_of(c.apply(service("web", selector=WEB, ports=[80])), "Endpoints") == [("update", "endpoints")]


def test_an_endpoints_object_already_as_desired_is_not_rewritten():
    """A pre-existing Endpoints object equal to the desired one (say, restored from a backup before the
    Service) is left alone: no write, its resourceVersion kept."""
    c = slicelab.Cluster(seed=2)
    c.apply(pod("p", "10.0.0.1", labels=WEB, node=None))
    reference = slicelab.Cluster(seed=2)
    reference.apply([service("web", selector=WEB, ports=[80]), pod("p", "10.0.0.1", labels=WEB)])
    (desired,) = reference.get("Endpoints")
    uid = c.get("Pod")[0]["metadata"]["uid"]
    desired["subsets"][0]["addresses"][0]["targetRef"]["uid"] = uid
    desired["metadata"] = {"name": "web", "namespace": "default"}
    desired.pop("apiVersion")
    c.apply(dict(desired, apiVersion="v1", kind="Endpoints"))
    writes = c.apply(service("web", selector=WEB, ports=[80]))
    assert writes_of(writes, "Endpoints") == []


def test_over_capacity_endpoints_are_not_rewritten_when_nothing_changed():
    c = slicelab.Cluster(seed=2)
    c.apply([service("web", selector=WEB, ports=[80])] +
            [pod(f"p{i}", f"10.1.{i // 250}.{i % 250 + 1}", labels=WEB) for i in range(1001)])
    (ep,) = c.get("Endpoints")
    assert ep["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"
    assert writes_of(c.apply(service("web", selector=WEB, ports=[80])), "Endpoints") == []


def test_endpoints_writes_are_recorded_as_the_endpoints_controller():
    c = slicelab.Cluster(seed=2)
    c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    writes = c.apply(pod("q", "10.0.0.2", labels=WEB))
    assert [(w["verb"], w["kind"], w["controller"]) for w in writes] == [
        ("update", "Endpoints", "endpoints"), ("update", "EndpointSlice", "endpointslice")]


def test_contribution_of_a_pod_to_a_service_without_ip_families():
    """An old API server's headless Service: the Pod's first IP decides the family (§2.1)."""
    svc = service_facts(service("web", selector=WEB, cluster_ip="None", ports=[80]))
    c = contribution(svc, pod_facts(pod("p", None, labels=WEB, ipv6="fd00::1")))
    assert c[1][0] == "fd00::1" and c[2] is True
    assert contribution(svc, pod_facts(pod("q", "10.0.0.1", labels=WEB, ipv6="fd00::2")))[1][0] == "10.0.0.1"


PORTS = [((0, ("a", 80, "TCP", None)), {"name": "a", "port": 80, "protocol": "TCP"}),
         ((1, ("b", 81, "TCP", None)), {"name": "b", "port": 81, "protocol": "TCP"}),
         ((2, ("c", 82, "UDP", None)), {"name": "c", "port": 82, "protocol": "UDP"})]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from([f"p{i}" for i in range(8)]),
                       st.tuples(st.integers(1, 6), st.booleans(), st.sets(st.integers(0, 2), min_size=1)),
                       max_size=8))
def test_incremental_packing_equals_repack_subsets(pods):
    """Packing (kept Pod by Pod) and repack (RepackSubsets from scratch) are two implementations of
    one rule; they agree on any mix of ports, readiness and addresses."""
    contrib = {name: ((f"10.0.0.{ip}".encode(), name), (f"10.0.0.{ip}", name), ready,
                      tuple(PORTS[i] for i in sorted(ports))) for name, (ip, ready, ports) in pods.items()}
    expected = repack(contrib.values())
    assert Packing(contrib).subsets() == expected
    packing = Packing({})
    for name in sorted(contrib):
        packing.set(name, contrib[name])
    assert packing.subsets() == expected
    for name in sorted(contrib)[::2]:
        packing.set(name, None)
        del contrib[name]
    assert packing.subsets() == repack(contrib.values())


def test_repack_groups_ports_with_one_address_set_and_orders_subsets_by_port_then_address():
    a = ((b"10.0.0.1", "a"), ("10.0.0.1", "a"), True, (PORTS[0], PORTS[2]))
    b = ((b"10.0.0.2", "b"), ("10.0.0.2", "b"), True, (PORTS[1],))
    c = ((b"10.0.0.0", "c"), ("10.0.0.0", "c"), False, (PORTS[1],))
    assert repack([b, a, c]) == [
        {"addresses": [("10.0.0.1", "a")], "ports": [PORTS[0][1], PORTS[2][1]]},
        {"addresses": [("10.0.0.2", "b")], "notReadyAddresses": [("10.0.0.0", "c")], "ports": [PORTS[1][1]]}]
    same_key = ((b"10.0.0.5", "u"), ("10.0.0.5", "second"), False, (PORTS[0],))
    first = ((b"10.0.0.5", "u"), ("10.0.0.5", "first"), True, (PORTS[0],))
    assert repack([first, same_key]) == [{"notReadyAddresses": [("10.0.0.5", "second")], "ports": [PORTS[0][1]]}]


def test_two_pods_with_one_ip_and_one_uid_are_one_address_not_ready_wins():
    """Endpoints key addresses by (IP, Pod UID); hand-written equal UIDs make one address, and if either
    Pod is not ready the address is not ready (RepackSubsets)."""
    c = slicelab.Cluster(seed=2)
    c.apply([service("web", selector=WEB, ports=[80, 81])])
    same = [pod(n, "10.0.0.5", labels=WEB, ready=(n == "a")) for n in ("a", "b")]
    for p in same:
        p["metadata"]["uid"] = "0f0f0f0f-0000-4000-8000-000000000001"
    c.apply(same[0])
    c.apply(same[1])
    (ep,) = c.get("Endpoints")
    assert len(ep["subsets"]) == 1 and "addresses" not in ep["subsets"][0]
    assert [a["ip"] for a in ep["subsets"][0]["notReadyAddresses"]] == ["10.0.0.5"]
    assert [p["port"] for p in ep["subsets"][0]["ports"]] == [80, 81]


# --- trigger time ---------------------------------------------------------------------------------------
def _trigger(c):
    return (c.get("Endpoints")[0]["metadata"].get("annotations") or {}).get(ANNOTATION_TRIGGER_TIME), \
        [(s["metadata"].get("annotations") or {}).get(ANNOTATION_TRIGGER_TIME) for s in slices(c)]


def test_a_pod_that_leaves_and_comes_back_triggers_again():
    """The trigger-time tracker forgets Pods that left (its state is rebuilt each sync): a Pod back with
    the same Ready time is a change again, in the incremental sync and after a full one."""
    c = slicelab.Cluster(seed=2)
    c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB), pod("q", "10.0.0.2", labels=WEB)])
    ready = c.get("Pod", name="p")[0]["status"]["conditions"][0]["lastTransitionTime"]
    c.tick(30)
    c.apply(pod("p", "10.0.0.1", labels={"app": "away"}, ))
    c.tick(30)
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    assert _trigger(c) == (ready, [ready])
    c.tick(30)
    c.apply([pod("p", "10.0.0.1", labels={"app": "away"}), service("web", selector=WEB, labels={"v": "2"})])
    c.tick(30)
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    assert _trigger(c) == (ready, [ready])


def test_a_service_recreated_takes_its_pods_ready_times_again():
    """DeleteService forgets the Service's trigger state: recreated (even with the same
    creationTimestamp) its creation and every Pod's Ready time count again."""
    c = slicelab.Cluster(seed=2)
    c.apply(pod("p", "10.0.0.1", labels=WEB))
    ready = c.get("Pod")[0]["status"]["conditions"][0]["lastTransitionTime"]
    old = service("web", selector=WEB)
    old["metadata"]["creationTimestamp"] = "2025-12-31T00:00:00Z"
    c.tick(60)
    c.apply(old)
    assert _trigger(c) == ("2025-12-31T00:00:00Z", ["2025-12-31T00:00:00Z"])
    for _ in range(2):
        c.tick(60)
        c.delete("Service", "web")
        c.tick(60)
        c.apply(old)
        assert _trigger(c) == ("2025-12-31T00:00:00Z", ["2025-12-31T00:00:00Z"])
    c.delete("Service", "web")
    c.tick(60)
    c.apply(service("web", selector=WEB))
    assert _trigger(c) == (ready, [ready])
    assert ANNOTATION_TRIGGER_TIME in slices(c)[0]["metadata"]["annotations"]


def test_the_trigger_time_is_the_earliest_change_since_the_last_sync_only():
    c = slicelab.Cluster(seed=2)
    c.apply([service("web", selector=WEB), pod("p0", "10.0.0.1", labels=WEB), pod("p1", "10.0.0.2", labels=WEB)])
    c.tick(10)
    c.apply(pod("p2", "10.0.0.3", labels=WEB))
    late = c.get("Pod", name="p2")[0]["status"]["conditions"][0]["lastTransitionTime"]
    assert _trigger(c) == (late, [late])            # p0 and p1 did not change: only p2 counts
    c.tick(10)
    c.apply([pod("p0", "10.0.0.1", labels=dict(WEB, extra="0")), pod("p3", "10.0.0.4", labels=WEB)])
    later = c.get("Pod", name="p3")[0]["status"]["conditions"][0]["lastTransitionTime"]
    assert _trigger(c) == (later, [later])          # p0 changed too, but not its Ready time
    c.tick(10)
    c.apply(pod("p0", "10.0.0.1", labels=dict(WEB, extra="1")))   # relevant, but no new Ready time
    c.tick(10)
    c.apply(service("web", selector=WEB, labels={"v": "2"}))       # a full sync: nothing new to report
    (ep,) = c.get("Endpoints")
    assert ANNOTATION_TRIGGER_TIME not in (ep["metadata"].get("annotations") or {})


# --- EndpointSlice controller ---------------------------------------------------------------------------
def test_slice_ports_carry_app_protocol_and_the_trigger_time():
    c = slicelab.Cluster(seed=3)
    c.apply([service("web", selector=WEB, ports=HTTP), pod("p", "10.0.0.1", labels=WEB)])
    (s,) = slices(c)
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "appProtocol": "http"}]
    ready = c.get("Pod")[0]["status"]["conditions"][0]["lastTransitionTime"]
    assert s["metadata"]["annotations"] == {ANNOTATION_TRIGGER_TIME: ready}


def _slice_in_placement_order(c):
    """One slice whose endpoints are not in IP order: p3, p2, p1 (positions are kept)."""
    c.apply(service("web", selector=WEB, ports=HTTP))
    for i in (3, 2, 1):
        c.apply(pod(f"p{i}", f"10.0.0.{i}", labels=WEB))
    (s,) = slices(c)
    assert [e["targetRef"]["name"] for e in s["endpoints"]] == ["p3", "p2", "p1"]
    return s


def test_a_slice_whose_labels_someone_edited_keeps_its_endpoints_order_and_their_annotations():
    """Upstream: only the labels are set back (a copy of the slice with new labels); endpoints keep their
    positions and an annotation someone added stays."""
    c = slicelab.Cluster(seed=3)
    s = _slice_in_placement_order(c)
    meta = dict(s["metadata"], labels=dict(s["metadata"]["labels"], extra="x"),
                annotations=dict(s["metadata"]["annotations"], note="mine"))
    writes = c.apply(dict(s, metadata=meta))
    assert writes_of(writes) == [("update", "endpointslice")]
    (after,) = slices(c)
    assert after["metadata"]["name"] == s["metadata"]["name"] and "extra" not in after["metadata"]["labels"]
    assert [e["targetRef"]["name"] for e in after["endpoints"]] == ["p3", "p2", "p1"]
    assert after["metadata"]["annotations"]["note"] == "mine"


def test_an_annotation_someone_adds_is_kept_and_a_later_edit_still_noticed():
    c = slicelab.Cluster(seed=3)
    s = _slice_in_placement_order(c)
    meta = dict(s["metadata"], annotations=dict(s["metadata"]["annotations"], note="mine"))
    assert writes_of(c.apply(dict(s, metadata=meta))) == []
    (noted,) = slices(c)
    assert writes_of(c.apply(dict(noted, endpoints=noted["endpoints"][:1]))) == [("update", "endpointslice")]
    # p3 keeps its place; p1 and p2 are placed again, in IP order
    assert [e["targetRef"]["name"] for e in slices(c)[0]["endpoints"]] == ["p3", "p1", "p2"]


def test_leftovers_never_fill_a_slice_of_other_ports():
    """Phase 3 considers unchanged slices of the same port list and address type only."""
    c = slicelab.Cluster(max_endpoints_per_slice=4, seed=3)
    c.apply(service("web", selector=WEB, ports=[{"name": "http", "port": 80, "targetPort": "http"}]))
    named = dict(ports=[{"name": "http", "containerPort": 8080}])
    c.apply([pod("a1", "10.0.0.1", labels=WEB, **named)] +
            [pod(f"b{i}", f"10.0.1.{i}", labels=WEB) for i in range(1, 4)])
    writes = c.apply(pod("a2", "10.0.0.2", labels=WEB, **named))
    layout = {tuple(p["port"] for p in s.get("ports") or ()): sorted(e["targetRef"]["name"] for e in s["endpoints"])
              for s in slices(c)}
    assert layout == {(8080,): ["a1", "a2"], (): ["b1", "b2", "b3"]}
    assert writes_of(writes) == [("update", "endpointslice")]


def test_the_tightest_fit_wins_even_after_a_looser_one():
    c = slicelab.Cluster(max_endpoints_per_slice=4, seed=5)
    c.apply(service("web", selector=WEB))
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(8)])
    layout = {s["metadata"]["name"]: [e["targetRef"]["name"] for e in s["endpoints"]] for s in slices(c)}
    first, second = sorted(layout)
    for gone in layout[first][:2]:            # first slice (by name): 2 left
        c.delete("Pod", gone)
    c.delete("Pod", layout[second][0])        # second: 3 left, 3 + 1 fits exactly
    writes = c.apply(pod("new", "10.0.1.1", labels=WEB))
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == [("update", second)]


def test_a_managed_slice_for_a_service_that_never_existed_is_left_alone():
    c = slicelab.Cluster(seed=3)
    stray = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "ghost-abc", "namespace": "empty",
                          "labels": {"kubernetes.io/service-name": "ghost",
                                     "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
             "addressType": "IPv4", "endpoints": []}
    assert c.apply(stray) == []
    assert [s["metadata"]["name"] for s in c.get("EndpointSlice", namespace="empty")] == ["ghost-abc"]


@pytest.mark.parametrize("mode", ["annotation", "traffic"])
def test_incremental_syncs_with_topology_hints_equal_a_full_recomputation(mode):
    def run(incremental):
        c = slicelab.Cluster(seed=4)
        c._controllers["endpointslice"].incremental = incremental
        extra = dict(annotations={"service.kubernetes.io/topology-mode": "Auto"}) if mode == "annotation" \
            else dict(traffic_distribution="PreferClose")
        c.apply([node(f"n{z}", zone=f"z{z}", cpu=4) for z in range(3)] + [service("web", selector=WEB, **extra)])
        c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB, node=f"n{i % 3}") for i in range(9)])
        c.apply(pod("p0", "10.0.0.1", labels=WEB, node="n0", ready=False))
        c.delete("Pod", "p4")
        c.apply([pod("p9", "10.0.0.10", labels=WEB, node="n1"), pod("p10", "10.0.0.11", labels=WEB, node="n1")])
        return [(s["metadata"]["name"], s["endpoints"]) for s in slices(c)], c.controller_events()
    assert run(True) == run(False)


# --- mirroring and the garbage collector -----------------------------------------------------------------
def _ext(*objs, **kw):
    c = slicelab.Cluster(seed=5, **kw)
    c.apply([service("ext", selector=None, ports=[443]), *objs])
    return c


def test_mirrored_endpoints_keep_hostname_node_name_and_app_protocol():
    ep = endpoints("ext", ["192.0.2.1"], ports=[{"name": "h2", "port": 443, "appProtocol": "kubernetes.io/h2c"}])
    ep["subsets"][0]["addresses"][0].update(hostname="db-0", nodeName="n1")
    c = _ext(ep)
    (s,) = slices(c, "ext")
    assert s["endpoints"] == [{"addresses": ["192.0.2.1"], "conditions": {"ready": True}, "hostname": "db-0",
                               "nodeName": "n1"}]
    assert s["ports"] == [{"name": "h2", "port": 443, "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"}]


@pytest.mark.parametrize("ports, annotations", [
    ([{"name": "h2", "port": 443, "appProtocol": "kubernetes.io/h2c"}], None), ([], None), ([443], {"team": "db"}),
    ([{"name": "dns", "port": 53, "protocol": "UDP"}], None)])
def test_mirrored_slices_are_not_rewritten_when_nothing_changed(ports, annotations):
    ep = endpoints("ext", ["192.0.2.1"], ports=ports)
    if annotations:
        ep["metadata"]["annotations"] = annotations
    c = _ext(ep)
    (before,) = slices(c, "ext")
    assert [p["protocol"] for p in before.get("ports") or ()] == [p.get("protocol", "TCP") if isinstance(p, dict)
                                                                 else "TCP" for p in ports]
    assert c.apply(ep) == [] and c.apply(service("ext", selector=None, ports=[443], labels={"v": "2"})) == []
    assert slices(c, "ext") == [before]


def test_mirrored_groups_are_written_in_repacked_subset_order():
    """mirroring.py: groups in the order of the repacked subsets (upstream repacks them first); the
    order does not follow the order the subsets were written in."""
    ep = endpoints("ext", ["192.0.2.1"], ports=[9090])
    ep["subsets"].append({"addresses": [{"ip": "192.0.2.2"}], "ports": [{"port": 80, "protocol": "TCP"}]})
    c = slicelab.Cluster(seed=5)
    writes = c.apply([service("ext", selector=None, ports=[443]), ep])
    ports = {s["metadata"]["name"]: s["ports"][0]["port"] for s in slices(c, "ext")}
    order = [ports[w["name"]] for w in writes if w["kind"] == "EndpointSlice"]
    assert order == [80, 9090]
    swapped = dict(ep, subsets=ep["subsets"][::-1])
    again = slicelab.Cluster(seed=5)
    writes = again.apply([service("ext", selector=None, ports=[443]), swapped])
    ports = {s["metadata"]["name"]: s["ports"][0]["port"] for s in slices(again, "ext")}
    assert [ports[w["name"]] for w in writes if w["kind"] == "EndpointSlice"] == order


def test_a_second_mirrored_slice_for_one_group_is_deleted_keeping_the_first_by_name():
    c = _ext(endpoints("ext", ["192.0.2.1"], ports=[443]))
    (mine,) = slices(c, "ext")
    for name in ("ext-aaaaa", "ext-zzzzz"):
        copy = dict(mine, metadata={k: v for k, v in mine["metadata"].items() if k not in ("uid", "resourceVersion")})
        copy["metadata"]["name"] = name
        c.apply(copy)
    names = sorted([mine["metadata"]["name"], "ext-aaaaa", "ext-zzzzz"])
    assert [s["metadata"]["name"] for s in slices(c, "ext")] == names[:1]


def test_a_mirrored_group_that_changes_ports_is_recycled_into_an_update():
    c = _ext(endpoints("ext", ["192.0.2.1"], ports=[443]))
    (before,) = slices(c, "ext")
    writes = c.apply(endpoints("ext", ["192.0.2.1"], ports=[8443]))
    assert [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"] == \
        [("update", before["metadata"]["name"])]
    assert slices(c, "ext")[0]["ports"][0]["port"] == 8443


def test_endpoints_written_before_their_service_are_mirrored_when_it_arrives():
    c = slicelab.Cluster(seed=5)
    c.apply(endpoints("ext", ["192.0.2.1"], ports=[443]))
    assert slices(c, "ext") == []
    writes = c.apply(service("ext", selector=None, ports=[443]))
    assert writes_of(writes) == [("create", "endpointslice-mirroring")]


def test_the_garbage_collector_deletes_slices_whose_owner_is_gone():
    c = slicelab.Cluster(seed=6)
    c.apply(service("first", selector=WEB))     # the collector's start-up pass is spent
    orphan = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4", "endpoints": [],
              "metadata": {"name": "orphan", "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                                                  "name": "gone", "uid": "no-such-uid"}]}}
    assert writes_of(c.apply(orphan)) == [("delete", "garbage-collector")]
    c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    c.pause_controller("endpoints")            # only the Service's deletion can tell the collector
    assert writes_of(c.delete("Service", "web")) == [("delete", "garbage-collector")]
    m = _ext(endpoints("ext", ["192.0.2.1"], ports=[443]))
    m.pause_controller("endpointslice-mirroring")   # only the Endpoints' deletion can tell it
    assert writes_of(m.delete("Endpoints", "ext")) == [("delete", "garbage-collector")]
