"""Pinned behaviours of the Service controllers that no other test held down (issue 15, "tighten the net").

Each test names the upstream rule it holds (kube-controller-manager's `staging/src/k8s.io/endpointslice`
reconciler, `pkg/controller/endpoint`, `pkg/controller/endpointslicemirroring`) or, where upstream leaves
an order open (kubernetes-semantics.md §12), the order slicelab documents.
"""
from __future__ import annotations

import slicelab
from slicelab.builders import endpoints, pod, service
from slicelab.controllers.endpoints import primary_family
from slicelab.controllers.endpointslices import service_address_types
from slicelab.objects import pod_facts, service_facts

WEB = {"app": "web"}


def slices(c: slicelab.Cluster, name: str = "web") -> list[dict]:
    return c.get("EndpointSlice", label_selector=f"kubernetes.io/service-name={name}")


def by_name(c: slicelab.Cluster, name: str = "web") -> dict[str, list[str]]:
    """slice name -> Pod names of its endpoints, in the slice's order."""
    return {s["metadata"]["name"]: [e["targetRef"]["name"] for e in s["endpoints"] or ()] for s in slices(c, name)}


def addresses(c: slicelab.Cluster, name: str = "web") -> dict[str, list[str]]:
    return {s["metadata"]["name"]: [e["addresses"][0] for e in s["endpoints"] or ()] for s in slices(c, name)}


def slice_writes(writes: list[dict]) -> list[tuple[str, str]]:
    return [(w["verb"], w["name"]) for w in writes if w["kind"] == "EndpointSlice"]


# --- placement order ---------------------------------------------------------------------------------
def test_endpoints_placed_in_one_sync_take_numeric_not_string_ip_order():
    """§12: new endpoints go in numeric IP order; as strings 10.0.0.10 < 10.0.0.100 < 10.0.0.9."""
    c = slicelab.Cluster(max_endpoints_per_slice=2, seed=1)
    c.apply(service("web", selector=WEB))
    c.apply([pod(f"p{last}", f"10.0.0.{last}", labels=WEB) for last in (100, 10, 9, 20)])
    assert sorted(addresses(c).values()) == [["10.0.0.20", "10.0.0.100"], ["10.0.0.9", "10.0.0.10"]]


def test_ipv6_endpoints_are_ordered_as_numbers_too():
    c = slicelab.Cluster(max_endpoints_per_slice=10, seed=1)
    c.apply(service("web", selector=WEB, ip_families=["IPv6"]))
    c.apply([pod(f"p{i}", None, labels=WEB, ipv6=f"fd00::{h}") for i, h in enumerate(("a", "1:0", "9", "10"))])
    (placed,) = addresses(c).values()
    assert placed == ["fd00::9", "fd00::a", "fd00::10", "fd00::1:0"]  # ::a is 10, ::10 is 16


def test_equal_ips_are_ordered_by_pod_name():
    c = slicelab.Cluster(max_endpoints_per_slice=10, seed=1)
    c.apply(service("web", selector=WEB))
    c.apply([pod(name, "10.0.0.5", labels=WEB) for name in ("zeta", "alpha", "mid")])
    assert list(by_name(c).values()) == [["alpha", "mid", "zeta"]]


def _two_half_full_slices(seed: int) -> tuple[slicelab.Cluster, list[str]]:
    """Two slices of 2 endpoints each (max 4), both left unchanged by the next sync."""
    c = slicelab.Cluster(max_endpoints_per_slice=4, seed=seed)
    c.apply(service("web", selector=WEB))
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(8)])
    layout = by_name(c)
    assert sorted(map(len, layout.values())) == [4, 4]
    for members in layout.values():
        for gone in members[:2]:
            c.delete("Pod", gone)
    assert sorted(map(len, by_name(c).values())) == [2, 2]
    return c, sorted(layout)


def test_leftovers_go_to_the_first_slice_by_name_when_unchanged_slices_tie():
    """getSliceToFill: the least room left after the fill; among equals, the first slice walked
    (slicelab walks slices in name order, §12)."""
    for seed in (1, 2, 3):
        c, names = _two_half_full_slices(seed)
        writes = c.apply(pod("new", "10.0.1.1", labels=WEB))
        assert slice_writes(writes) == [("update", names[0])]
        assert "new" in by_name(c)[names[0]] and len(by_name(c)[names[1]]) == 2


