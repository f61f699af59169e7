"""Staging, client spines, link tokens and the linkage itself (identifiable zone).

Cumulative by design: a quarter's staged ASC events are built from every accepted CLD
submission up to and including that quarter (submissions cover rolling 12 months and overlap),
and a quarter's linkage starts from the previous quarter's model and key map so research ids
stay stable. The trust's files are full snapshots, so the MH spine needs only its own quarter (and
last quarter's snapshot and spine, to rebuild only the patients whose rows changed).
"""


from pathlib import Path

import dagster as dg
import polars as pl

from asc_linkage.core import linkage as linkage_core
from asc_linkage.core import quality, reporting, spine, staging, tokens
from asc_linkage.core.expectations import spine_suite
from asc_linkage.core.quarters import previous_quarter, quarter_end
from asc_linkage.core.rules import rules_fingerprint
from asc_linkage.defs.common import (
    IDENTIFIABLE, LINKAGE, RESEARCH_ZONE, SPINES, STAGING, asset_out, chart_metadata, counts_markdown, gx_check_result,
    gx_check_spec, quarter_partitions, rows_metadata, zone_asset,
)
from asc_linkage.defs.storage import HomeResource

KEY_MAP_COMPLETE = "every_record_once"
ONE_COUNCIL = "one_council"
#: The trust's quarterly snapshot tables a patient spine is built from.
MH_SNAPSHOT = ("raw_mh_patients", "raw_mh_addresses", "raw_mh_referrals")
LINKAGE_QUALITY_TARGETS = "linkage_quality_targets"


def _spine_counts(built: pl.DataFrame) -> dict:
    """How usable the identifiers are: counts by flag, never values."""
    flags = built["nhs_number_flag"].fill_null("none").value_counts()
    return {
        "records_with_valid_nhs_number": int(built["nhs_number"].is_not_null().sum()),
        "records_with_date_of_birth": int(built["date_of_birth"].is_not_null().sum()),
        "records_with_postcode": int(built["postcode"].is_not_null().sum()),
        "nhs_number_flags": counts_markdown(dict(zip(flags["nhs_number_flag"], flags["count"])), "flag"),
    }


def _scalar_stats(stats: dict) -> dict:
    """Linkage statistics as metadata: counts, rates and timings only."""
    return {f"linkage/{k}": v for k, v in stats.items() if isinstance(v, (int, float, str, bool))}


def _previous(home: HomeResource, zone: str, table: str, quarter: str, columns: list[str] | None = None) -> pl.DataFrame | None:
    """The same table for the quarter before (only `columns`, if given), if it was ever materialised."""
    store = home.store()
    before = previous_quarter(quarter)
    if before not in store.quarters(zone, table):
        return None
    return store.read(zone, table, quarter=before, columns=columns)


def _previous_if_fresh(home: HomeResource, table: str, quarter: str, built_from: list[str]) -> pl.DataFrame | None:
    """Last quarter's identifiable `table`, to build this quarter incrementally from, if it was
    written after the latest version of every table it was built from (each of their quarters up
    to last quarter's, and unpartitioned ones); otherwise None, and the caller rebuilds in full,
    so a resubmitted drop that was not carried through never leaks stale rows forward; and only if
    it was built by today's rules (`core.rules`), so an upgrade never carries old derivations forward."""
    store, before = home.store(), previous_quarter(quarter)
    if before not in store.quarters(IDENTIFIABLE, table):
        return None
    last = store.resolve(IDENTIFIABLE, table, quarter=before)
    if last.provenance.get("rules") != rules_fingerprint(table):
        return None
    written = last.created
    for source in built_from:
        for q in store.quarters(IDENTIFIABLE, source):
            if (q <= before or q == "_all") and store.resolve(IDENTIFIABLE, source, quarter=q).created > written:
                return None
    return _previous(home, IDENTIFIABLE, table, quarter)


@zone_asset("stg_asc_events", STAGING, IDENTIFIABLE,
        "Adult Social Care events counted once across the overlapping rolling-12-month CLD "
        "submissions up to this quarter (a later submission's record wins), in Release 2 codes. "
        "Cumulative: last quarter's staged events updated with this drop, or every accepted `raw_cld_events` "
        "quarter up to this one when last quarter's is missing or older than a resubmitted drop.",
        check_specs=[dg.AssetCheckSpec(ONE_COUNCIL, asset="stg_asc_events",
                                       description="The events carry one LA code: a council person is keyed by LA Person "
                                       "Unique Identifier alone, unique only within one council. Reports counts, never codes.")])
