"""Port lists of Services and of Endpoints subsets share one check (validation._check_port)."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import endpoints, service


def unnamed_first(manifest: dict) -> dict:
    """The builders name every port of a list; a hand-written manifest may not."""
    ports = manifest["spec"]["ports"] if manifest["kind"] == "Service" else manifest["subsets"][0]["ports"]
    del ports[0]["name"]
    return manifest


@pytest.mark.parametrize("manifest, path, problem", [
    (unnamed_first(service("web", selector={}, ports=[80, 81])), "spec.ports[0].name",
     "Required value: every port must be named when a Service has more than one"),
    (service("web", selector={}, ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
     "spec.ports[1].name", "Duplicate value: 'a'"),
    (service("web", selector={}, ports=[{"name": "A_b", "port": 80}]), "spec.ports[0].name", None),
    (service("web", selector={}, ports=[{"name": "a", "port": 0}]), "spec.ports[0].port", None),
    (service("web", selector={}, ports=[{"name": "a", "port": 80, "protocol": "ICMP"}]), "spec.ports[0].protocol",
     None),
    (unnamed_first(endpoints("web", ["192.0.2.1"], ports=[80, 81])), "subsets[0].ports[0].name",
     "Required value: ports must be named when a subset has more than one"),
    (endpoints("web", ["192.0.2.1"], ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
     "subsets[0].ports[1].name", "Duplicate value: 'a'"),
    (endpoints("web", ["192.0.2.1"], ports=[{"name": "a", "port": 70000}]), "subsets[0].ports[0].port", None),
    (endpoints("web", ["192.0.2.1"], ports=[{"name": "a", "port": 80, "protocol": "tcp"}]),
     "subsets[0].ports[0].protocol", None),
])
def test_port_lists_are_checked_alike(manifest, path, problem):
    with pytest.raises(slicelab.ManifestError) as err:
        slicelab.Cluster().apply(manifest)
    assert path in str(err.value)
    if problem:
        assert str(err.value).endswith(problem)
