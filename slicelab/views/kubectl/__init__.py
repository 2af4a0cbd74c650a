"""`kubectl get` and `kubectl describe`, printed from a slicelab cluster exactly as kubectl prints them.

    run_kubectl(cluster, "get endpointslices -l kubernetes.io/service-name=my-service")

Only `cluster.get(kind, namespace=..., name=..., label_selector=...)` and `cluster.now` are used, so
any object store with that interface can be printed.

Conventions (kubectl writes some lines to stderr; a notebook shows one text):
- run_kubectl never raises for a bad command: it returns kubectl's one-line error text
  (`error: the server doesn't have a resource type "foo"`). `parse_command` raises `KubectlError`
  with that same line, for programs that prefer an exception.
- Lines kubectl prints on stderr come in the order a terminal shows them: the API server's
  deprecation warning for v1 Endpoints first, then the output, then `Error from server (NotFound)`
  lines; `No resources found in default namespace.` replaces an empty table.
- The final newline kubectl prints is dropped, so `print(run_kubectl(...))` looks like a terminal.
- Lists are ordered by namespace then name, like the API server's storage order.
"""
from __future__ import annotations

from slicelab.reading import Reader
from slicelab.views.kubectl.command import Command, KubectlError, parse_command
from slicelab.views.kubectl.describe import describe, run_describe
from slicelab.views.kubectl.get import get, to_json, to_yaml

__all__ = ["KubectlError", "Command", "parse_command", "run_kubectl", "to_yaml", "to_json",
           "describe", "ENDPOINTS_DEPRECATION_WARNING"]

ENDPOINTS_DEPRECATION_WARNING = (
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")


def run_kubectl(cluster: Reader, command: str) -> str:
    """The text `kubectl <command>` prints against `cluster` (stderr lines included, see module doc)."""
    try:
        cmd = parse_command(command)
    except KubectlError as exc:
        return str(exc)
    warning = [ENDPOINTS_DEPRECATION_WARNING] if any(r.kind == "Endpoints" for r in cmd.resources) else []
    body = run_describe(cluster, cmd) if cmd.verb == "describe" else get(cluster, cmd)
    return "\n".join(warning + [body]).rstrip("\n")
