"""Staging, client spines, link tokens and the linkage itself (identifiable zone).

Cumulative by design: a quarter's staged ASC events are built from every accepted CLD
submission up to and including that quarter (submissions cover rolling 12 months and overlap),
and a quarter's linkage starts from the previous quarter's model and key map so research ids
stay stable. The trust's files are full snapshots, so the MH spine needs only its own quarter.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from asc_linkage.core import linkage as linkage_core
from asc_linkage.core import quality, spine, staging, tokens
from asc_linkage.core.quarters import previous_quarter, quarter_end
from asc_linkage.defs.common import (
    IDENTIFIABLE, LINKAGE, RESEARCH_ZONE, SPINES, STAGING, frame_schema, quarter_partitions,
    zone_metadata, zone_tags,
)
from asc_linkage.defs.storage import HomeResource

KEY_MAP_COMPLETE = "every_record_once"
LINKAGE_QUALITY_TARGETS = "linkage_quality_targets"


def _asset(name: str, group: str, zone: str, description: str, **kwargs):
    return dg.asset(
        name=name, group_name=group, tags=zone_tags(zone), metadata=zone_metadata(zone),
        partitions_def=quarter_partitions, kinds={"polars", "parquet"}, description=description,
        **kwargs,
    )


def _rows(df: pl.DataFrame, **extra) -> dict:
    return {"dagster/row_count": df.height, "dagster/column_schema": frame_schema(df), **extra}


def _previous(home: HomeResource, zone: str, table: str, quarter: str) -> pl.DataFrame | None:
    """The same table for the quarter before, if it was ever materialised."""
    store = home.store()
    before = previous_quarter(quarter)
    if before not in store.quarters(zone, table):
        return None
    return store.read(zone, table, quarter=before)


@_asset("stg_asc_events", STAGING, IDENTIFIABLE,
        "Adult Social Care events counted once across the overlapping rolling-12-month CLD "
        "submissions up to this quarter (a later submission's record wins), in Release 2 codes. "
        "Cumulative: reads every accepted `raw_cld_events` quarter up to this one.")
def stg_asc_events(context: dg.AssetExecutionContext, home: HomeResource, raw_cld_events: pl.DataFrame):
    submissions = home.store().read_all_quarters(IDENTIFIABLE, "raw_cld_events", up_to=context.partition_key)
    staged = staging.stage_asc_events(submissions)
    return dg.Output(staged, metadata=_rows(staged, submissions_read=submissions["_quarter"].n_unique(),
                                            submission_rows_read=submissions.height))


@_asset("asc_client_spine", SPINES, IDENTIFIABLE,
        "One row per council person record with standardised identifiers (NHS number checked by "
        "Modulus 11, names, date of birth, sex, every postcode seen), ethnic group, LSOA and IMD decile.")
def asc_client_spine(stg_asc_events: pl.DataFrame, raw_ref_postcode_lsoa: pl.DataFrame,
                     raw_ref_lsoa_imd: pl.DataFrame):
    built = spine.build_asc_spine(stg_asc_events, raw_ref_postcode_lsoa, raw_ref_lsoa_imd)
    return dg.Output(built, metadata=_rows(built, **spine.spine_counts(built)))


@_asset("mh_patient_spine", SPINES, IDENTIFIABLE,
        "One row per trust patient record with standardised identifiers and the address history "
        "from `mh/addresses.csv`, ethnic group, LSOA and IMD decile.")
def mh_patient_spine(raw_mh_patients: pl.DataFrame, raw_mh_addresses: pl.DataFrame,
                     raw_ref_postcode_lsoa: pl.DataFrame, raw_ref_lsoa_imd: pl.DataFrame):
    built = spine.build_mh_spine(raw_mh_patients, raw_mh_addresses, raw_ref_postcode_lsoa, raw_ref_lsoa_imd)
    return dg.Output(built, metadata=_rows(built, **spine.spine_counts(built)))


@_asset("asc_link_tokens", LINKAGE, IDENTIFIABLE,
        "Keyed pseudonyms (HMAC-SHA256 with the platform secret) of the council spine's identifiers "
        "and their variants: what the linkage sees in `tokens` mode instead of cleartext.")
def asc_link_tokens(home: HomeResource, asc_client_spine: pl.DataFrame):
    made = tokens.make_link_tokens(asc_client_spine, home.secret())
    return dg.Output(made, metadata=_rows(made))


@_asset("mh_link_tokens", LINKAGE, IDENTIFIABLE,
        "Keyed pseudonyms of the trust spine's identifiers and their variants (see `asc_link_tokens`).")
def mh_link_tokens(home: HomeResource, mh_patient_spine: pl.DataFrame):
    made = tokens.make_link_tokens(mh_patient_spine, home.secret())
    return dg.Output(made, metadata=_rows(made))


@dg.multi_asset(
    specs=[
        dg.AssetSpec("linkage_model", group_name=LINKAGE, tags=zone_tags(IDENTIFIABLE),
                     metadata=zone_metadata(IDENTIFIABLE), kinds={"splink", "duckdb"},
                     deps=["asc_link_tokens", "mh_link_tokens", "asc_client_spine", "mh_patient_spine"],
                     description="The Fellegi-Sunter model of the quarter (m and u of every comparison "
                     "level, as Splink settings) with its m/u chart; reused by the next quarter."),
        dg.AssetSpec("linkage_key_map", group_name=LINKAGE, tags=zone_tags(IDENTIFIABLE),
                     metadata=zone_metadata(IDENTIFIABLE), kinds={"splink", "duckdb"},
                     deps=["asc_link_tokens", "mh_link_tokens", "asc_client_spine", "mh_patient_spine"],
                     description="Every council and trust person record once, with its `research_person_id` "
                     "(one per real person across both systems), link method and match probability. "
                     "Cumulative: starts from the previous quarter's key map so ids stay stable."),
    ],
    check_specs=[dg.AssetCheckSpec(KEY_MAP_COMPLETE, asset="linkage_key_map",
                                   description="Every spine record appears exactly once in the key map.")],
    partitions_def=quarter_partitions,
    can_subset=False,
)
def linkage(context: dg.AssetExecutionContext, home: HomeResource):
    quarter = context.partition_key
    store = home.store()
    mode = home.resolved.load_config().linkage_mode
    inputs = ("asc_link_tokens", "mh_link_tokens") if mode == "tokens" else ("asc_client_spine", "mh_patient_spine")
    asc, mh = (store.read(IDENTIFIABLE, table, quarter=quarter) for table in inputs)
    result = linkage_core.link_persons(
        asc, mh, mode=mode,
        previous_key_map=_previous(home, IDENTIFIABLE, "linkage_key_map", quarter),
        previous_model=_previous(home, IDENTIFIABLE, "linkage_model", quarter),
    )
    yield dg.Output(result.model, output_name="linkage_model",
                    metadata={"mode": mode, **result.model_metadata()})
    yield dg.Output(result.key_map, output_name="linkage_key_map",
                    metadata=_rows(result.key_map, **result.stats))
    expected = asc.height + mh.height
    seen = result.key_map.select(["source", "source_person_id"]).unique().height
    yield dg.AssetCheckResult(
        check_name=KEY_MAP_COMPLETE, asset_key="linkage_key_map",
        passed=seen == expected == result.key_map.height,
        metadata={"spine_records": expected, "key_map_rows": result.key_map.height, "distinct_records": seen},
    )


@_asset("linkage_quality_report", LINKAGE, RESEARCH_ZONE,
        "GUILD-style linkage quality: match rates overall and by ethnic group, sex, age band and IMD "
        "quintile; linked vs unlinked characteristics; with a ground truth (synthetic data), precision, "
        "recall and F1. Aggregates only.",
        check_specs=[dg.AssetCheckSpec(LINKAGE_QUALITY_TARGETS, asset="linkage_quality_report",
                                       description="Where a ground truth is configured: cross-system F1 >= 0.995, "
                                       "precision >= 0.998, duplicate recall >= 0.98, ethnic recall gap <= 1 pp.")])
def linkage_quality_report(context: dg.AssetExecutionContext, home: HomeResource, linkage_key_map: pl.DataFrame,
                           asc_client_spine: pl.DataFrame, mh_patient_spine: pl.DataFrame):
    truth = quality.load_truth(home.resolved.load_config().ground_truth)
    report = quality.linkage_quality(linkage_key_map, asc_client_spine, mh_patient_spine, truth,
                                     as_of=quarter_end(context.partition_key))
    path = home.resolved.zone(RESEARCH_ZONE) / "linkage_quality" / f"{context.partition_key}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.markdown)
    yield dg.Output(report.summary_table, metadata={
        **_rows(report.summary_table),
        "report": dg.MetadataValue.md(report.markdown),
        "report_file": dg.MetadataValue.path(str(path)),
        **report.headline_metadata(),
    })
    passed, detail = report.meets_targets()
    yield dg.AssetCheckResult(check_name=LINKAGE_QUALITY_TARGETS, passed=passed,
                              severity=dg.AssetCheckSeverity.WARN, metadata=detail)


ASSETS = [stg_asc_events, asc_client_spine, mh_patient_spine, asc_link_tokens, mh_link_tokens,
          linkage, linkage_quality_report]
CHECKS: list = []