def test_leftovers_go_to_the_slice_left_closest_to_full():
    c = slicelab.Cluster(max_endpoints_per_slice=4, seed=5)
    c.apply(service("web", selector=WEB))
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(8)])
    names = sorted(by_name(c))
    c.delete("Pod", by_name(c)[names[0]][0])         # first slice: 3 left
    for gone in by_name(c)[names[1]][:2]:            # second slice: 2 left
        c.delete("Pod", gone)
    writes = c.apply(pod("new", "10.0.1.1", labels=WEB))   # 3 + 1 = 4 fits exactly: the first slice
    assert slice_writes(writes) == [("update", names[0])]
    writes = c.apply([pod("n2", "10.0.1.2", labels=WEB), pod("n3", "10.0.1.3", labels=WEB)])
    assert slice_writes(writes) == [("update", names[1])]  # 2 + 2 = 4: the second, now the only fit


def test_remaining_as_large_as_a_slice_opens_a_new_slice():
    """Phase 3 tries an unchanged slice only while fewer than maxEndpointsPerSlice endpoints remain."""
    c = slicelab.Cluster(max_endpoints_per_slice=3, seed=4)
    c.apply(service("web", selector=WEB))
    c.apply(pod("p0", "10.0.0.1", labels=WEB))
    (only,) = by_name(c)
    writes = c.apply([pod(f"q{i}", f"10.0.1.{i + 1}", labels=WEB) for i in range(3)])
    assert [verb for verb, _ in slice_writes(writes)] == ["create"]
    assert by_name(c)[only] == ["p0"]


def test_updated_slices_are_filled_fullest_first():
    """Phase 2 sorts the slices being updated by length, longest first (ties in name order)."""
    c = slicelab.Cluster(max_endpoints_per_slice=4, seed=6)
    c.apply(service("web", selector=WEB))
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(8)])
    layout = by_name(c)
    small, big = sorted(layout)
    # one transaction: the first slice loses 3, the second loses 1, and two new Pods arrive
    gone = layout[small][:3] + layout[big][:1]
    stay = [n for n in layout[small][3:] + layout[big][1:]]
    manifests = [pod(n, f"10.0.0.{int(n[1:]) + 1}", labels=WEB) for n in stay]
    manifests += [pod(n, f"10.0.0.{int(n[1:]) + 1}", labels={"app": "gone"}) for n in gone]
    manifests += [pod("a", "10.0.2.1", labels=WEB), pod("b", "10.0.2.2", labels=WEB)]
    c.apply(manifests)
    after = by_name(c)
    assert after[big] == layout[big][1:] + ["a"]      # 3 kept: filled first, to 4
    assert after[small] == layout[small][3:] + ["b"]


# --- headless Service without ports: exactly maxEndpointsPerSlice Pods at once ---------------------
def test_headless_without_ports_fills_its_placeholder_with_fewer_than_max_pods():
    c = slicelab.Cluster(max_endpoints_per_slice=3, seed=1)
    c.apply(service("web", selector=WEB, ports=[], cluster_ip="None"))
    (placeholder,) = by_name(c)
    writes = c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(2)])
    assert slice_writes(writes) == [("update", placeholder)]
    assert by_name(c) == {placeholder: ["p0", "p1"]}


def test_headless_without_ports_given_exactly_max_pods_creates_a_slice_and_keeps_the_placeholder():
    """Upstream reconcileByPortMapping: the empty placeholder has the same (empty) port map as the
    Pods; it is left unchanged in phase 1, and phase 3 looks for an unchanged slice only while fewer
    than maxEndpointsPerSlice remain. So all 3 go into a new slice and the placeholder stays, empty."""
    c = slicelab.Cluster(max_endpoints_per_slice=3, seed=1)
    c.apply(service("web", selector=WEB, ports=[], cluster_ip="None"))
    (placeholder,) = by_name(c)
    writes = c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(3)])
    assert [verb for verb, _ in slice_writes(writes)] == ["create"]
    layout = by_name(c)
    assert layout.pop(placeholder) == []
    assert list(layout.values()) == [["p0", "p1", "p2"]]
    assert all("ports" not in s for s in slices(c))
    # and the Endpoints object keeps every Pod, without ports (headless services may have none)
    (ep,) = c.get("Endpoints", name="web")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert "ports" not in ep["subsets"][0]


