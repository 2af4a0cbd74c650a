"""The playground: every event goes through the Cluster, its writes are the controllers' own, and the
buttons drive the same methods (`button.click()` fires handlers without a browser)."""
import pytest
from conftest import require_tool

from slicelab import Cluster
from slicelab.playground import Lab, count_writes, parse_target_port, service_selector
from slicelab.selectors import parse_selector
from slicelab.views.events import event_table
from slicelab.views.packing import unescape_svg_text
from slicelab.widgets.playground import Playground


def slice_sizes(lab):
    return sorted((len(s.get("endpoints") or []) for s in lab.slices()), reverse=True)


def test_events_are_applied_through_the_cluster():
    lab = Lab(replicas=3)
    assert lab.pod_names() == ["web-1", "web-2", "web-3"]
    assert lab.last.writes == tuple(lab.cluster.writes[-len(lab.last.writes):])
    assert slice_sizes(lab) == [3]
    lab.set_ready("web-2", False)
    ready = {e["targetRef"]["name"]: e["conditions"] for e in lab.slices()[0]["endpoints"]}
    assert ready["web-2"] == {"ready": False, "serving": False, "terminating": False}
    lab.start_termination("web-3")
    ready = {e["targetRef"]["name"]: e["conditions"] for e in lab.slices()[0]["endpoints"]}
    assert ready["web-3"] == {"ready": False, "serving": True, "terminating": True}
    assert count_writes(lab.last.writes) == {"create": 0, "update": 1, "delete": 0}
    lab.finish_termination("web-3")
    assert lab.pod_names() == ["web-1", "web-2"] and slice_sizes(lab) == [2]


def test_no_rebalancing_gives_100_74_74_52():
    lab = Lab(replicas=200, kubectl="")
    lab.thin_slices(74)
    assert slice_sizes(lab) == [74, 74]
    event = lab.scale(300)
    assert event.sizes == [100, 74, 74, 52]
    assert count_writes(event.writes) == {"create": 2, "update": 0, "delete": 0}
    recycled = lab.set_target_port("metrics")
    assert recycled.sizes == [100, 100, 100]
    assert count_writes(recycled.writes) == {"create": 0, "update": 3, "delete": 1}
    assert "100/74/74/52" in event_table(lab.events)


def test_placeholder_selector_and_target_port():
    lab = Lab(Cluster(max_endpoints_per_slice=5), replicas=0)
    assert [s.get("endpoints") for s in lab.slices()] in ([None], [[]])
    first = lab.add_pods(1)
    assert count_writes(first.writes) == {"create": 0, "update": 1, "delete": 0}  # placeholder recycled
    lab.add_pods(1, labels={"app": "db"}, prefix="db")
    assert slice_sizes(lab) == [1]
    lab.set_selector("")
    assert slice_sizes(lab) == [1, 1]  # {} is stored as no selector: left alone, and mirrored
    lab.set_selector("app=db")
    assert [e["targetRef"]["name"] for s in lab.slices() for e in s["endpoints"]] == ["db-2"]
    lab.set_selector("app=web")
    assert lab.set_target_port(8080).writes == ()  # resolves to the same port: nothing to write
    ports = lab.set_target_port("metrics").slices[0]["ports"]
    assert [p["port"] for p in ports] == [9090]


def test_scale_down_dual_stack_and_max():
    lab = Lab(replicas=2)
    event = lab.set_dual_stack(True)
    assert sorted(s["addressType"] for s in event.slices) == ["IPv4", "IPv6"]
    assert count_writes(event.writes)["create"] == 1
    lab.add_pods(1)
    v6 = [s for s in lab.slices() if s["addressType"] == "IPv6"][0]
    assert [e["addresses"] for e in v6["endpoints"]] == [["fd00::3"]]
    lab.set_max_endpoints_per_slice(2)
    lab.scale(5)
    # the slice of 3 stays as it is (no rebalancing); new endpoints obey the new limit of 2, per family
    assert slice_sizes(lab) == [3, 2, 2, 1]
    assert lab.scale(1).title == "scale 5 → 1" and len(lab.pod_names()) == 1


