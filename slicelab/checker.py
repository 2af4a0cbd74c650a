"""Checker: one manifest under validation, so that every error names the object and the field path.

Its typed getters return the value when it is right and raise ManifestError (the API server's words:
`Required value`, `Unsupported value: ...`) when it is not; validation and admission share it.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from slicelab.errors import ManifestError
from slicelab.objects import is_plain_ipv4

__all__ = ["Checker"]


class Checker:
    """Collects the identity of the object under test so every error names it."""

    def __init__(self, kind: str, name: str, namespace: str | None):
        self.kind, self.name, self.namespace = kind, name, namespace

    def fail(self, path: str, problem: str) -> None:
        raise ManifestError(self.kind, self.name, path, problem, self.namespace)

    # --- typed getters -----------------------------------------------------------------------
    def mapping(self, value: Any, path: str) -> Mapping:
        if value is None:
            if path.endswith("]"):  # a list item
                self.fail(path, "must be a mapping, got null")
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {type(value).__name__}")
        return value

    def listing(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {type(value).__name__}")
        return value

    def string(self, value: Any, path: str, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.fail(path, "Required value")
            return None
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {type(value).__name__} {value!r}")
        if required and not value:
            self.fail(path, "Required value")
        return value

    def boolean(self, value: Any, path: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {value!r}")

    def integer(self, value: Any, path: str, low: int | None = None, high: int | None = None,
                required: bool = False) -> int | None:
        if value is None:
            if required:
                self.fail(path, "Required value")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be an integer, got {type(value).__name__} {value!r}")
        if low is not None and high is not None and not low <= value <= high:
            self.fail(path, f"must be between {low} and {high}, got {value}")
        return value

    def check(self, problem: str | None, path: str) -> None:
        if problem:
            self.fail(path, problem)

    def one_of(self, value: Any, allowed: tuple[str, ...], path: str) -> None:
        if value is not None and value not in allowed:
            self.fail(path, f"Unsupported value: {value!r}: supported values: "
                            + ", ".join(f'"{a}"' for a in allowed))

    def ip(self, value: Any, path: str, family: str | None = None, endpoint: bool = False) -> str:
        text = self.string(value, path, required=True)
        if is_plain_ipv4(text):  # fast path for the common case, same rules
            if family == "IPv6":
                self.fail(path, f"must be an IPv6 address, got {text!r}")
            if not endpoint:
                return text
            first, second, third, _ = (int(p) for p in text.split("."))
            if text == "0.0.0.0":
                self.fail(path, f"may not be unspecified (0.0.0.0 or ::), got {text!r}")
            if first == 127:
                self.fail(path, f"may not be in the loopback range (127.0.0.0/8, ::1/128), got {text!r}")
            if first == 169 and second == 254:
                self.fail(path, f"may not be in the link-local range (169.254.0.0/16, fe80::/10), got {text!r}")
            if first == 224 and second == 0 and third == 0:
                self.fail(path, f"may not be in the link-local multicast range (224.0.0.0/24, ff02::/16), "
                                f"got {text!r}")
            return text
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            self.fail(path, f"must be a valid IP address, got {text!r}")
        if family and (addr.version == 4) != (family == "IPv4"):
            self.fail(path, f"must be an {family} address, got {text!r}")
        if endpoint:
            if addr.is_unspecified:
                self.fail(path, f"may not be unspecified (0.0.0.0 or ::), got {text!r}")
            if addr.is_loopback:
                self.fail(path, f"may not be in the loopback range (127.0.0.0/8, ::1/128), got {text!r}")
            if addr.is_link_local:
                self.fail(path, f"may not be in the link-local range (169.254.0.0/16, fe80::/10), got {text!r}")
            if addr in _LINK_LOCAL_MULTICAST_V4 or addr in _LINK_LOCAL_MULTICAST_V6:
                self.fail(path, f"may not be in the link-local multicast range (224.0.0.0/24, ff02::/16), "
                                f"got {text!r}")
        return text


_LINK_LOCAL_MULTICAST_V4 = ipaddress.ip_network("224.0.0.0/24")
_LINK_LOCAL_MULTICAST_V6 = ipaddress.ip_network("ff02::/16")