def test_headless_without_ports_given_more_than_max_pods_makes_full_slices():
    c = slicelab.Cluster(max_endpoints_per_slice=3, seed=1)
    c.apply(service("web", selector=WEB, ports=[], cluster_ip="None"))
    (placeholder,) = by_name(c)
    writes = c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB) for i in range(4)])
    assert [verb for verb, _ in slice_writes(writes)] == ["create", "update"]
    layout = by_name(c)
    assert layout.pop(placeholder) == ["p3"]          # the one left over fits the empty placeholder
    assert list(layout.values()) == [["p0", "p1", "p2"]]


# --- dual-stack Pod, headless Service without ipFamilies -----------------------------------------
def test_dual_stack_pod_behind_headless_service_without_ip_families_on_the_api_server():
    """The API server defaults a headless Service with a selector to SingleStack, the cluster's
    primary family: one IPv4 slice and an IPv4 Endpoints address, though the Pod has both."""
    c = slicelab.Cluster(seed=2)
    c.apply(service("web", selector=WEB, cluster_ip="None"))
    svc = c.get("Service", name="web")[0]["spec"]
    assert (svc["ipFamilies"], svc["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")
    c.apply(pod("p", "10.0.0.1", labels=WEB, ipv6="fd00::1"))
    assert [(s["addressType"], [e["addresses"] for e in s["endpoints"] or ()]) for s in slices(c)] == \
        [("IPv4", [["10.0.0.1"]])]
    (ep,) = c.get("Endpoints", name="web")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.0.0.1"]


def test_headless_service_without_ip_families_as_an_old_api_server_sends_it():
    """getAddressTypesForService: no ipFamilies and no ClusterIP -> both address types; the Endpoints
    controller takes the family of the Pod's first IP (podToEndpointAddressForService)."""
    raw = service("web", selector=WEB, cluster_ip="None")
    assert "ipFamilies" not in raw["spec"]
    facts = service_facts(raw)
    assert service_address_types(facts) == ["IPv4", "IPv6"]
    v6_first = pod_facts(pod("p", "fd00::1", labels=WEB, ipv6=None))
    dual = pod_facts(pod("q", "10.0.0.1", labels=WEB, ipv6="fd00::2"))
    assert primary_family(facts, v6_first) == "IPv6"
    assert primary_family(facts, dual) == "IPv4"
    headful = service_facts(service("web", selector=WEB, cluster_ip="fd00:10:96::5"))
    assert service_address_types(headful) == ["IPv6"]
    assert primary_family(headful, dual) == "IPv6"


def test_dual_stack_pod_behind_dual_stack_headless_service_gets_one_endpoint_per_family():
    c = slicelab.Cluster(seed=2)
    c.apply(service("web", selector=WEB, cluster_ip="None", ip_family_policy="RequireDualStack"))
    c.apply(pod("p", "10.0.0.1", labels=WEB, ipv6="fd00::1"))
    got = sorted((s["addressType"], [e["addresses"] for e in s["endpoints"] or ()]) for s in slices(c))
    assert got == [("IPv4", [["10.0.0.1"]]), ("IPv6", [["fd00::1"]])]
    (ep,) = c.get("Endpoints", name="web")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.0.0.1"]


# --- unresolved named port on a headless Service with ports --------------------------------------
def test_unresolved_named_port_on_headless_service_with_ports():
    """Endpoints: a Service with ports lists a Pod only for ports that resolve, headless or not.
    EndpointSlices: getEndpointPorts drops the unresolved port, so the Pod lands in a port-less slice."""
    c = slicelab.Cluster(seed=3)
    c.apply(service("web", selector=WEB, cluster_ip="None",
                    ports=[{"name": "http", "port": 80, "targetPort": "http"}]))
    c.apply([pod("named", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}]),
             pod("unnamed", "10.0.0.2", labels=WEB, ports=[8080])])
    (ep,) = c.get("Endpoints", name="web")
    assert ep["subsets"] == [{"addresses": [ep["subsets"][0]["addresses"][0]],
                              "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]
    assert ep["subsets"][0]["addresses"][0]["targetRef"]["name"] == "named"
    got = sorted(([(p["name"], p["port"]) for p in s.get("ports") or ()],
                  [e["targetRef"]["name"] for e in s["endpoints"] or ()]) for s in slices(c))
    assert got == [([], ["unnamed"]), ([("http", 8080)], ["named"])]


def test_named_port_with_the_wrong_protocol_does_not_resolve():
    c = slicelab.Cluster(seed=3)
    c.apply(service("web", selector=WEB, ports=[{"name": "dns", "port": 53, "targetPort": "dns",
                                                 "protocol": "UDP"}]))
    c.apply(pod("p", "10.0.0.1", labels=WEB, ports=[{"name": "dns", "containerPort": 5353, "protocol": "TCP"}]))
    (ep,) = c.get("Endpoints", name="web")
    assert "subsets" not in ep
    (s,) = slices(c)
    assert "ports" not in s and [e["targetRef"]["name"] for e in s["endpoints"]] == ["p"]


# --- two Pods colliding on one IP ----------------------------------------------------------------
def test_two_pods_on_one_ip_are_two_endpoints_and_two_addresses():
    """EndpointSlices hash an endpoint by addresses *and* targetRef, Endpoints key an address by IP
    *and* Pod UID: two Pods reporting one IP stay two entries in both, and lose nothing when one goes."""
    c = slicelab.Cluster(seed=4)
    c.apply(service("web", selector=WEB))
    c.apply(pod("b", "10.0.0.7", labels=WEB))
    c.apply(pod("a", "10.0.0.7", labels=WEB))     # incremental: the second arrives later
    (s,) = slices(c)
    assert [(e["addresses"], e["targetRef"]["name"]) for e in s["endpoints"]] == \
        [(["10.0.0.7"], "b"), (["10.0.0.7"], "a")]
    (ep,) = c.get("Endpoints", name="web")
    uids = {p["metadata"]["name"]: p["metadata"]["uid"] for p in c.get("Pod")}
    got = [(a["ip"], a["targetRef"]["name"]) for a in ep["subsets"][0]["addresses"]]
    assert got == sorted([("10.0.0.7", "a"), ("10.0.0.7", "b")], key=lambda t: uids[t[1]])
    c.apply(pod("a", "10.0.0.7", labels=WEB, ready=False))
    (ep,) = c.get("Endpoints", name="web")
    assert [a["targetRef"]["name"] for a in ep["subsets"][0]["addresses"]] == ["b"]
    assert [a["targetRef"]["name"] for a in ep["subsets"][0]["notReadyAddresses"]] == ["a"]
    c.delete("Pod", "b")
    (s,) = slices(c)
    assert [(e["targetRef"]["name"], e["conditions"]["ready"]) for e in s["endpoints"]] == [("a", False)]
    (ep,) = c.get("Endpoints", name="web")
    assert [a["targetRef"]["name"] for a in ep["subsets"][0]["notReadyAddresses"]] == ["a"]
    assert "addresses" not in ep["subsets"][0]


def test_two_pods_on_one_ip_in_one_transaction_match_the_full_recomputation():
    def run(incremental: bool) -> tuple:
        c = slicelab.Cluster(seed=4)
        for name in ("endpoints", "endpointslice"):
            c._controllers[name].incremental = incremental
        c.apply(service("web", selector=WEB))
        c.apply([pod("x", "10.0.0.7", labels=WEB), pod("y", "10.0.0.7", labels=WEB), pod("z", "10.0.0.3", labels=WEB)])
        c.apply(pod("y", "10.0.0.9", labels=WEB))
        c.delete("Pod", "z")
        return c.get("Endpoints")[0]["subsets"], [s["endpoints"] for s in slices(c)]
    assert run(True) == run(False)
    subsets, (eps,) = run(True)
    assert [(a["ip"], a["targetRef"]["name"]) for a in subsets[0]["addresses"]] == [("10.0.0.7", "x"), ("10.0.0.9", "y")]


# --- mirroring: restoring a mirrored slice someone else edited or deleted --------------------------
def _mirrored() -> slicelab.Cluster:
    c = slicelab.Cluster(seed=5)
    c.apply([service("ext", selector=None), endpoints("ext", ["192.0.2.1", "192.0.2.2"])])
    return c


def test_mirrored_slice_edited_by_someone_else_is_written_back():
    c = _mirrored()
    (original,) = slices(c, "ext")
    edited = dict(original)
    edited["endpoints"] = [{"addresses": ["203.0.113.9"], "conditions": {"ready": True}}]
    writes = c.apply(edited)
    assert [(w["verb"], w["name"], w["controller"]) for w in writes] == \
        [("update", original["metadata"]["name"], "endpointslice-mirroring")]
    (restored,) = slices(c, "ext")
    assert restored["endpoints"] == original["endpoints"]
    assert restored["metadata"]["uid"] == original["metadata"]["uid"]


def test_mirrored_slice_labels_edited_by_someone_else_are_written_back():
    c = _mirrored()
    (original,) = slices(c, "ext")
    edited = dict(original, metadata=dict(original["metadata"], labels=dict(original["metadata"]["labels"], extra="x")))
    writes = c.apply(edited)
    assert [(w["verb"], w["controller"]) for w in writes] == [("update", "endpointslice-mirroring")]
    assert "extra" not in slices(c, "ext")[0]["metadata"]["labels"]


def test_mirrored_slice_deleted_by_someone_else_is_created_again():
    c = _mirrored()
    (original,) = slices(c, "ext")
    writes = c.delete("EndpointSlice", original["metadata"]["name"])
    assert [(w["verb"], w["controller"]) for w in writes] == [("create", "endpointslice-mirroring")]
    (again,) = slices(c, "ext")
    assert again["endpoints"] == original["endpoints"]
    assert again["metadata"]["uid"] != original["metadata"]["uid"]


def test_unchanged_mirrored_slice_re_applied_is_not_rewritten():
    c = _mirrored()
    (original,) = slices(c, "ext")
    assert c.apply(original) == []


def test_slice_managed_by_the_endpointslice_controller_edited_by_someone_else_is_written_back():
    c = slicelab.Cluster(seed=5)
    c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    (original,) = slices(c)
    edited = dict(original, endpoints=[])
    writes = c.apply(edited)
    assert [(w["verb"], w["name"], w["controller"]) for w in writes] == \
        [("update", original["metadata"]["name"], "endpointslice")]
    assert slices(c)[0]["endpoints"] == original["endpoints"]


# --- order of writes across address families ------------------------------------------------------
def test_endpointslice_writes_follow_ip_families_order_then_create_update_delete():
    """§12: address types in spec.ipFamilies order; per type creates, then updates, then deletes;
    slices of an address type the Service no longer has are deleted last (upstream Reconcile)."""
    c = slicelab.Cluster(max_endpoints_per_slice=2, seed=6)
    c.apply(service("web", selector=WEB, ip_families=["IPv6", "IPv4"], ip_family_policy="RequireDualStack"))
    c.apply([pod(f"p{i}", f"10.0.0.{i + 1}", labels=WEB, ipv6=f"fd00::{i + 1}") for i in range(2)])
    kinds = {s["metadata"]["name"]: s["addressType"] for s in slices(c)}
    writes = c.apply([pod("p0", "10.0.0.1", labels={"app": "other"}, ipv6="fd00::1")]
                     + [pod(f"n{i}", f"10.0.1.{i + 1}", labels=WEB, ipv6=f"fd00::1:{i + 1}") for i in range(3)])
    kinds.update({s["metadata"]["name"]: s["addressType"] for s in slices(c)})
    assert [(verb, kinds[name]) for verb, name in slice_writes(writes)] == \
        [("create", "IPv6"), ("update", "IPv6"), ("create", "IPv4"), ("update", "IPv4")]
    spec = dict(c.get("Service", name="web")[0]["spec"], ipFamilies=["IPv6"], ipFamilyPolicy="SingleStack")
    spec.pop("clusterIPs")
    spec.pop("clusterIP")
    svc = service("web", selector=WEB)
    svc["spec"] = spec
    writes = c.apply(svc)
    got = [(verb, kinds[name]) for verb, name in slice_writes(writes)]
    assert got and all(v == "delete" and k == "IPv4" for v, k in got), got


def test_endpoints_and_slices_are_written_in_controller_order():
    c = slicelab.Cluster(seed=6)
    writes = c.apply([service("web", selector=WEB), pod("p", "10.0.0.1", labels=WEB)])
    assert [w["controller"] for w in writes] == ["endpoints", "endpointslice"]


def test_mirroring_creates_ipv4_before_ipv6_whatever_the_subset_order():
    c = slicelab.Cluster(seed=7)
    writes = c.apply([service("ext", selector=None), endpoints("ext", ["fd00::5", "192.0.2.5"])])
    created = [w["name"] for w in writes if w["kind"] == "EndpointSlice"]
    families = {s["metadata"]["name"]: s["addressType"] for s in slices(c, "ext")}
    assert [families[n] for n in created] == ["IPv4", "IPv6"]
