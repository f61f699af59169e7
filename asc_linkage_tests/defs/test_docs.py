"""`asc-linkage docs`: a page per asset, every column described, lineage and checks, never stale."""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import dagster as dg
import pytest

from asc_linkage.core.output_specs import load_output_specs
from asc_linkage.defs import docs

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "dbt_style_docs"
_PIPE = re.compile(r"(?<!\\)\|")


@functools.cache
def _defs():
    from asc_linkage.defs.definitions import build_definitions

    return build_definitions()


@functools.cache
def _pages() -> dict[str, str]:
    return docs.asset_pages(_defs())


def _asset_names() -> list[str]:
    return sorted(key.to_user_string() for key in _defs().resolve_asset_graph().get_all_asset_keys())


def column_rows(page: str) -> list[list[str]]:
    """The cells of each row of a page's column table (escaped pipes stay inside their cell)."""
    section = page.split("## Columns", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in _PIPE.split(line)[1:-1]])
    return rows


def empty_description_cells(pages: dict[str, str]) -> list[str]:
    """`page: column` for every column-table row whose description cell is empty."""
    empty = []
    for name, page in pages.items():
        if name == "index.md":
            continue
        for row in column_rows(page):
            assert len(row) == 4, f"{name}: malformed column row {row[0]}"
            if not row[2]:
                empty.append(f"{name}: {row[0]}")
    return empty


def test_write_docs_writes_a_page_per_asset_and_an_index(tmp_path):
    (tmp_path / "stale_table.md").write_text("old")
    written = docs.write_docs(tmp_path, _defs())
    names = sorted(path.name for path in written)
    assert names == sorted([*(f"{asset}.md" for asset in _asset_names()), "index.md"])
    assert sorted(path.name for path in tmp_path.glob("*.md")) == names
    index = (tmp_path / "index.md").read_text()
    for asset in _asset_names():
        assert f"[{asset}]({asset}.md)" in index


def test_every_page_has_a_column_table_without_an_empty_description():
    for name, page in _pages().items():
        if name != "index.md":
            assert column_rows(page), f"{name}: no column table"
    assert empty_description_cells(_pages()) == []


def test_the_description_check_fails_when_a_contract_column_has_no_description(monkeypatch):
    specs = dict(load_output_specs())
    blanked = specs["linkage_key_map"]
    columns = tuple(dataclasses.replace(c, description="") if c.name == "link_method" else c for c in blanked.columns)
    specs["linkage_key_map"] = dataclasses.replace(blanked, columns=columns)
    monkeypatch.setattr(docs, "load_output_specs", lambda: specs)
    assert empty_description_cells(docs.asset_pages(_defs())) == ["linkage_key_map.md: `link_method`"]


def test_committed_docs_equal_a_fresh_generation():
    """Fails when a spec or the asset graph changed without `asc-linkage docs --out dbt_style_docs`."""
    committed = {path.name: path.read_text(encoding="utf-8") for path in COMMITTED.glob("*.md")}
    fresh = _pages()
    assert sorted(committed) == sorted(fresh), "pages added or removed: regenerate dbt_style_docs"
    stale = sorted(name for name in fresh if committed[name] != fresh[name])
    assert not stale, f"stale pages (run `asc-linkage docs --out dbt_style_docs`): {stale}"


def test_every_page_has_a_mermaid_lineage_and_lists_its_checks():
    graph = _defs().resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for key in graph.asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), []).append(key.name)
    assert checks, "the definitions declare asset checks"
    for asset in _asset_names():
        page = _pages()[f"{asset}.md"]
        lineage = page.split("## Lineage", 1)[1]
        assert "```mermaid\ngraph LR" in lineage
        assert f"style {asset} stroke-width:3px" in lineage
        node = graph.get(dg.AssetKey.from_user_string(asset))
        for parent in node.parent_keys:
            assert f"{parent.to_user_string()} --> {asset}" in lineage
        section = page.split("## Checks", 1)[1].split("\n## ", 1)[0]
        for check in checks.get(asset, []):
            assert f"- `{check}`" in section, f"{asset}: check {check} not listed"
        if asset not in checks:
            assert "(none)" in section


@pytest.mark.parametrize("text, cell", [("a | b", "a \\| b"), ("two\nlines", "two lines")])
def test_cells_are_one_line_with_pipes_escaped(text, cell):
    assert docs._cell(text) == cell
