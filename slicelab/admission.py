"""Admission: every check a manifest passes before the Cluster stores it, with Pods' verdicts remembered.

`validate(manifest)` runs `check_kind`, the strict schema (`slicelab.schema.validate_structure`) and the
semantic rules (`slicelab.validation.validate_manifest`), raising the first ManifestError as they do.

Why remember: 100,000 Pods from one template differ only in a few values — their name, their IPs.
A Pod's verdict is remembered under a key made of everything else (the exact metadata without the
name, the exact spec, the exact status without the IPs, and the *shape* of the IP fields); a later Pod
with the same key needs only the checks of those few values. This gives exactly the full verdict:
- the schema parts `metadata` and `status` constrain only structure and types (`schema.shape_only`,
  checked at run time; otherwise nothing is remembered), and the key fixes their structure and types;
- no semantic rule reads the name or the IPs except the name's own format and the IP rules
  (`validation.validate_pod_ips`), which run again for every Pod, with the same functions.
Only passing verdicts are remembered; when one of the per-Pod checks fails, the full checks run, so a
bad manifest gets the very same error.
"""
from __future__ import annotations

import functools
import marshal
from typing import Any, Mapping

from slicelab import names
from slicelab.errors import ManifestError
from slicelab.objects import is_plain_ipv4
from slicelab.schema import shape, shape_only, validate_structure
from slicelab.checker import Checker
from slicelab.validation import check_kind, validate_manifest, validate_pod_ips

_POD_FIELDS = frozenset(("apiVersion", "kind", "metadata", "spec", "status"))
_VALID_PODS: set[tuple] = set()
_MAX_REMEMBERED = 10_000


def validate(manifest: Mapping[str, Any]) -> None:
    """Raise ManifestError naming the object and the field for the first problem; None when valid."""
    key = _pod_key(manifest)
    if key is not None and key in _VALID_PODS and _pod_values_valid(manifest):
        return
    validate_manifest(manifest, _checked_structure(manifest))
    if key is not None:
        if len(_VALID_PODS) >= _MAX_REMEMBERED:
            _VALID_PODS.clear()
        _VALID_PODS.add(key)


def _checked_structure(manifest: Mapping[str, Any]) -> tuple[str, str, str | None]:
    ident = check_kind(manifest)
    validate_structure(manifest)
    return ident


@functools.lru_cache(maxsize=None)
def _pods_remembered() -> bool:
    return shape_only("Pod", "metadata") and shape_only("Pod", "status")


def _pod_key(m: Any) -> tuple | None:
    """The key a Pod's verdict is remembered under, or None for anything but a Pod of plain data."""
    if type(m) is not dict or len(m) != 5 or m.keys() != _POD_FIELDS:
        return None
    kind, api, meta, spec, status = m["kind"], m["apiVersion"], m["metadata"], m["spec"], m["status"]
    if type(kind) is not str or kind != "Pod" or type(api) is not str or api != "v1" \
            or type(meta) is not dict or type(spec) is not dict or type(status) is not dict:
        return None
    name = meta.get("name")
    if type(name) is not str or not name or not _pods_remembered():
        return None
    try:
        return (marshal.dumps({k: v for k, v in meta.items() if k != "name"}),
                marshal.dumps(spec),
                marshal.dumps({k: v for k, v in status.items() if k != "podIP" and k != "podIPs"}),
                type(status["podIP"]) if "podIP" in status else None,
                shape(status["podIPs"]) if "podIPs" in status else None)
    except (ValueError, TypeError, RecursionError):  # not plain JSON-like data
        return None


def _pod_values_valid(m: Mapping[str, Any]) -> bool:
    """The checks of the values the key leaves out: the name's format and the Pod IP rules."""
    name = m["metadata"]["name"]
    if names.check_dns1123_subdomain(name) is not None:
        return False
    status = m["status"]
    ip, ips = status.get("podIP"), status.get("podIPs")
    if type(ip) is str and type(ips) is list and len(ips) == 1 and type(ips[0]) is dict:
        first = ips[0].get("ip")
        if type(first) is str and first == ip and is_plain_ipv4(ip):
            return True  # the usual single IPv4 address: all that validate_pod_ips would check
    try:
        validate_pod_ips(Checker("Pod", name, None), m["status"])
    except ManifestError:
        return False
    return True
