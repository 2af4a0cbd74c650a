"""Kubernetes' naming rules (apimachinery validation) and the API server's generateName suffixes.

Each check returns None when the value is fine, or a short message saying what is wrong — the
message becomes the tail of a ManifestError line.
"""
from __future__ import annotations

import functools
import random
import re

# The API server's generateName alphabet: no vowels (no accidental words), no 0/1/3 (look like o/l/e).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LENGTH = 5
MAX_GENERATE_NAME_BASE = 58  # 63 - 5

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_IANA_SVC_NAME = re.compile(r"^[-a-z0-9]+$")


@functools.lru_cache(maxsize=65536)
def check_dns1123_label(value: str) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > 63:
        return f"must be no more than 63 characters, got {len(value)}"
    if not _DNS1123_LABEL.match(value):
        return (f"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                f"and must start and end with an alphanumeric character, got {value!r}")
    return None


@functools.lru_cache(maxsize=65536)
def check_dns1035_label(value: str) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > 63:
        return f"must be no more than 63 characters, got {len(value)}"
    if not _DNS1035_LABEL.match(value):
        return (f"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                f"an alphabetic character, and end with an alphanumeric character, got {value!r}")
    return None


@functools.lru_cache(maxsize=65536)
def check_dns1123_subdomain(value: str) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > 253:
        return f"must be no more than 253 characters, got {len(value)}"
    for part in value.split("."):
        if not part or not _DNS1123_LABEL.match(part):
            return (f"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                    f"'-' or '.', and must start and end with an alphanumeric character, got {value!r}")
    return None


@functools.lru_cache(maxsize=65536)
def check_label_key(key: str) -> str | None:
    if not isinstance(key, str) or not key:
        return "label key must be a non-empty string"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return f"label key {key!r}: prefix part must be non-empty"
        problem = check_dns1123_subdomain(prefix)
        if problem:
            return f"label key {key!r}: prefix part {problem}"
    if not name:
        return f"label key {key!r}: name part must be non-empty"
    if len(name) > 63:
        return f"label key {key!r}: name part must be no more than 63 characters"
    if not _QUALIFIED_NAME.match(name):
        return (f"label key {key!r}: name part must consist of alphanumeric characters, '-', '_' or '.', "
                f"and must start and end with an alphanumeric character")
    return None


def check_label_value(value: object) -> str | None:
    if not isinstance(value, str):
        return f"label value must be a string, got {type(value).__name__} {value!r}"
    return _check_label_value(value)


@functools.lru_cache(maxsize=65536)
def _check_label_value(value: str) -> str | None:
    if value == "":
        return None
    if len(value) > 63:
        return f"label value must be no more than 63 characters, got {len(value)}"
    if not _QUALIFIED_NAME.match(value):
        return (f"label value {value!r} must consist of alphanumeric characters, '-', '_' or '.', and "
                f"must start and end with an alphanumeric character")
    return None


@functools.lru_cache(maxsize=65536)
def check_iana_service_name(value: str) -> str | None:
    """Named ports (containerPort names, targetPort strings): IANA_SVC_NAME, at most 15 characters."""
    if not value:
        return "must not be empty"
    if len(value) > 15:
        return f"must be no more than 15 characters, got {value!r}"
    if not _IANA_SVC_NAME.match(value):
        return f"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), got {value!r}"
    if "--" in value:
        return f"must not contain consecutive hyphens, got {value!r}"
    if value.startswith("-") or value.endswith("-"):
        return f"must not begin or end with a hyphen, got {value!r}"
    if not any(c.isalpha() for c in value):
        return f"must contain at least one letter (a-z), got {value!r}"
    return None


def generate_name(base: str, rng: random.Random, taken) -> str:
    """Return `base` + 5 random characters, as the API server does for metadata.generateName.

    `taken` is a container of names already used in the namespace; a collision draws again (the real
    API server would answer AlreadyExists and the client would retry).
    """
    base = base[:MAX_GENERATE_NAME_BASE]
    while True:
        name = base + "".join(rng.choice(NAME_ALPHABET) for _ in range(GENERATED_SUFFIX_LENGTH))
        if name not in taken:
            return name
