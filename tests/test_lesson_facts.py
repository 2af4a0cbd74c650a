"""The facts lessons 02-09 ask about, recomputed with slicelab: a self-check's answer must stay true.

Each test repeats a lesson's worked example with the same calls and asserts what its self-checks
expect, so a change in slicelab that makes a lesson's answer wrong fails here, not in a classroom.
"""
from slicelab import Cluster, network
from slicelab.builders import node, pod, service
from slicelab.lessons import SELF_CHECKS
from slicelab.widgets.playground import Lab, count_writes


def sizes(lab):
    return sorted((len(s.get("endpoints") or []) for s in lab.slices()), reverse=True)


def test_02_selectors_and_target_ports():
    lab = Lab(replicas=3, kubectl="")
    lab.add_pods(1, labels={"app": "web", "tier": "canary"}, prefix="canary")
    lab.add_pods(1, labels={"app": "db"}, prefix="db")
    assert sizes(lab) == [4]                      # the canary Pod matches app=web, the db Pod does not
    lab.set_selector("app=web,tier=canary")
    assert sizes(lab) == [1]
    mirrored = lab.set_selector("")               # {} is stored as no selector (self-check 02#3)
    assert lab.cluster.get("Service", name="web")[0]["spec"].get("selector") is None
    assert count_writes(mirrored.writes) == {"create": 1, "update": 0, "delete": 0}
    assert mirrored.writes[0]["controller"] == "endpointslice-mirroring"
    assert sizes(lab) == [1, 1]                   # the old slice untouched, its mirror; no db Pod
    assert "db-5" not in {e["targetRef"]["name"] for s in lab.slices() for e in s.get("endpoints") or []}
    assert lab.set_selector(None).writes == ()    # removing the field altogether changes nothing more
    assert SELF_CHECKS["02"][2]["answer"] == "no selector at all"
    lab.set_selector("app=web")
    assert [p["port"] for p in lab.set_target_port("metrics").slices[0]["ports"]] == [9090]
    assert count_writes(lab.set_target_port(9090).writes) == {"create": 0, "update": 0, "delete": 0}
    lab.set_target_port("grpc")
    assert "<none>" in lab.cluster.kubectl("get endpoints web")
    assert sizes(lab) == [4] and all(not s.get("ports") for s in lab.slices())


