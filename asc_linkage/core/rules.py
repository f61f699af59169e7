"""Which rules built a cumulative table: a fingerprint of the code its rows are derived by.

A quarter's staged events, spines, link tokens, scored pairs and model start from last quarter's
stored version and touch only what changed. After an upgrade that changes how a row is derived (a
new name rule, a new staging rule), rows carried forward would keep the old derivation for ever,
and the table would no longer equal a rebuild. So each version records the fingerprint of the
rules that built it, and a quarter builds in full when last quarter's fingerprint differs.

The fingerprint hashes the source of the table's modules and of every `asc_linkage.core` module
they import (found by reading the imports, so none can be left off a list), the landing contract
in `data_specs/` where the contract is read, and the version of anyascii where names are
romanised. Any change to them, a comment included, costs one full build: safe, once per upgrade.
"""
from __future__ import annotations

import ast
import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

_CORE = Path(__file__).resolve().parent
_PACKAGE = "asc_linkage.core"

#: The modules (of `asc_linkage.core`) that build each cumulative table; what they import counts too.
RULE_ROOTS: dict[str, tuple[str, ...]] = {
    "stg_asc_events": ("staging",),
    # Only persons a drop carries are rebuilt: the others' rows came from last quarter's staging too.
    "asc_client_spine": ("spine", "staging"),
    "mh_patient_spine": ("spine",),
    "asc_link_tokens": ("tokens",),
    "mh_link_tokens": ("tokens",),
    "linkage_pairs": ("linkage",),
    # m and u describe the features the model compared: new features, new model.
    "linkage_model": ("linkage",),
}


def _imports(source: str) -> set[str]:
    """The `asc_linkage.core` modules a module's source imports (at top level or in a function)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(_PACKAGE):
            if node.module == _PACKAGE:
                found |= {alias.name for alias in node.names}
            else:
                found.add(node.module[len(_PACKAGE) + 1:].split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {a.name[len(_PACKAGE) + 1:].split(".")[0] for a in node.names if a.name.startswith(_PACKAGE + ".")}
    return found


def _module_files(module: str, core: Path) -> list[Path]:
    path = core / f"{module}.py"
    return [path] if path.is_file() else sorted((core / module).rglob("*.py"))


def rule_modules(table: str, core: Path = _CORE) -> list[str]:
    """The modules whose code decides the rows of `table` (empty: not a cumulative table)."""
    todo, seen = list(RULE_ROOTS.get(table, ())), set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for path in _module_files(module, core):
            todo.extend(_imports(path.read_text()) - seen)
    return sorted(seen)


@cache
def rules_fingerprint(table: str, core: Path = _CORE) -> str | None:
    """16 hex digits naming the rules that build `table` (None: not a cumulative table)."""
    modules = rule_modules(table, core)
    if not modules:
        return None
    digest = hashlib.sha256()
    for module in modules:
        for path in _module_files(module, core):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if "specs" in modules:  # the contract decides which columns staging keeps
        for path in sorted((core.parents[1] / "data_specs").rglob("*.yaml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if "standardise" in modules:
        digest.update(b"anyascii " + version("anyascii").encode())
    return digest.hexdigest()[:16]
