"""Errors slicelab raises for bad input.

A learner's typo must come back as one readable line that names the object and the field, the way
the API server answers `kubectl apply` — never as a deep traceback from inside the simulator.
"""
from __future__ import annotations


class ManifestError(ValueError):
    """A manifest was rejected; nothing of the call that carried it was stored.

    The message is one line: ``Pod "default/web-1": spec.containers[0].ports[0].containerPort: must be
    between 1 and 65535, got 70000``. The parts are kept as attributes for programs.
    """

    def __init__(self, kind: str, name: str, field: str, problem: str, namespace: str | None = None):
        self.kind = kind or "object"
        self.name = name or "<unnamed>"
        self.namespace = namespace
        self.field = field
        self.problem = problem
        ident = f"{namespace}/{self.name}" if namespace else self.name
        where = f"{field}: " if field else ""
        super().__init__(f'{self.kind} "{ident}": {where}{problem}')


class NotFoundError(LookupError):
    """`Cluster.delete` of an object that does not exist (kubectl: `Error from server (NotFound)`)."""

    def __init__(self, kind: str, name: str, namespace: str | None = None):
        self.kind, self.name, self.namespace = kind, name, namespace
        where = f' in namespace "{namespace}"' if namespace else ""
        super().__init__(f'{kind} "{name}" not found{where}')
