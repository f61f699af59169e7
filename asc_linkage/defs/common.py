"""Shared Dagster vocabulary: the quarter partitions, layer groups, zone tags and metadata."""

from __future__ import annotations

import logging

import dagster as dg
import polars as pl

from asc_linkage.core.charts import svg_image_markdown
from asc_linkage.core.output_specs import load_output_specs

_log = logging.getLogger(__name__)

QUARTER_PARTITIONS_NAME = "quarter"
quarter_partitions = dg.DynamicPartitionsDefinition(name=QUARTER_PARTITIONS_NAME)

# Group names, in the order the lineage view reads left to right.
RAW = "raw"
STAGING = "staging"
SPINES = "spines"
LINKAGE = "linkage"
RESEARCH = "research"
INDICATORS = "indicators"
PUBLISHED = "published"
LAYER_ORDER = [RAW, STAGING, SPINES, LINKAGE, RESEARCH, INDICATORS, PUBLISHED]

IDENTIFIABLE = "identifiable"
RESEARCH_ZONE = "research"
PUBLISHED_ZONE = "published"


def zone_tags(zone: str) -> dict[str, str]:
    return {"zone": zone}


def zone_metadata(zone: str, schema: dg.TableSchema | None = None, **extra) -> dict:
    """Definition metadata every stored asset carries: its zone (read by the IO manager) and,
    where declared, its column schema (shown in the UI)."""
    metadata: dict = {"zone": zone, **extra}
    if schema is not None:
        metadata["dagster/column_schema"] = schema
    return metadata


_POLARS_TO_TYPE = {
    pl.String: "string", pl.Date: "date", pl.Datetime: "datetime", pl.Float64: "float",
    pl.Float32: "float", pl.Int64: "integer", pl.Int32: "integer", pl.Int16: "integer",
    pl.Int8: "integer", pl.UInt32: "integer", pl.UInt64: "integer", pl.Boolean: "boolean",
}


def frame_schema(df: pl.DataFrame, descriptions: dict[str, str] | None = None) -> dg.TableSchema:
    """The column schema of a produced frame (names and types only, never values)."""
    descriptions = descriptions or {}
    columns = []
    for name, dtype in df.schema.items():
        base = dtype.base_type() if hasattr(dtype, "base_type") else dtype
        type_name = _POLARS_TO_TYPE.get(base, str(dtype).lower())
        columns.append(dg.TableColumn(name=name, type=type_name, description=descriptions.get(name)))
    return dg.TableSchema(columns=columns)


def output_table_schema(table: str) -> dg.TableSchema | None:
    """The column schema of a produced table from its contract in data_specs/outputs/."""
    spec = load_output_specs().get(table)
    if spec is None:
        return None
    return dg.TableSchema(columns=[dg.TableColumn(name=c.name, type=c.type, description=c.description)
                                   for c in spec.columns])


def counts_markdown(counts: dict[str, int], key_title: str = "reason") -> dg.MetadataValue:
    """A small markdown table of counts by rule or category; keys are rule names, never data."""
    if not counts:
        return dg.MetadataValue.md("none")
    rows = "\n".join(f"| {key} | {value:,} |" for key, value in sorted(counts.items()))
    return dg.MetadataValue.md(f"| {key_title} | rows |\n|---|---:|\n{rows}")


def asset_out(group: str, zone: str, description: str, schema: dg.TableSchema | None = None,
              kinds: set[str] | None = None, name: str | None = None, **extra_metadata) -> dg.AssetOut:
    """One output of a multi-asset, stored by the zone IO manager; ``name`` finds its contract."""
    if schema is None and name is not None:
        schema = output_table_schema(name)
    return dg.AssetOut(
        group_name=group, tags=zone_tags(zone), description=description,
        metadata=zone_metadata(zone, schema, **extra_metadata), kinds=kinds or {"polars", "parquet"},
    )


def zone_asset(name: str, group: str, zone: str, description: str, **kwargs):
    """A quarter-partitioned asset stored by the zone IO manager."""
    return dg.asset(
        name=name, group_name=group, tags=zone_tags(zone), metadata=zone_metadata(zone, output_table_schema(name)),
        partitions_def=quarter_partitions, kinds={"polars", "parquet"}, description=description, **kwargs,
    )


def chart_metadata(charts: dict[str, dict]) -> dict:
    """Each Vega-Lite chart twice: `chart_<name>`, drawn (a picture the UI shows), and
    `spec_<name>`, its Vega-Lite spec (to open in the Vega editor or a notebook). A chart that
    cannot be drawn keeps its spec only; the renderer's message is not passed on, as it could quote
    the spec's values."""
    entries = {}
    for name, spec in charts.items():
        try:
            entries[f"chart_{name}"] = dg.MetadataValue.md(svg_image_markdown(spec, name.replace("_", " ")))
        except Exception as fault:  # a picture is a convenience: the asset and its spec stand without it
            _log.warning("chart %s could not be drawn (%s); its Vega-Lite spec is attached", name, type(fault).__name__)
        entries[f"spec_{name}"] = dg.MetadataValue.json(spec)
    return entries


def rows_metadata(df: pl.DataFrame, **extra) -> dict:
    """Row count of a produced frame plus counts the asset adds (the IO manager adds the schema)."""
    return {"dagster/row_count": df.height, **extra}


GX_SUITE = "great_expectations_suite"


def gx_check_spec(asset: str, what: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(GX_SUITE, asset=asset, description=f"Great Expectations suite: {what}. "
                             "Reports counts of failing rows per expectation, never values; links the Data Docs.")


def gx_check_result(home_root, zone: str, asset: str, df: pl.DataFrame, expectations) -> dg.AssetCheckResult:
    """Run a GX suite inside the asset's step and report summary counts only."""
    from asc_linkage.core.expectations import data_docs_dir_for, run_suite

    summary = run_suite(df, asset, expectations, data_docs_dir_for(home_root, zone))
    metadata = summary.as_metadata()
    if summary.data_docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(summary.data_docs_index))
    return dg.AssetCheckResult(check_name=GX_SUITE, asset_key=asset, passed=summary.success, metadata=metadata)