def stg_asc_events(context: dg.AssetExecutionContext, home: HomeResource, raw_cld_events: pl.DataFrame):
    previous = _previous_if_fresh(home, "stg_asc_events", context.partition_key, ["raw_cld_events"])
    if previous is not None:  # last quarter's staged events + this drop equal restaging every drop
        staged, submissions = staging.stage_asc_events_incremental(previous, raw_cld_events), raw_cld_events
    else:
        submissions = home.store().read_all_quarters(IDENTIFIABLE, "raw_cld_events", up_to=context.partition_key)
        staged = staging.stage_asc_events(submissions)
    yield dg.Output(staged, metadata=rows_metadata(
        staged, built_from="last quarter's staged events + this drop" if previous is not None else "every drop",
        submissions_read=submissions["_quarter"].n_unique(), submission_rows_read=submissions.height))
    codes = staging.council_code_counts(staged)
    yield dg.AssetCheckResult(check_name=ONE_COUNCIL, passed=codes["la_codes"] <= 1,
                              severity=dg.AssetCheckSeverity.WARN, metadata=codes)


@zone_asset("asc_client_spine", SPINES, IDENTIFIABLE,
        "One row per council person record with standardised identifiers (NHS number checked by "
        "Modulus 11, names, date of birth, sex, every postcode seen), ethnic group, LSOA and IMD decile.",
        check_specs=[gx_check_spec("asc_client_spine", "one row per record, valid flags and code sets")])
def asc_client_spine(context: dg.AssetExecutionContext, home: HomeResource, stg_asc_events: pl.DataFrame,
                     raw_ref_postcode_lsoa: pl.DataFrame, raw_ref_lsoa_imd: pl.DataFrame):
    quarter = context.partition_key
    previous = _previous_if_fresh(home, "asc_client_spine", quarter, ["stg_asc_events", "raw_ref_postcode_lsoa", "raw_ref_lsoa_imd"])
    refs = (raw_ref_postcode_lsoa, raw_ref_lsoa_imd)
    if previous is not None:  # only persons whose evidence this drop changed are rebuilt
        touched = stg_asc_events.filter(pl.col("_quarter") == quarter)["la_person_unique_identifier"].unique()
        # The spine was built after last quarter's staged events (`_previous_if_fresh`): from them.
        previous_events = _previous(home, IDENTIFIABLE, "stg_asc_events", quarter, columns=spine.ASC_EVIDENCE_COLUMNS)
        built, rebuilt = spine.build_asc_spine_incremental(previous, stg_asc_events, touched, *refs, as_of=quarter_end(quarter),
                                                           previous_stg_events=previous_events)
    else:
        built = spine.build_asc_spine(stg_asc_events, *refs, as_of=quarter_end(quarter))
        rebuilt, touched = built.height, None
    drop = {} if touched is None else {"persons_in_drop": touched.len()}
    yield dg.Output(built, metadata=rows_metadata(built, persons_rebuilt=rebuilt, **drop, **_spine_counts(built)))
    yield gx_check_result(home.resolved.root, IDENTIFIABLE, "asc_client_spine", built, spine_suite())


@zone_asset("mh_patient_spine", SPINES, IDENTIFIABLE,
        "One row per trust patient record with standardised identifiers and the address history "
        "from `mh/addresses.csv`, ethnic group, LSOA and IMD decile, and first referral date.",
        check_specs=[gx_check_spec("mh_patient_spine", "one row per record, valid flags and code sets")])
