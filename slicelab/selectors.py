"""Label selectors: the `-l` strings kubectl takes and the `spec.selector` maps Services carry.

A Service selector is a plain map, matched by equality on every key. `kubectl -l` strings also allow
`!=`, `in (...)`, `notin (...)`, `key` (exists) and `!key` (does not exist), the way apimachinery parses
them. As a label test, an empty selector matches every label set.

That is not what a Service with `selector: {}` does: the API server stores an empty selector map as no
selector (the field is `omitempty`), and the controllers leave a Service without a selector alone
(`Cluster` stores it that way). `matches_map` answers only "do these labels satisfy this map?".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

__all__ = ["Requirement", "parse_selector", "matches", "matches_map", "format_selector"]


@dataclass(frozen=True)
class Requirement:
    """One clause of a selector: `key op values`."""

    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        if self.op == "=":
            return has and labels[self.key] == self.values[0]
        if self.op == "!=":
            return not has or labels[self.key] != self.values[0]
        if self.op == "in":
            return has and labels[self.key] in self.values
        if self.op == "notin":
            return not has or labels[self.key] not in self.values
        if self.op == "exists":
            return has
        return not has


_SET_CLAUSE = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)\s*")
_EQ_CLAUSE = re.compile(r"^\s*([^\s!=(),]+)\s*(==|!=|=)\s*([^\s,()!=]*)\s*")
_EXISTS_CLAUSE = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*")


def parse_selector(text: str | None) -> tuple[Requirement, ...]:
    """Parse a kubectl `-l` selector string; raise ValueError naming the bad clause."""
    if text is None:
        return ()
    rest = text.strip()
    reqs: list[Requirement] = []
    while rest:
        m = _SET_CLAUSE.match(rest)
        if m:
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            reqs.append(Requirement(m.group(1), m.group(2), values))
        else:
            m = _EQ_CLAUSE.match(rest)
            if m:
                reqs.append(Requirement(m.group(1), "!=" if m.group(2) == "!=" else "=", (m.group(3),)))
            else:
                m = _EXISTS_CLAUSE.match(rest)
                if not m:
                    raise ValueError(f"invalid label selector {text!r} near {rest!r}")
                reqs.append(Requirement(m.group(2), "!" if m.group(1) else "exists"))
        rest = rest[m.end():]
        if rest.startswith(","):
            rest = rest[1:]
            if not rest.strip():
                raise ValueError(f"invalid label selector {text!r}: trailing comma")
        elif rest:
            raise ValueError(f"invalid label selector {text!r} near {rest!r}")
    return tuple(reqs)


def matches(selector: str | tuple[Requirement, ...] | None, labels: Mapping[str, str] | None) -> bool:
    """True if the labels satisfy every clause of the selector (string or parsed)."""
    reqs = parse_selector(selector) if isinstance(selector, str) or selector is None else selector
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


def matches_map(selector: Mapping[str, str], labels: Mapping[str, str] | None) -> bool:
    """Service-style selector: every key/value of the map must be present in the labels.

    An empty map is satisfied by any labels; whether a Service uses its selector at all is the
    cluster's business (an empty one is stored as none)."""
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def format_selector(selector: Mapping[str, str]) -> str:
    """`{"app": "web"}` -> `app=web` (keys sorted, like kubectl describe prints it)."""
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
