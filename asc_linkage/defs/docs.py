"""`asc-linkage docs`: dbt-style documentation of every table, generated, never hand-copied.

A page per asset with its description, zone, partitions, columns (type, description, checks),
and its upstream and downstream lineage as a Mermaid graph; an index with the whole graph by
layer. Column facts come from the contracts in ``data_specs/`` (landing files and outputs), the
checks and lineage from the Dagster definitions.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from asc_linkage.core.output_specs import load_output_specs
from asc_linkage.core.specs import load_contract
from asc_linkage.defs.common import LAYER_ORDER


def _columns_for(name: str) -> list[tuple[str, str, str, str]]:
    """(column, type, description, constraints) of a table, from its contract."""
    contract = load_contract()
    for spec in contract.files.values():
        if name in (f"raw_{spec.table}", f"quarantine_{spec.table}"):
            rows = []
            if name.startswith("raw_"):
                for column in spec.columns:
                    constraints = []
                    if not column.nullable:
                        constraints.append("not null")
                    if column.unique:
                        constraints.append("unique")
                    if column.codelist:
                        constraints.append(f"in code list `{column.codelist}`")
                    if column.pii:
                        constraints.append("personal data")
                    rows.append((column.name, column.type, column.description, ", ".join(constraints)))
            else:
                rows = [(column.name, "string", f"As written in the file: {column.description}", "")
                        for column in spec.columns]
                rows.append(("_reason", "string", "The rule the row broke (a rule name, never a value).", "not null"))
            rows += [
                ("_quarter", "string", "The quarter of the drop the row came from (YYYY-Qn).", "not null"),
                ("_row_number", "integer", "The row's number in the file (1 = first data row).", "not null"),
            ]
            if name.startswith("raw_"):
                rows.append(("_field_faults", "string",
                             "Fields nulled by a rule, as `column:rule` items joined by `;` (never values).", ""))
            return rows
    output = load_output_specs().get(name)
    if output is None:
        return []
    return [(column.name, column.type, column.description, "") for column in output.columns]


def _contract_path(name: str) -> str | None:
    """Where the table's columns are specified, relative to the repository root."""
    for spec in load_contract().files.values():
        if name in (f"raw_{spec.table}", f"quarantine_{spec.table}"):
            return f"data_specs/files/{spec.table}.yaml"
    return f"data_specs/outputs/{name}.yaml" if name in load_output_specs() else None


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    head, dot, _ = text.partition(". ")
    return head + dot.strip()


def _mermaid(edges: list[tuple[str, str]], highlight: str | None = None) -> str:
    lines = ["```mermaid", "graph LR"]
    for upstream, downstream in edges:
        lines.append(f"  {upstream} --> {downstream}")
    if highlight:
        lines.append(f"  style {highlight} stroke-width:3px")
    lines.append("```")
    return "\n".join(lines)


def asset_pages(defs: dg.Definitions) -> dict[str, str]:
    graph = defs.resolve_asset_graph()
    checks_by_asset: dict[str, list[tuple[str, str]]] = {}
    for check_key in graph.asset_check_keys:
        check = graph.get_check_spec(check_key)
        checks_by_asset.setdefault(check_key.asset_key.to_user_string(), []).append(
            (check_key.name, check.description or ""))
    pages: dict[str, str] = {}
    edges = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        parents = sorted(p.to_user_string() for p in node.parent_keys)
        children = sorted(c.to_user_string() for c in node.child_keys)
        edges += [(parent, name) for parent in parents]
        zone = node.tags.get("zone", "-")
        partitions = "quarterly (`YYYY-Qn`, one per landing drop)" if node.partitions_def else "not partitioned"
        lines = [
            f"# {name}", "",
            node.description or "", "",
            "| | |", "|---|---|",
            f"| layer (group) | `{node.group_name}` |",
            f"| zone | `{zone}` |",
            f"| partitions | {partitions} |",
            f"| contract | {f'`{contract}`' if (contract := _contract_path(name)) else '-'} |",
            f"| upstream | {', '.join(f'[{p}]({p}.md)' for p in parents) or '-'} |",
            f"| downstream | {', '.join(f'[{c}]({c}.md)' for c in children) or '-'} |",
            "", "## Columns", "",
        ]
        columns = _columns_for(name)
        if columns:
            lines += ["| column | type | description | constraints |", "|---|---|---|---|"]
            lines += [f"| `{c}` | {_cell(t)} | {_cell(d)} | {_cell(k)} |" for c, t, d, k in columns]
        else:
            lines.append("(no tabular contract)")
        lines += ["", "## Checks", ""]
        checks = checks_by_asset.get(name, [])
        lines += [f"- `{check}`: {' '.join(description.split())}" for check, description in sorted(checks)] or ["(none)"]
        lines += ["", "## Lineage", "",
                  _mermaid([(p, name) for p in parents] + [(name, c) for c in children], highlight=name), ""]
        pages[f"{name}.md"] = "\n".join(lines)

    by_layer: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        by_layer.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    index = ["# asc-linkage tables", "",
             "Generated by `asc-linkage docs` from `data_specs/` and the Dagster definitions; do not edit by hand.", ""]
    for layer in sorted(by_layer, key=lambda g: LAYER_ORDER.index(g) if g in LAYER_ORDER else 99):
        index += [f"## {layer}", ""]
        index += [f"- [{name}]({name}.md): {_first_sentence(graph.get(dg.AssetKey(name)).description or '')}"
                  for name in sorted(by_layer[layer])]
        index.append("")
    index += ["## Lineage", "", _mermaid(sorted(set(edges))), ""]
    pages["index.md"] = "\n".join(index)
    return pages


def write_docs(out: Path, defs: dg.Definitions | None = None) -> list[Path]:
    """Write a page per asset and ``index.md`` into ``out`` (stale pages removed)."""
    if defs is None:
        from asc_linkage.defs.definitions import build_definitions

        defs = build_definitions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.md"):
        stale.unlink()
    written = []
    for name, text in asset_pages(defs).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
