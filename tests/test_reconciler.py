"""Property tests of the pure EndpointSlice reconcile (slicelab.controllers.reconciler), called directly.

The controller gathers its inputs and writes the plan; `reconcile` only plans. Over random desired
states (built from random Pods by desired.py, as the controller builds them) and random existing slices
(stale endpoints, duplicates, foreign owners, old port lists, unsupported address types, stale labels,
over-full slices), what must hold:
- the slices after the plan hold exactly the desired endpoints, each once, none over the maximum, and a
  placeholder stands in for an address type with none;
- every existing slice is kept, updated or deleted exactly once; unchanged means untouched; the inputs
  are not changed;
- the plan's result is a fixpoint: reconciling it again plans no write;
- after Pods change, the incremental reconcile (only the touched identities) plans exactly what the full
  one plans from a desired state built afresh.
"""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slicelab.builders import node, pod, service
from slicelab.controllers.desired import DesiredState
from slicelab.controllers.plan import SliceRec, parse_slice, slice_manifest
from slicelab.controllers.reconciler import Reconciled, reconcile, slice_labels
from slicelab.objects import ServiceFacts, node_facts, pod_facts, service_facts

NAMES = [f"p{i}" for i in range(12)]
NODES = {n: node_facts(node(n, zone=z)) for n, z in (("n1", "z1"), ("n2", "z2"), ("n3", None))}
PORTS = [[{"name": "http", "port": 80, "targetPort": "http"}],
         [{"name": "a", "port": 80, "targetPort": "http"}, {"name": "b", "port": 81, "targetPort": 9090}]]
OWNER = "uid-web"
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def make_service(ports, families, traffic, team) -> ServiceFacts:
    m = service("web", selector={"app": "web"}, ports=ports, traffic_distribution=traffic,
                labels={"team": team} if team else None, ip_families=families,
                ip_family_policy="PreferDualStack" if len(families) > 1 else None)
    m["metadata"]["uid"] = OWNER
    return service_facts(m)


pod_strategy = st.builds(
    lambda name, ip, v6, ready, term, node_name, cport: pod_facts(pod(
        name, f"10.0.{ip // 250}.{ip % 250}", ipv6=f"fd00::{ip:x}" if v6 else None, labels={"app": "web"},
        ready=ready, terminating=term, node=node_name,
        ports=[{"name": "http", "containerPort": cport}] if cport else None)),
    st.sampled_from(NAMES), st.integers(1, 40), st.booleans(), st.booleans(), st.booleans(),
    st.sampled_from([None, "n1", "n2", "n3"]), st.sampled_from([None, 8080, 8081]))


def _uids(p):
    return p._replace(uid=f"uid-{p.name}")


inputs = st.fixed_dictionaries({
    "ports": st.sampled_from(PORTS),
    "families": st.sampled_from([["IPv4"], ["IPv4", "IPv6"], ["IPv6"]]),
    "traffic": st.sampled_from([None, "PreferClose"]),
    "team": st.sampled_from([None, "a"]),
    "max": st.integers(1, 5),
    "pods": st.lists(pod_strategy.map(_uids), max_size=12, unique_by=lambda p: p.name),
    "changes": st.lists(st.tuples(st.sampled_from(NAMES), st.one_of(st.none(), pod_strategy.map(_uids))),
                        max_size=4, unique_by=lambda c: c[0]),
    # existing slices: (address type, port list index or -1 for an old one, owned, stale labels,
    #                   endpoint picks as indexes into a pool, stale conditions)
    "slices": st.lists(st.tuples(st.sampled_from(["IPv4", "IPv6", "FQDN"]), st.integers(-1, 1), st.booleans(),
                                 st.booleans(), st.lists(st.integers(0, 30), max_size=7), st.booleans()),
                       max_size=6),
})


def desired_state(svc, pods) -> DesiredState:
    return DesiredState.build(svc, pods, NODES, {}, [])


def manifest_of(svc, rec: SliceRec, name: str) -> dict:
    owner = {"apiVersion": "v1", "kind": "Service", "name": svc.name, "uid": svc.uid, "controller": True,
             "blockOwnerDeletion": True}
    m = slice_manifest(rec, svc.namespace, slice_labels(svc), {}, owner)
    m["metadata"]["name"] = name
    m["metadata"]["resourceVersion"] = "1"
    return m


def random_existing(svc, state: DesiredState, spec: list) -> list[SliceRec]:
    """Slices as a user, an older controller or an older Service may have left them."""
    pool = [ep for by_key in state.groups.values() for _, eps in by_key.values() for ep in eps.values()]
    pool += [{"addresses": [f"10.9.0.{i}"], "conditions": {"ready": True, "serving": True, "terminating": False},
              "targetRef": {"kind": "Pod", "namespace": "default", "name": f"gone-{i}", "uid": f"g{i}"}}
             for i in range(6)]
    keys = {at: list(by_key.items()) for at, by_key in state.groups.items()}
    out = []
    for i, (at, port_index, owned, stale_labels, picks, stale) in enumerate(spec):
        if port_index >= 0 and keys.get(at):
            pk, (ports, _) = keys[at][port_index % len(keys[at])]
        else:
            ports = [{"name": "old", "port": 70, "protocol": "TCP"}]
        eps = {}
        for pick in picks:
            ep = copy.deepcopy(pool[pick % len(pool)]) if pool else None
            if ep is None:
                continue
            if stale:
                ep["conditions"] = {"ready": False, "serving": False, "terminating": True}
            eps[len(eps)] = ep
        rec = SliceRec(None, at, ports, (), eps, {}, {}, True)
        m = manifest_of(svc, rec, f"web-{i:02d}")
        if stale_labels:
            m["metadata"]["labels"]["team"] = "old"
        if not owned:
            m["metadata"]["ownerReferences"][0]["uid"] = "uid-of-an-older-service"
        out.append(parse_slice(m, OWNER))
    return sorted(out, key=lambda r: r.name)