def test_03_endpoints_lists_and_truncation():
    lab = Lab(replicas=3, kubectl="")
    lab.set_ready("web-2", False)
    subset = lab.cluster.get("Endpoints", name="web")[0]["subsets"][0]
    assert [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web-2"]
    assert "10.0.0.2" not in lab.cluster.kubectl("get endpoints web")
    lab.start_termination("web-3")
    names = [a["targetRef"]["name"] for s in lab.cluster.get("Endpoints", name="web")[0]["subsets"]
             for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]
    assert "web-3" not in names
    lab.finish_termination("web-3")
    lab.add_pods(2, ports={"http": 8081}, prefix="web-v2")
    assert len(lab.cluster.get("Endpoints", name="web")[0]["subsets"]) == 2
    big = Lab(replicas=1001, kubectl="")
    endpoints = big.cluster.get("Endpoints", name="web")[0]
    assert endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"
    assert sum(len(s.get("addresses", [])) for s in endpoints["subsets"]) == 1000
    assert sum(sizes(big)) == 1001


def test_04_placeholder_conditions_and_slice_count():
    lab = Lab(Cluster(max_endpoints_per_slice=5), replicas=0, kubectl="")
    assert len(lab.slices()) == 1
    assert count_writes(lab.add_pods(1).writes) == {"create": 0, "update": 1, "delete": 0}
    labels = lab.slices()[0]["metadata"]["labels"]
    assert labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    lab.add_pods(2)
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    web3 = [e for e in lab.slices()[0]["endpoints"] if e["targetRef"]["name"] == "web-3"][0]
    assert web3["conditions"] == {"ready": False, "serving": True, "terminating": True}
    lab.finish_termination("web-3")
    lab.scale(12)
    assert len(lab.slices()) == 3
    lab.add_pods(2, ports={"http": 8081}, prefix="web-v2")
    assert len(lab.slices()) == 4


def test_05_one_pod_goes_to_the_slice_with_room():
    lab = Lab(replicas=0, kubectl="")
    first = lab.scale(250)
    assert first.sizes == [100, 100, 50]
    assert count_writes(first.writes) == {"create": 2, "update": 1, "delete": 0}
    assert lab.scale(251).sizes == [100, 100, 51]
    steps = Lab(Cluster(max_endpoints_per_slice=2), replicas=3, kubectl="").rolling_update()
    starts = [e for e in steps if e.title.endswith("starts terminating")]
    assert all(count_writes(e.writes) == {"create": 0, "update": 1, "delete": 0} for e in starts)
    assert all(len(e.sizes) == 2 for e in steps)  # never merged, never more


def test_06_clients():
    lab = Lab(replicas=3, kubectl="")
    assert network.resolve(lab.cluster, "web").service_type == "ClusterIP"
    db = Lab(lab.cluster, service="db", replicas=3, headless=True, kubectl="")
    assert len(network.resolve(db.cluster, "db").records) == 3
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    assert {network.connect(lab.cluster, "web", rng=i).backend.pod for i in range(50)} == {"web-1"}
    lab.start_termination("web-1")
    connection = network.connect(lab.cluster, "web")
    assert connection.ok and connection.backend.terminating and connection.backend.serving
    lab.scale(0)
    assert network.resolve(lab.cluster, "web").records and not network.connect(lab.cluster, "web").ok
    db.scale(0)
    assert network.resolve(db.cluster, "db").rcode == "NXDOMAIN"


def test_08_dual_stack_and_hints():
    lab = Lab(replicas=3, dual_stack=True, kubectl="")
    assert sorted(s["addressType"] for s in lab.slices()) == ["IPv4", "IPv6"]
    assert "fd00" not in lab.cluster.kubectl("get endpoints web")
    later = Lab(replicas=2, kubectl="")
    v6 = [s for s in later.set_dual_stack(True).slices if s["addressType"] == "IPv6"][0]
    assert not v6.get("endpoints") and not v6.get("ports")
    zoned = Lab(replicas=4, zones=("zone-a", "zone-b"), kubectl="")
    zoned.set_traffic_distribution("PreferSameZone")
    zoned.set_ready("web-2", False)
    hints = {e["targetRef"]["name"]: [h["name"] for h in (e.get("hints") or {}).get("forZones", [])]
             for e in zoned.slices()[0]["endpoints"]}
    assert hints == {"web-1": ["zone-a"], "web-2": [], "web-3": ["zone-a"], "web-4": ["zone-b"]}
    zone_a = [n["metadata"]["name"] for n in zoned.cluster.get("Node")
              if n["metadata"]["labels"].get("topology.kubernetes.io/zone") == "zone-a"]
    used = {b.pod for b in network.proxy_endpoints(zoned.cluster, "web", zone_a[0])}
    assert SELF_CHECKS["08"][3]["answer"] == " and ".join(sorted(used)) == "web-1 and web-3"


def _spread() -> Cluster:
    """Lesson 08's PreferSameNode example (cell c018-same-node-code)."""
    spread = Cluster()
    spread.apply([*(node(n, zone=f"zone-{n[5]}") for n in ("node-a1", "node-a2", "node-a3", "node-b1")),
                  service("api", selector={"app": "api"}, traffic_distribution="PreferSameNode")]
                 + [pod(f"api-{i}", f"10.0.0.{i}", labels={"app": "api"}, node=n)
                    for i, n in enumerate(("node-a1", "node-a2", "node-b1"), start=1)])
    return spread


def test_08_each_nodes_kube_proxy_prefers_its_node_then_its_zone():
    spread = _spread()
    used = {n: sorted(b.pod for b in network.proxy_endpoints(spread, "api", n))
            for n in ("node-a1", "node-a2", "node-a3", "node-b1")}
    assert used == {"node-a1": ["api-1"], "node-a2": ["api-2"], "node-a3": ["api-1", "api-2"], "node-b1": ["api-3"]}
    assert SELF_CHECKS["08"][5]["answer"] == " and ".join(used["node-a3"])
    slice_ = spread.get("EndpointSlice")[0]
    assert all(e["hints"]["forNodes"] == [{"name": e["nodeName"]}] for e in slice_["endpoints"])


def test_06_internal_traffic_policy_local_drops_on_a_node_without_endpoints():
    logs = service("logs", selector={"app": "logs"})
    logs["spec"]["internalTrafficPolicy"] = "Local"
    local = Cluster()
    local.apply([logs, *(node(n) for n in ("node-a", "node-b", "node-c")),
                 *(pod(f"logs-{n[-1]}", f"10.0.{i}.1", labels={"app": "logs"}, node=n)
                   for i, n in enumerate(("node-a", "node-b"), start=1))])
    outcomes = {n: network.connect(local, "logs", client_node=n) for n in ("node-a", "node-b", "node-c")}
    assert outcomes["node-a"].backend.pod == "logs-a" and outcomes["node-b"].backend.pod == "logs-b"
    assert outcomes["node-c"].outcome == "dropped: no local endpoints"
    assert "times out" in SELF_CHECKS["06"][5]["answer"] and "timed out" in outcomes["node-c"].text()


def test_04_an_endpoint_in_two_slices_is_used_once_and_fqdn_is_ignored():
    dup = Cluster()
    one = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
           "ports": [{"port": 80, "protocol": "TCP"}], "endpoints": [{"addresses": ["10.0.0.7"]}]}
    dup.apply([service("db", selector=None)] + [dict(one, metadata={"name": n, "labels": {
        "kubernetes.io/service-name": "db"}}) for n in ("db-a", "db-b")])
    used = network.proxy_endpoints(dup, "db", None)
    assert len(used) == 1 and str(len(used)) in SELF_CHECKS["04"][5]["answer"]
    dup.apply(dict(one, addressType="FQDN", endpoints=[{"addresses": ["db.example.com"]}],
                   metadata={"name": "db-dns", "labels": {"kubernetes.io/service-name": "db"}}))
    assert [b.address for b in network.proxy_endpoints(dup, "db", None)] == ["10.0.0.7:80"]