def test_bad_input_is_one_clear_error():
    lab = Lab(replicas=1)
    with pytest.raises(ValueError, match="no Pod named 'nope'"):
        lab.set_ready("nope", True)
    with pytest.raises(ValueError, match="1..1000"):
        lab.set_max_endpoints_per_slice(0)
    with pytest.raises(ValueError, match="equality-only"):
        service_selector("tier in (a,b)")
    assert parse_target_port(" 8080 ") == 8080 and parse_target_port("http") == "http"


@pytest.mark.parametrize("text", ["app=web", " app = web , tier=front ", "app==web", "tier in (a,b)", "tier",
                                  "!tier", "app!=web", "a=1,a=2", "app=web,", "=web", "", None, "none"])
def test_the_selector_box_agrees_with_the_selector_parser(text):
    """One parser: the playground accepts exactly the equality clauses slicelab.selectors parses."""
    try:
        requirements = parse_selector(text)
    except ValueError:
        with pytest.raises(ValueError):
            service_selector(text)
        return
    keys = [r.key for r in requirements]
    if any(r.op != "=" for r in requirements) or len(set(keys)) != len(keys):
        with pytest.raises(ValueError, match="equality-only|given twice"):
            service_selector(text)
    else:
        assert service_selector(text) == {r.key: r.values[0] for r in requirements}


def test_an_empty_selector_is_no_selector():
    """`selector: {}` is stored as no selector: the Service loses it and no controller manages its
    endpoints any more (what the API server and kube-controller-manager do)."""
    lab = Lab(replicas=2, kubectl="")
    event = lab.set_selector("")
    assert lab.selector is None and "selector" not in lab.service_manifest()["spec"]
    assert event.title == "Service selector → none (no selector: no controller manages its endpoints)"
    assert lab.set_selector({}).title == event.title
    assert not [w for w in event.writes if w.get("controller") in ("endpoints", "endpointslice")]


def drawn(play):
    return unescape_svg_text(play.diagram.value)


def test_buttons_drive_the_events_and_redraw():
    require_tool("dot")
    play = Playground(Cluster(max_endpoints_per_slice=2), replicas=2)
    play.add_button.click()
    assert play.lab.pod_names() == ["web-1", "web-2", "web-3"] and play.replicas.value == 3
    assert "web-3" in drawn(play) and "Writes: 2" in play.writes.value
    play.pod.value = "web-1"
    play.ready_button.click()
    assert "not ready" in drawn(play) and "NotReady" in play.status.value
    play.terminate_button.click()
    assert "1 terminating" in drawn(play)  # not ready, then terminating: not serving
    play.finish_button.click()
    assert "web-1" not in play.lab.pod_names() and play.pod.value in play.lab.pod_names()
    play.replicas.value = 5
    play.scale_button.click()
    assert len(play.lab.pod_names()) == 5 and "ADDRESSTYPE" in play.kubectl.value
    play.target_port.value = "metrics"
    play.target_button.click()
    assert all(p["port"] == 9090 for s in play.lab.slices() for p in s["ports"])
    play.dual_stack.value = True
    assert "IPv6" in drawn(play)
    victim = play.lab.pod_names()[-1]
    play.pod.value = victim
    play.remove_button.click()
    assert victim not in play.lab.pod_names() and f"remove Pod {victim}" in play.status.value
    play.max_per_slice.value = 7
    play.max_button.click()
    assert play.lab.cluster.max_endpoints_per_slice == 7 and "kept as they are" in play.status.value


def test_bad_input_in_the_widget_shows_one_line_and_changes_nothing():
    play = Playground(replicas=1)
    before = list(play.lab.cluster.writes)
    play.selector.value = "tier notin (x)"
    play.selector_button.click()
    assert "<b>Not applied:</b>" in play.status.value and "equality-only" in play.status.value
    play.target_port.value = "Not A Port!"
    play.target_button.click()
    assert "Not applied" in play.status.value
    assert play.lab.cluster.writes == before


