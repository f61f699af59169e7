"""Raw layer: one asset per landing file per quarter, with its quarantine beside it.

Each asset checks the drop's manifest, validates every row against the contract in
``data_specs/`` and splits accepted rows from quarantined ones; the reconciliation check proves
that nothing was lost. Assets are generated from the contract, so a file added to the contract
gets its asset without code here.
"""


import dagster as dg

from asc_linkage.core.contracts import check_raw_table
from asc_linkage.core.ingest import (
    ContractError, DropError, IngestResult, check_drop, ingest_file, manifest_digest,
)
from asc_linkage.core.specs import FileSpec, load_contract
from asc_linkage.defs.common import (
    IDENTIFIABLE, RAW, asset_out, counts_markdown, quarter_partitions,
)
from asc_linkage.defs.schemas import quarantine_table_schema, table_schema
from asc_linkage.defs.storage import HomeResource

ROWS_RECONCILE = "rows_reconcile"
PANDERA_CONTRACT = "pandera_contract"


def raw_key(spec: FileSpec) -> dg.AssetKey:
    return dg.AssetKey(f"raw_{spec.table}")


def quarantine_key(spec: FileSpec) -> dg.AssetKey:
    return dg.AssetKey(f"quarantine_{spec.table}")


def _ingest(home: HomeResource, spec: FileSpec, quarter: str) -> IngestResult:
    drop_dir = home.drop_dir(quarter)
    try:
        if spec.scope == "quarterly":
            check_drop(drop_dir)
            path = drop_dir / spec.landing_path
            display = f"{quarter}/{spec.landing_path}"
        else:
            path = home.landing() / spec.landing_path
            display = spec.landing_path
        return ingest_file(path, spec, quarter, display_name=display)
    except (DropError, ContractError) as fault:
        # The fault names the file and the rule; it never carries a cell value.
        raise dg.Failure(description=str(fault)) from None


def build_raw_asset(spec: FileSpec) -> dg.AssetsDefinition:
    raw, quarantine = raw_key(spec), quarantine_key(spec)

    @dg.multi_asset(
        name=f"ingest_{spec.table}",
        outs={
            raw.path[-1]: asset_out(
                RAW, IDENTIFIABLE,
                f"{spec.description}\n\nAccepted rows of `{spec.landing_path}` for the quarter, typed and coded "
                "to the contract; a field that broke a rule is null and named in `_field_faults`.",
                table_schema(spec.table), landing_file=spec.landing_path,
            ),
            quarantine.path[-1]: asset_out(
                RAW, IDENTIFIABLE,
                f"Rows of `{spec.landing_path}` refused by the contract, each with the rule it broke (`_reason`).",
                quarantine_table_schema(spec.table), landing_file=spec.landing_path,
            ),
        },
        check_specs=[
            dg.AssetCheckSpec(
                ROWS_RECONCILE, asset=raw,
                description="Rows in the file = accepted rows + quarantined rows: nothing is lost.",
            ),
            dg.AssetCheckSpec(
                PANDERA_CONTRACT, asset=raw,
                description="The accepted rows pass the pandera model generated from data_specs/ "
                "(types, nullability, uniqueness, code lists); reports failing cells per column and check, never values.",
            ),
        ],
        partitions_def=quarter_partitions,
        can_subset=False,
    )
    def _asset(context: dg.AssetExecutionContext, home: HomeResource):
        result = _ingest(home, spec, context.partition_key)
        reconciled = result.rows_in == result.rows_accepted + result.rows_quarantined
        yield dg.Output(
            result.accepted, output_name=raw.path[-1],
            metadata={
                "rows_in_file": result.rows_in,
                "manifest_sha256": manifest_digest(home.landing(), context.partition_key) or "",
                "rows_accepted": result.rows_accepted,
                "rows_quarantined": result.rows_quarantined,
                "fields_nulled_by_rule": counts_markdown(result.field_fault_counts, "column:rule"),
            },
        )
        yield dg.Output(
            result.quarantined, output_name=quarantine.path[-1],
            metadata={"quarantined_by_reason": counts_markdown(result.quarantine_counts)},
        )
        failures = check_raw_table(result.accepted, spec.table)
        yield dg.AssetCheckResult(
            check_name=PANDERA_CONTRACT, asset_key=raw, passed=not failures,
            metadata={"failing_cells": sum(failures.values()),
                      "failing_cells_by_check": counts_markdown(failures, "column:check")},
        )
        yield dg.AssetCheckResult(
            check_name=ROWS_RECONCILE, asset_key=raw, passed=reconciled,
            metadata={
                "rows_in": result.rows_in,
                "accepted": result.rows_accepted,
                "quarantined": result.rows_quarantined,
            },
        )

    return _asset


RAW_ASSETS = [build_raw_asset(spec) for spec in load_contract().files.values()]