def mh_patient_spine(context: dg.AssetExecutionContext, home: HomeResource, raw_mh_patients: pl.DataFrame,
                     raw_mh_addresses: pl.DataFrame, raw_mh_referrals: pl.DataFrame,
                     raw_ref_postcode_lsoa: pl.DataFrame, raw_ref_lsoa_imd: pl.DataFrame):
    quarter = context.partition_key
    inputs, refs = (raw_mh_patients, raw_mh_addresses, raw_mh_referrals), (raw_ref_postcode_lsoa, raw_ref_lsoa_imd)
    previous = _previous_if_fresh(home, "mh_patient_spine", quarter, [*MH_SNAPSHOT, "raw_ref_postcode_lsoa", "raw_ref_lsoa_imd"])
    # The snapshot last quarter's spine was built from: only patients whose rows changed are rebuilt.
    previous_inputs = tuple(_previous(home, IDENTIFIABLE, t, quarter) for t in MH_SNAPSHOT) if previous is not None else None
    changed = None
    if previous_inputs is not None and previous_inputs[0] is not None:
        changed = spine.mh_changed_patients(inputs, previous_inputs)  # None: the files' columns changed
    if changed is not None:
        built, rebuilt = spine.build_mh_spine_incremental(previous, previous_inputs, inputs[0], inputs[1], *refs,
                                                          mh_referrals=inputs[2], as_of=quarter_end(quarter), changed=changed)
    else:
        built = spine.build_mh_spine(inputs[0], inputs[1], *refs, mh_referrals=inputs[2], as_of=quarter_end(quarter))
        rebuilt = built.height
    yield dg.Output(built, metadata=rows_metadata(
        built, built_from="last quarter's spine + changed patients" if changed is not None else "this snapshot",
        patients_rebuilt=rebuilt, **_spine_counts(built)))
    yield gx_check_result(home.resolved.root, IDENTIFIABLE, "mh_patient_spine", built, spine_suite())


@zone_asset("asc_link_tokens", LINKAGE, IDENTIFIABLE,
        "Keyed pseudonyms (HMAC-SHA256 with the platform secret) of the council spine's identifiers "
        "and their variants: what the linkage sees in `tokens` mode instead of cleartext.")
def asc_link_tokens(context: dg.AssetExecutionContext, home: HomeResource, asc_client_spine: pl.DataFrame):
    return _link_tokens(context, home, asc_client_spine, "asc")


@zone_asset("mh_link_tokens", LINKAGE, IDENTIFIABLE,
        "Keyed pseudonyms of the trust spine's identifiers and their variants (see `asc_link_tokens`).")
def mh_link_tokens(context: dg.AssetExecutionContext, home: HomeResource, mh_patient_spine: pl.DataFrame):
    return _link_tokens(context, home, mh_patient_spine, "mh")


_SPINE_OF = {"asc": "asc_client_spine", "mh": "mh_patient_spine"}


def _link_tokens(context: dg.AssetExecutionContext, home: HomeResource, built_spine: pl.DataFrame, source: str):
    """Tokens of a spine; records unchanged since last quarter keep last quarter's tokens."""
    quarter, table = context.partition_key, f"{source}_link_tokens"
    previous_tokens = _previous_if_fresh(home, table, quarter, [_SPINE_OF[source]])
    previous_spine = _previous(home, IDENTIFIABLE, _SPINE_OF[source], quarter) if previous_tokens is not None else None
    made = tokens.make_link_tokens(built_spine, home.secret(), previous_spine, previous_tokens)
    return dg.Output(made, metadata=rows_metadata(made, built_from="last quarter's tokens + changed records"
                                                  if previous_tokens is not None else "every record"))