def test_event_stepper_steps_a_rolling_update():
    require_tool("dot")
    from slicelab.widgets.playground import EventStepper
    steps = Lab(Cluster(max_endpoints_per_slice=2), replicas=2, kubectl="").rolling_update()
    stepper = EventStepper(steps)

    def shown(stack):
        return stack.children[stack.selected_index].value

    assert "slicelab-at-edge" in stepper.previous_button._dom_classes and not stepper.previous_button.disabled
    assert "Event 1 of 8" in shown(stepper.position)
    stepper.next_button.click()
    stepper.next_button.click()
    assert stepper.index == 2 and "web-1 starts terminating" in shown(stepper.position)
    assert "serving, terminating" in unescape_svg_text(shown(stepper.view))
    for _ in range(10):
        stepper.next_button.click()
    assert stepper.index == 7 and "slicelab-at-edge" in stepper.next_button._dom_classes
    stepper.previous_button.click()
    assert stepper.index == 6 and "slicelab-at-edge" not in stepper.next_button._dom_classes
    stepper.controls.slider.value = 3  # what the slider, Play or a jslink does in the browser
    assert stepper.index == 3 and "Event 4 of 8" in shown(stepper.position)
    with pytest.raises(ValueError, match="nothing to step"):
        EventStepper([])


def test_batch_is_one_transaction_and_refuses_nothing_to_do():
    lab = Lab(Cluster(max_endpoints_per_slice=3), replicas=6, kubectl="")
    assert lab.first_pods() == ["web-1", "web-4"]
    before = len(lab.cluster.writes)
    event = lab.batch(add=1, not_ready=["web-1"])
    assert event.title == "1 Pod becomes NotReady and 1 Pod starts (one sync)"
    assert len(lab.cluster.writes) - before == len(event.writes)
    with pytest.raises(ValueError, match="nothing to change"):
        lab.batch()


def test_selector_playground_on_an_existing_cluster():
    require_tool("dot")
    lab = Lab(replicas=2, kubectl="")
    lab.add_pods(1, labels={"app": "db"}, prefix="db")
    play = Playground(lab.cluster, replicas=0, kubectl="get pods --show-labels")
    assert play.lab.last.title == "start from Service web as it is" and play.lab.last.writes == ()
    assert "web-1" in drawn(play) and "db-3" in play.pod.options
    play.new_labels.value = "app=web,tier=canary"
    play.add_button.click()
    added = [n for n in play.pod.options if n not in ("web-1", "web-2", "db-3")]
    assert len(added) == 1 and "tier=canary" in play.kubectl.value
    play.selector.value = "tier=canary"
    play.selector_button.click()
    assert added[0] in drawn(play) and "web-1" not in drawn(play)
    play.pod.value = "db-3"
    play.ready_button.click()  # any Pod of the namespace can be poked, selected or not
    assert "Pod db-3 becomes NotReady" in play.status.value
    play.new_labels.value = ""
    play.add_button.click()
    assert "at least one key=value label" in play.status.value


def test_the_object_graph_says_an_empty_selector_selects_no_pod():
    from slicelab.views.diagrams import describe_object_graph
    lab = Lab(replicas=2, kubectl="")
    svc = lab.service_manifest()
    svc["spec"]["selector"] = {}
    lab.cluster.apply([svc])
    text = describe_object_graph(lab.cluster, "web")
    assert "(no selector)" in text and "Pods not selected by the Service: web-1, web-2." in text


def test_a_lab_that_watches_a_client_records_dns_and_the_connection_after_every_event():
    lab = Lab(service="api", replicas=2, client=True, kubectl="")
    first = lab.last
    cluster_ip = lab.service_manifest()["spec"]["clusterIP"]
    assert first.dns.text() == f"api.default.svc.cluster.local -> {cluster_ip} (ClusterIP)"
    assert first.connection.ok and first.connection.backend.pod in ("api-1", "api-2")
    lab.start_termination("api-1")
    lab.start_termination("api-2")  # none ready: kube-proxy falls back to serving-and-terminating ones
    assert lab.last.connection.ok and lab.last.connection.backend.terminating
    lab.finish_termination("api-1")
    lab.finish_termination("api-2")
    assert lab.last.connection.outcome == "rejected: no endpoints" and lab.last.dns.rcode == "NOERROR"
    assert f"Client: connect {cluster_ip}:80: connection refused" in lab.last.text()
    assert Lab(replicas=1, kubectl="").last.connection is None  # only when asked: lessons 02-05 unchanged