def test_09_two_same_port_subsets_of_600_mirror_to_one_slice_of_1000():
    big = Cluster()
    ips = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(1200)]
    big.apply([{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "big"}, "spec": {"ports": [{"port": 80}]}},
               {"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "big"},
                "subsets": [{"addresses": [{"ip": ip} for ip in part], "ports": [{"port": 80}]}
                            for part in (ips[:600], ips[600:])]}])
    assert [len(s["endpoints"]) for s in big.get("EndpointSlice")] == [1000]
    assert big.controller_events() == ["TooManyAddressesToMirror: A max of 1000 addresses can be mirrored to "
                                       "EndpointSlices per Endpoints subset. 200 addresses were skipped"]


def test_01_headless_with_unresolved_target_port_and_the_clients_of_the_seed():
    from slicelab.scenario import load_scenario

    headless = load_scenario("seed-headless").replay()
    assert headless[5].client.records                 # CoreDNS answers the ready Pod IPs
    graceful = load_scenario("seed-graceful").replay()
    candidates = graceful[9].client.candidates
    assert any(b.terminating and b.serving for b in candidates) and graceful[9].client.backend.ready


def test_09_mirroring():
    c = Cluster()
    c.apply([{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}},
             {"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "db"},
              "subsets": [{"addresses": [{"ip": "192.0.2.10"}, {"ip": "192.0.2.11"}], "ports": [{"port": 5432}]}]}])
    mirrored = c.get("EndpointSlice")
    assert len(mirrored) == 1
    assert mirrored[0]["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    c.apply({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "db"},
             "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}})
    managers = {s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] for s in c.get("EndpointSlice")}
    assert managers == {"endpointslice-controller.k8s.io"}


def test_05_phase_two_fills_slices_updated_anyway():
    alone = Lab(replicas=200, kubectl="")
    alone.thin_slices(90)
    event = alone.scale(195)
    assert event.sizes == [90, 90, 15] and count_writes(event.writes)["create"] == 1
    together = Lab(replicas=200, kubectl="")
    together.thin_slices(90)
    event = together.batch(add=15, not_ready=together.first_pods())
    assert event.sizes == [100, 95]
    assert count_writes(event.writes) == {"create": 0, "update": 2, "delete": 0}


def test_03_publish_not_ready_addresses_lists_everyone_as_ready():
    lab = Lab(replicas=3, kubectl="")
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    lab.set_publish_not_ready_addresses(True)
    subsets = lab.cluster.get("Endpoints", name="web")[0]["subsets"]
    assert [a["targetRef"]["name"] for a in subsets[0]["addresses"]] == ["web-1", "web-2", "web-3"]
    assert not subsets[0].get("notReadyAddresses")
    conditions = {e["targetRef"]["name"]: e["conditions"]["ready"] for e in lab.slices()[0]["endpoints"]}
    assert conditions == {"web-1": True, "web-2": True, "web-3": True}


def test_07_what_an_operator_sees_during_a_rolling_update():
    """Lesson 07's metrics section (cells c025-metrics-*): the numbers its text and self-check 07#7 state."""
    from collections import Counter

    roll = Lab(Cluster(max_endpoints_per_slice=10), replicas=30, kubectl="")
    before, writes = roll.cluster.metrics(), len(roll.cluster.writes)
    roll.rolling_update()
    after = roll.cluster.metrics()
    grew = {k: after[k] - before.get(k, 0) for k in after}
    slice_writes = grew['endpoint_slice_controller_changes{operation="update"}'] + \
        grew['endpoint_slice_controller_changes{operation="create"}']
    assert round(slice_writes / 30) == 4 and "4" in SELF_CHECKS["07"][6]["answer"]
    v1 = Counter(w["verb"] for w in roll.cluster.writes[writes:] if w["kind"] == "Endpoints")
    assert v1 == {"update": 90}                                  # three per replaced Pod
    assert grew["endpoint_slice_controller_endpoints_added_per_sync_sum"] == 30
    assert grew["endpoint_slice_controller_endpoints_removed_per_sync_sum"] == 30
    assert after["endpoint_slice_controller_num_endpoint_slices"] > after["endpoint_slice_controller_desired_endpoint_slices"]
    assert not any(k.startswith('endpoint_slice_controller_syncs{result="error"') for k in after)
