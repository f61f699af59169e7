"""Published zone: the only tables that may leave the secure environment, each disclosure-
controlled, with its SDC log kept in the research zone for output checkers, and a check that
re-reads the published table and fails if any cell breaks a rule."""

import dagster as dg
import polars as pl

from asc_linkage.core.publish import PUBLISHED_TABLES, PublishedTable, publish, scan
from asc_linkage.core.expectations import published_suite
from asc_linkage.core.sdc import violation_counts
from asc_linkage.defs.storage import HomeResource
from asc_linkage.defs.common import (
    PUBLISHED, PUBLISHED_ZONE, RESEARCH_ZONE, asset_out, counts_markdown, gx_check_result, gx_check_spec,
    quarter_partitions, rows_metadata,
)

SDC_RULES_HOLD = "sdc_rules_hold"


def build_published_asset(table: PublishedTable) -> dg.AssetsDefinition:
    log_name = f"sdc_log_{table.name.removeprefix('published_')}"

    @dg.multi_asset(
        name=f"publish_{table.name.removeprefix('published_')}",
        outs={
            table.name: asset_out(PUBLISHED, PUBLISHED_ZONE, table.description, name=table.name),
            log_name: asset_out(PUBLISHED, RESEARCH_ZONE,
                                f"What disclosure control did to each cell of `{table.name}` and by which rule "
                                "(no values). For output checkers: not for release beside the table.", name=log_name),
        },
        ins={table.source: dg.AssetIn()},
        check_specs=[dg.AssetCheckSpec(SDC_RULES_HOLD, asset=table.name,
                                       description="Re-reads the published table: fails if any count is 1-9, an "
                                       "unstructural zero or not a multiple of 5, any rate or mean rests on fewer than "
                                       "10, or a line of the table has exactly one suppressed cell."),
                     gx_check_spec(table.name, "no count between 1 and 9 or negative, every cell flagged")],
        partitions_def=quarter_partitions,
        can_subset=False,
    )
    def _asset(home: HomeResource, **inputs: pl.DataFrame):
        result = publish(table, inputs[table.source])
        yield dg.Output(result.table, output_name=table.name, metadata=rows_metadata(
            result.table, cells_by_rule=counts_markdown(result.rule_counts(), "rule")))
        yield dg.Output(result.log, output_name=log_name, metadata=rows_metadata(result.log))
        violations = violation_counts(scan(table, result.table))
        yield dg.AssetCheckResult(check_name=SDC_RULES_HOLD, asset_key=table.name, passed=not violations,
                                  metadata={"violations": sum(violations.values()),
                                            "violations_by_rule": counts_markdown(violations, "rule")})
        yield gx_check_result(home.resolved.root, PUBLISHED_ZONE, table.name, result.table,
                              published_suite(table.name, table.spec.count_cols, table.spec.dims))

    return _asset


ASSETS = [build_published_asset(table) for table in PUBLISHED_TABLES.values()]
CHECKS: list = []
