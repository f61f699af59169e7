"""The Dagster code location as the web UI shows it: every asset described, grouped by layer,
tagged with its zone, partitioned by quarter, lineage left to right, and the checks in place.

A snapshot of the asset and check keys (``definitions_snapshot.txt``) makes an unintended
change show up in review. To accept an intended change, regenerate it:

    ASC_LINKAGE_UPDATE_SNAPSHOT=1 /work/venv/bin/python -m pytest asc_linkage_tests/defs/test_definitions.py
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from asc_linkage.core.specs import load_contract
from asc_linkage.defs.automation import LANDING_INVENTORY
from asc_linkage.defs.common import LAYER_ORDER, QUARTER_PARTITIONS_NAME
from asc_linkage.defs.definitions import build_definitions

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.txt")
ZONES = {"identifiable", "research", "published"}
UNPARTITIONED = {LANDING_INVENTORY}


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    definitions = build_definitions(str(tmp_path_factory.mktemp("defs_home")))
    # the same checks `dagster dev` does when it loads the code location
    dg.Definitions.validate_loadable(definitions)
    return definitions


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def asset_keys(graph) -> list[dg.AssetKey]:
    return sorted(graph.get_all_asset_keys())


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _meta(value):
    return value.value if hasattr(value, "value") else value


def test_definitions_load_with_jobs_sensor_and_schedules(defs, asset_keys):
    assert len(asset_keys) > 40
    assert defs.resolve_job_def("quarterly_refresh") is not None
    assert defs.resolve_job_def("landing_watch") is not None
    assert defs.resolve_sensor_def("landing_drop_sensor") is not None
    for schedule in ("quarterly_backstop", "landing_lateness_daily"):
        assert defs.resolve_schedule_def(schedule) is not None


def test_every_asset_has_a_description(graph, asset_keys):
    missing = [_name(k) for k in asset_keys if not (graph.get(k).description or "").strip()]
    assert not missing, f"assets without a description: {missing}"


def test_every_asset_is_in_a_layer_group(graph, asset_keys):
    wrong = {_name(k): graph.get(k).group_name for k in asset_keys if graph.get(k).group_name not in LAYER_ORDER}
    assert not wrong, f"assets outside the layer groups {LAYER_ORDER}: {wrong}"
    # every layer is used, so the lineage shows each of them
    assert {graph.get(k).group_name for k in asset_keys} == set(LAYER_ORDER)


def test_every_asset_has_a_zone_tag_and_zone_metadata(graph, asset_keys):
    faults = {}
    for key in asset_keys:
        node = graph.get(key)
        tag, meta = node.tags.get("zone"), _meta(node.metadata.get("zone"))
        if tag not in ZONES or meta not in ZONES or tag != meta:
            faults[_name(key)] = (tag, meta)
    assert not faults, f"assets with a missing or inconsistent zone (tag, metadata): {faults}"


def test_zones_follow_the_layers(graph, asset_keys):
    """Raw, staging and spines are identifiable; the published zone holds only published tables."""
    for key in asset_keys:
        node = graph.get(key)
        zone = node.tags["zone"]
        if node.group_name in ("raw", "staging", "spines"):
            assert zone == "identifiable", _name(key)
        if zone == "published":
            assert node.group_name == "published" and _name(key).startswith("published_"), _name(key)
        if _name(key).startswith("published_"):
            assert zone == "published", _name(key)


def test_every_asset_but_the_inventory_is_partitioned_by_quarter(graph, asset_keys):
    faults = {}
    for key in asset_keys:
        partitions = graph.get(key).partitions_def
        if _name(key) in UNPARTITIONED:
            if partitions is not None:
                faults[_name(key)] = "should not be partitioned"
        elif not (isinstance(partitions, dg.DynamicPartitionsDefinition) and partitions.name == QUARTER_PARTITIONS_NAME):
            faults[_name(key)] = repr(partitions)
    assert not faults, f"assets not partitioned by the `{QUARTER_PARTITIONS_NAME}` dynamic partitions: {faults}"


def test_lineage_reads_left_to_right(graph, asset_keys):
    """No edge runs from a later layer back to an earlier one."""
    rank = {group: i for i, group in enumerate(LAYER_ORDER)}
    backwards = []
    for key in asset_keys:
        child_group = graph.get(key).group_name
        for parent in graph.get(key).parent_keys:
            parent_group = graph.get(parent).group_name
            if rank[parent_group] > rank[child_group]:
                backwards.append(f"{_name(parent)} ({parent_group}) -> {_name(key)} ({child_group})")
    assert not backwards, f"lineage edges running right to left: {backwards}"


def test_every_asset_is_connected_to_the_raw_layer(graph, asset_keys):
    """Everything downstream of raw descends from at least one raw table (no orphan in the lineage)."""
    raw = {k for k in asset_keys if graph.get(k).group_name == "raw"}
    orphans = []
    for key in asset_keys:
        if key in raw:
            continue
        seen, todo = set(), [key]
        while todo:
            for parent in graph.get(todo.pop()).parent_keys:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        if not seen & raw:
            orphans.append(_name(key))
    assert not orphans, f"assets with no raw ancestor: {orphans}"


def _checks(graph) -> dict[str, set[str]]:
    by_name: dict[str, set[str]] = {}
    for check in graph.asset_check_keys:
        by_name.setdefault(check.name, set()).add(_name(check.asset_key))
    return by_name


def test_reconciliation_check_on_every_raw_table(graph):
    raw_tables = {f"raw_{spec.table}" for spec in load_contract().files.values()}
    assert _checks(graph).get("rows_reconcile", set()) == raw_tables


def test_linkage_checks(graph):
    checks = _checks(graph)
    assert checks.get("every_record_once") == {"linkage_key_map"}
    assert checks.get("linkage_quality_targets") == {"linkage_quality_report"}
    assert checks.get("one_council") == {"stg_asc_events"}


def test_no_direct_identifiers_check_on_every_research_table(graph, asset_keys):
    research_group = {_name(k) for k in asset_keys if graph.get(k).group_name == "research"}
    assert research_group
    assert research_group <= _checks(graph).get("no_direct_identifiers", set())


def test_disclosure_control_check_on_every_published_table(graph, asset_keys):
    published = {_name(k) for k in asset_keys if graph.get(k).tags.get("zone") == "published"}
    assert published
    assert _checks(graph).get("sdc_rules_hold") == published


def test_lateness_check_on_the_landing_inventory(graph):
    assert _checks(graph).get("drops_arrived_on_time") == {LANDING_INVENTORY}


def test_every_check_has_a_description(defs, graph):
    """Checks declared with AssetCheckSpec show their description in the UI."""
    undescribed = []
    for assets_def in graph.assets_defs:
        for spec in assets_def.check_specs:
            if not (spec.description or "").strip():
                undescribed.append(f"{_name(spec.asset_key)}:{spec.name}")
    assert not undescribed, undescribed


def test_definition_metadata_holds_no_data_values(graph, asset_keys):
    """Definition metadata is the zone, column schemas and landing file names: nothing from a row."""
    allowed = {"zone", "dagster/column_schema", "landing_file"}
    for key in asset_keys:
        extra = {k for k in graph.get(key).metadata if not k.startswith("dagster/")} - allowed
        assert not extra, f"{_name(key)}: unexpected definition metadata {sorted(extra)}"


def _snapshot_text(graph, asset_keys) -> str:
    lines = ["# asset keys (group, zone)"]
    lines += [f"{_name(k)}  [{graph.get(k).group_name}, {graph.get(k).tags.get('zone')}]" for k in asset_keys]
    lines.append("# asset checks")
    lines += sorted(f"{_name(c.asset_key)}:{c.name}" for c in graph.asset_check_keys)
    return "\n".join(lines) + "\n"


def test_asset_and_check_keys_match_the_snapshot(graph, asset_keys):
    current = _snapshot_text(graph, asset_keys)
    if os.environ.get("ASC_LINKAGE_UPDATE_SNAPSHOT") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current)
    expected = SNAPSHOT.read_text()
    if current != expected:
        import difflib

        diff = "\n".join(difflib.unified_diff(expected.splitlines(), current.splitlines(),
                                              "definitions_snapshot.txt", "definitions now", lineterm=""))
        pytest.fail("the asset graph changed; if intended, regenerate the snapshot with "
                    "ASC_LINKAGE_UPDATE_SNAPSHOT=1:\n" + diff)