@dg.multi_asset(
    outs={
        "linkage_model": asset_out(
            LINKAGE, IDENTIFIABLE, "The Fellegi-Sunter model of the quarter (m and u of every comparison "
            "level, as Splink settings) with its m/u chart; reused by the next quarter.", kinds={"splink", "duckdb"},
            name="linkage_model"),
        "linkage_key_map": asset_out(
            LINKAGE, IDENTIFIABLE, "Every council and trust person record once, with its `research_person_id` "
            "(one per real person across both systems), link method and match probability. "
            "Cumulative: starts from the previous quarter's key map so ids stay stable.", kinds={"splink", "duckdb"},
            name="linkage_key_map"),
        "linkage_pairs": asset_out(
            LINKAGE, IDENTIFIABLE, "Every candidate pair of person records the model scored (match probability of "
            "at least 0.01), kept so that the next quarter re-scores only pairs in which a record is new or changed. "
            "Pairs linked by the deterministic NHS number rule are in `linkage_key_map`, not here.",
            kinds={"splink", "duckdb"}, name="linkage_pairs"),
    },
    deps=["asc_link_tokens", "mh_link_tokens", "asc_client_spine", "mh_patient_spine"],
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
    # Last quarter's model, if trained by today's rules (an upgrade that changed the features retrains).
    previous_model = _previous_if_fresh(home, "linkage_model", quarter, [])
    if previous_model is not None and previous_model["mode"][0] != mode:
        previous_model = None  # the linkage mode was switched: train afresh
    # Pairs carried over only if scored by that model on inputs that are still last quarter's.
    previous_pairs = _previous_if_fresh(home, "linkage_pairs", quarter, list(inputs)) if previous_model is not None else None
    previous_inputs = tuple(_previous(home, IDENTIFIABLE, t, quarter) for t in inputs) if previous_pairs is not None else None
    if previous_inputs is not None and any(t is None for t in previous_inputs):
        previous_inputs = None
    result = linkage_core.link_persons(
        asc, mh, mode=mode, secret=home.secret(),
        previous_key_map=_previous(home, IDENTIFIABLE, "linkage_key_map", quarter),
        previous_model=previous_model["model_settings_json"][0] if previous_model is not None else None,
        previous_inputs=previous_inputs, previous_pairs=previous_pairs if previous_inputs is not None else None,
    )
    model = pl.DataFrame({"quarter": [quarter], "mode": [mode],
                          "model_settings_json": [result.model_settings_json]})
    yield dg.Output(model, output_name="linkage_model", metadata={
        "mode": mode, "trained_this_quarter": not result.stats["model_reused"],
        **chart_metadata(result.charts),
    })
    yield dg.Output(result.key_map, output_name="linkage_key_map",
                    metadata=rows_metadata(result.key_map, **_scalar_stats(result.stats)))
    yield dg.Output(result.pairs, output_name="linkage_pairs", metadata=rows_metadata(result.pairs))
    expected = asc.height + mh.height
    seen = result.key_map.select(["source", "source_person_id"]).unique().height
    yield dg.AssetCheckResult(
        check_name=KEY_MAP_COMPLETE, asset_key="linkage_key_map",
        passed=seen == expected == result.key_map.height,
        metadata={"spine_records": expected, "key_map_rows": result.key_map.height, "distinct_records": seen},
    )


@zone_asset("linkage_quality_report", LINKAGE, RESEARCH_ZONE,
        "GUILD-style linkage quality: match rates overall and by ethnic group, sex, age band and IMD "
        "quintile; linked vs unlinked characteristics; identifier completeness by ethnic group; scored pairs "
        "by match-probability band; with a ground truth (synthetic data), precision, recall and F1, and recall "
        "by group with 95% intervals. Aggregates only.",
        check_specs=[dg.AssetCheckSpec(LINKAGE_QUALITY_TARGETS, asset="linkage_quality_report",
                                       description="Where a ground truth is configured: cross-system F1 >= 0.995, "
                                       "precision >= 0.998, duplicate recall >= 0.98 in each system, ethnic recall gap <= 1 pp.")])
def linkage_quality_report(context: dg.AssetExecutionContext, home: HomeResource, linkage_key_map: pl.DataFrame,
                           linkage_pairs: pl.DataFrame, asc_client_spine: pl.DataFrame, mh_patient_spine: pl.DataFrame):
    truth = _ground_truth(home)
    report = quality.linkage_quality(linkage_key_map, asc_client_spine, mh_patient_spine, truth,
                                     as_of=quarter_end(context.partition_key), pairs=linkage_pairs)
    path = home.resolved.zone(RESEARCH_ZONE) / "linkage_quality" / f"{context.partition_key}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.markdown)
    summary = reporting.long_form(report.tables)
    passed, measured = reporting.linkage_target_verdict(report.tables)
    yield dg.Output(summary, metadata=rows_metadata(
        summary, report=dg.MetadataValue.md(report.markdown), report_file=dg.MetadataValue.path(str(path)),
        **chart_metadata(report.figures),
        **{f"quality/{k}": v for k, v in measured.items() if isinstance(v, float)},
    ))
    yield dg.AssetCheckResult(check_name=LINKAGE_QUALITY_TARGETS, passed=passed,
                              severity=dg.AssetCheckSeverity.WARN, metadata=measured)


def _ground_truth(home: HomeResource) -> pl.DataFrame | None:
    """The synthetic data's truth table, when one is configured (never for real drops)."""
    configured = home.resolved.load_config().ground_truth
    if not configured or not Path(configured).is_file():
        return None
    return pl.read_csv(configured, infer_schema=False)


ASSETS = [stg_asc_events, asc_client_spine, mh_patient_spine, asc_link_tokens, mh_link_tokens,
          linkage, linkage_quality_report]
CHECKS: list = []
