"""The Pods a playground starts: made from one template, like a ReplicaSet's, with names and IPs that
never collide with what the cluster already holds.

`PodTemplate.manifests(count, taken)` builds Pod manifests (Running, Ready or not, spread over the given
Nodes) whose names `<prefix>-<n>` and IPs (10.0.x.y, and fd00::n when dual-stack) avoid `taken`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["PodTemplate"]


class PodTemplate:
    """Pod name prefix, labels and container ports; counters for the next name and IP."""

    def __init__(self, prefix: str, namespace: str, labels: Mapping[str, str], dual_stack: bool = False,
                 nodes: Sequence[str] = ()) -> None:
        self.prefix, self.namespace, self.labels = prefix, namespace, dict(labels)
        self.dual_stack = dual_stack
        self.nodes = tuple(nodes)
        self._next_pod = 1
        self._next_ip = 1

    def manifest(self, ready: bool, labels: Mapping[str, str] | None = None,
                 ports: Mapping[str, int] | None = None, prefix: str | None = None,
                 taken: set | None = None) -> dict:
        """One new Pod. `labels` replace the template's, `ports` override container ports by name
        ({"http": 8081}), `prefix` names it; `taken` (names and IPs in use) gains its name and IPs."""
        taken = set() if taken is None else taken
        prefix = prefix or self.prefix
        while f"{prefix}-{self._next_pod}" in taken:
            self._next_pod += 1
        while _ipv4(self._next_ip) in taken:
            self._next_ip += 1
        number, ip = self._next_pod, self._next_ip
        self._next_pod += 1
        self._next_ip += 1
        ips = [_ipv4(ip)] + ([f"fd00::{ip:x}"] if self.dual_stack else [])
        taken.update(ips + [f"{prefix}-{number}"])
        numbers = {"http": 8080, "metrics": 9090, **(ports or {})}
        spec: dict[str, Any] = {"containers": [{"name": "web", "image": "nginx", "ports": [
            {"name": name, "containerPort": port} for name, port in numbers.items()]}]}
        if self.nodes:
            spec["nodeName"] = self.nodes[(number - 1) % len(self.nodes)]
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"{prefix}-{number}", "namespace": self.namespace,
                             "labels": dict(self.labels if labels is None else labels)},
                "spec": spec,
                "status": {"phase": "Running", "podIP": ips[0], "podIPs": [{"ip": i} for i in ips],
                           "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def _ipv4(n: int) -> str:
    """The n-th Pod IP (n >= 1): 10.0.0.1 … 10.0.0.250, 10.0.1.1, …"""
    return f"10.0.{(n - 1) // 250}.{(n - 1) % 250 + 1}"