def test_the_playground_shows_the_client_after_every_button():
    require_tool("dot")
    play = Playground(service="api", replicas=1, client=True, kubectl="")
    assert "DNS: api.default.svc.cluster.local" in play.client.value and "(Pod api-1)" in play.client.value
    play.pod.value = "api-1"
    play.ready_button.click()
    assert "connection refused" in play.client.value
    assert Playground(replicas=1).client.value == ""


def test_zones_nodes_and_traffic_distribution_in_the_model():
    lab = Lab(replicas=4, zones=("zone-a", "zone-b"), nodes_per_zone=2, kubectl="", client=True,
              client_node="node-3")
    assert lab.nodes() == [("node-1", "zone-a"), ("node-2", "zone-b"), ("node-3", "zone-a"), ("node-4", "zone-b")]
    assert [p["spec"]["nodeName"] for p in lab.pods()] == ["node-1", "node-2", "node-3", "node-4"]
    assert lab.last.connection.client_node == "node-3"
    event = lab.set_traffic_distribution("PreferSameNode")
    assert lab.traffic_distribution == "PreferSameNode" and event.connection.backend.pod == "web-3"
    alias = lab.set_traffic_distribution("PreferClose")
    assert "deprecated name of PreferSameZone" in alias.note
    assert lab.set_traffic_distribution(None).title == "trafficDistribution → unset"
    with pytest.raises(ValueError, match="no Node named 'node-9'"):
        lab.set_client_node("node-9")
    with pytest.raises(ValueError, match="give the Lab zones"):
        Lab(replicas=0, client_node="node-1")


def test_the_kube_proxy_figure_follows_traffic_distribution():
    require_tool("dot")
    from slicelab.views.diagrams import describe_proxy_graph, proxy_figure
    lab = Lab(replicas=4, zones=("zone-a", "zone-b"), nodes_per_zone=2, kubectl="")
    text = describe_proxy_graph(lab.cluster, "web")
    assert text.startswith("Service web: trafficDistribution not set.")
    assert "kube-proxy on node-1 in zone zone-a uses web-1, web-2, web-3, web-4." in text
    lab.set_traffic_distribution("PreferSameZone")
    text = describe_proxy_graph(lab.cluster, "web")
    assert "node-1 in zone zone-a uses web-1, web-3." in text and "node-4 in zone zone-b uses web-2, web-4." in text
    lab.set_traffic_distribution("PreferSameNode")
    assert "node-2 in zone zone-b uses web-2." in describe_proxy_graph(lab.cluster, "web")
    lab.set_ready("web-1", False)  # node-1 has no ready endpoint of its own: its zone's endpoints
    assert "node-1 in zone zone-a uses web-3." in describe_proxy_graph(lab.cluster, "web")
    figure = proxy_figure(lab.cluster, "web")
    drawn = unescape_svg_text(figure._repr_html_())
    assert "kube-proxy" in drawn and "zone zone-a" in drawn and "Pod web-1" in drawn and "not Ready" in drawn
    assert "Text alternative:" in drawn and repr(figure).startswith("Which endpoints each node's kube-proxy uses")


def test_the_playground_with_zones_has_a_traffic_distribution_control_and_the_proxy_figure():
    require_tool("dot")
    play = Playground(service="shop", replicas=4, zones=("zone-a", "zone-b"), nodes_per_zone=2, kubectl="")
    assert play.traffic.options == ("none (every endpoint)", "PreferSameZone", "PreferSameNode", "PreferClose")
    assert play.traffic in play.controls.children[3].children
    play.traffic.value = "PreferSameNode"
    assert play.lab.traffic_distribution == "PreferSameNode"
    assert "node-3 in zone zone-a uses shop-3." in unescape_svg_text(play.proxies.value)
    play.traffic.value = "none (every endpoint)"
    assert play.lab.traffic_distribution is None and "trafficDistribution → unset" in play.status.value
    plain = Playground(replicas=1)
    assert plain.traffic not in plain.controls.children[3].children and plain.proxies.value == ""
