"""Same Cluster(seed=...), same events: same slices, names and writes in every process.

Real Kubernetes leaves several orders open (slice names, which endpoints go into a new slice); slicelab
picks seeded, stable ones, so a lesson shows the same picture on every run. Python randomises string
hashing per process, so iteration over a set must never decide an order: two processes with different
PYTHONHASHSEED must agree.
"""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

EVENTS = r"""
import json, slicelab
from slicelab.builders import pod, service
c = slicelab.Cluster(max_endpoints_per_slice=3, seed=7)
web = {"app": "web"}
c.apply(service("web", selector=web, ports=[{"name": "http", "port": 80, "targetPort": "http"}],
                ip_families=["IPv4", "IPv6"], ip_family_policy="RequireDualStack"))
def p(i, **kw):
    return pod(f"web-{i}", f"10.0.0.{i}", ipv6=f"fd00::{i}", labels=web,
               ports=[{"name": "http", "containerPort": 8080 + i % 2}], **kw)
c.apply([p(i) for i in range(1, 12)])
c.apply([p(i, ready=False) for i in (2, 5, 7)] + [p(i) for i in range(12, 16)])
for i in (1, 3, 4, 9):
    c.delete("Pod", f"web-{i}")
c.apply([p(i, terminating=True) for i in (6, 8)] + [p(i) for i in range(16, 20)])
print(json.dumps({"slices": c.get("EndpointSlice"), "endpoints": c.get("Endpoints"), "writes": c.writes},
                 sort_keys=True))
"""


def _run(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", EVENTS], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_events_give_the_same_cluster_whatever_the_hash_seed():
    outputs = {seed: _run(seed) for seed in ("0", "1", "2", "3")}
    assert len(set(outputs.values())) == 1, "slicelab's result depends on PYTHONHASHSEED"
