"""Which rules built a cumulative table: a fingerprint of the code its rows are derived by.

A quarter's staged events, spines, link tokens and scored pairs start from last quarter's stored
version and touch only what changed. After an upgrade that changes how a row is derived (a new
name rule, a new staging rule), rows carried forward would keep the old derivation for ever, and
the table would no longer equal a rebuild. So each version records the fingerprint of the rules
that built it, and a quarter builds in full when last quarter's fingerprint differs.

The fingerprint hashes the source of the modules a table's rows depend on: any change to them,
a comment included, costs one full build, which is safe and happens once per upgrade.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_CORE = Path(__file__).resolve().parent

#: The modules (of `asc_linkage.core`) whose code decides the rows of each cumulative table.
RULE_MODULES: dict[str, tuple[str, ...]] = {
    "stg_asc_events": ("staging", "frames", "quarters"),
    "asc_client_spine": ("spine", "standardise", "staging", "frames"),
    "mh_patient_spine": ("spine", "standardise", "frames"),
    "asc_link_tokens": ("tokens", "standardise", "frames"),
    "mh_link_tokens": ("tokens", "standardise", "frames"),
    "linkage_pairs": ("linkage", "tokens", "frames"),
}


@cache
def rules_fingerprint(table: str, core: Path = _CORE) -> str | None:
    """16 hex digits naming the rules that build `table` (None: not a cumulative table)."""
    modules = RULE_MODULES.get(table)
    if modules is None:
        return None
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.encode() + b"\0" + (core / f"{module}.py").read_bytes() + b"\0")
    return digest.hexdigest()[:16]