def materialize(svc, result: Reconciled, existing: list[SliceRec]) -> list[SliceRec]:
    """The slices there are once the plans are written (deletes gone, creates named)."""
    by_name = {rec.name: rec for rec in existing}
    fresh = 0
    for plan in result.plans:
        for rec in plan.deletes:
            by_name.pop(rec.name)
        for rec in plan.updates:
            by_name[rec.name] = parse_slice(manifest_of(svc, rec, rec.name), OWNER)
        for rec in plan.creates:
            fresh += 1
            name = f"zz-new-{fresh:02d}"
            by_name[name] = parse_slice(manifest_of(svc, rec, name), OWNER)
    return sorted(by_name.values(), key=lambda r: r.name)


def without_hints(ep: dict) -> dict:
    return {k: v for k, v in ep.items() if k != "hints"}


def summary(result: Reconciled) -> list:
    """Everything a plan writes, in order."""
    return [([list(r.endpoints.values()) for r in p.creates],
             [(r.name, list(r.endpoints.values())) for r in p.updates],
             [r.name for r in p.deletes]) for p in result.plans] + \
        [result.changed, result.added, result.removed, result.efficiency]


@SETTINGS
@given(inputs)
def test_the_plan_holds_exactly_the_desired_endpoints_and_accounts_for_every_slice(case):
    svc = make_service(case["ports"], case["families"], case["traffic"], case["team"])
    state = desired_state(svc, case["pods"])
    existing = random_existing(svc, state, case["slices"])
    before = (copy.deepcopy(state.groups), [(r.name, copy.deepcopy(r.endpoints), r.labels) for r in existing])

    result = reconcile(svc, state.groups, existing, case["max"], NODES)

    assert before == (state.groups, [(r.name, r.endpoints, r.labels) for r in existing])  # pure
    seen: list[str] = []
    for at, plan in zip(state.groups, result.plans):
        after = plan.creates + plan.updates + plan.unchanged
        assert all(r.address_type == at for r in after + plan.deletes)
        wanted = {(pk, ident): without_hints(ep) for pk, (_, eps) in state.groups[at].items()
                  for ident, ep in eps.items()}
        held = [((r.port_key, ident), without_hints(ep)) for r in after for ident, ep in r.endpoints.items()]
        assert dict(held) == wanted and len(held) == len(wanted)           # exactly, each once
        assert all(len(r.endpoints) <= case["max"] for r in plan.creates + plan.updates)
        assert all(r.endpoints for r in plan.creates + plan.updates) or not wanted
        if not wanted:                                                      # the placeholder
            assert [(r.ports, r.endpoints) for r in after] == [([], {})]
        assert all(any(r is e for e in existing) for r in plan.unchanged + plan.deletes)
        seen += [r.name for r in plan.updates + plan.deletes + plan.unchanged if r.name]
    seen += [r.name for plan in result.plans[len(state.groups):] for r in plan.deletes]
    assert sorted(seen) == sorted(r.name for r in existing)                # each slice once
    assert result.changed == sum(len(p.creates) + len(p.updates) + len(p.deletes) for p in result.plans)

    again = reconcile(svc, state.groups, materialize(svc, result, existing), case["max"], NODES)
    assert again.changed == 0                                              # a fixpoint
    assert all(not (p.creates or p.updates or p.deletes) for p in again.plans)


@SETTINGS
@given(inputs)
def test_incremental_reconcile_plans_what_the_full_one_plans(case):
    svc = make_service(case["ports"], case["families"], case["traffic"], case["team"])
    start = desired_state(svc, case["pods"])
    left = random_existing(svc, start, case["slices"])
    slices = materialize(svc, reconcile(svc, start.groups, left, case["max"], NODES), left)  # the last sync

    changed = dict(case["changes"])
    kept = {p.name: p for p in case["pods"] if p.name not in changed}
    now = list(kept.values()) + [p._replace(name=name) for name, p in changed.items() if p is not None]
    touched = start.update(svc, {name: None if p is None else p._replace(name=name)
                                 for name, p in sorted(changed.items())}, NODES, {}, [])

    incremental = reconcile(svc, start.groups, slices, case["max"], NODES, touched)
    full = reconcile(svc, desired_state(svc, now).groups, slices, case["max"], NODES)
    assert summary(incremental) == summary(full)


def test_an_empty_plan_for_an_address_type_is_a_placeholder_and_stays_one():
    svc = make_service(PORTS[0], ["IPv4"], None, None)
    result = reconcile(svc, desired_state(svc, []).groups, [], 3, NODES)
    (plan,) = result.plans
    assert [(r.ports, r.endpoints, r.name) for r in plan.creates] == [([], {}, None)]
    assert result.efficiency == {("IPv4", ()): (0, 1)} and result.changed == 1
    again = reconcile(svc, desired_state(svc, []).groups, materialize(svc, result, []), 3, NODES)
    assert again.changed == 0 and len(again.plans[0].unchanged) == 1
