"""Research zone: pseudonymised person and event tables keyed by `research_person_id` only.

Nothing here carries a direct identifier (NHS number, name, full date of birth, full postcode,
LA person id or trust patient id); the `no_direct_identifiers` check proves it on every table.
"""


import dagster as dg
import polars as pl

from asc_linkage.core import research_tables
from asc_linkage.core.expectations import cohort_suite
from asc_linkage.core.quarters import quarter_end
from asc_linkage.core.specs import load_contract
from asc_linkage.defs.common import (
    RESEARCH, RESEARCH_ZONE, asset_out, gx_check_result, gx_check_spec, quarter_partitions, rows_metadata,
)
from asc_linkage.defs.storage import HomeResource

NO_DIRECT_IDENTIFIERS = "no_direct_identifiers"

RESEARCH_EVENT_TABLES = {
    "research_asc_events": "Council events (requests, assessments, services, reviews) of every research person, de-duplicated, Release 2 codes.",
    "research_mh_referrals": "Trust referrals of every research person (team type, source, reason), record ids replaced by keyed hashes.",
    "research_mh_care_contacts": "Trust care contacts with attendance and medium, record ids replaced by keyed hashes.",
    "research_mh_hospital_spells": "Trust inpatient spells (admission method, bed type, discharge), record ids replaced by keyed hashes.",
    "research_mh_mha_episodes": "Mental Health Act legal-status episodes, record ids replaced by keyed hashes.",
    "research_mh_diagnoses": "Coded ICD-10 diagnoses (primary and secondary) by diagnosis date.",
}


def direct_identifier_columns() -> set[str]:
    """Every column the contract marks as personal data, plus the spine's identifier names."""
    names = {column.name for spec in load_contract().files.values() for column in spec.columns if column.pii}
    return names | {"source_person_id", "nhs_number", "forename", "surname", "postcode", "date_of_birth"}


def _check_no_identifiers(table: str, df: pl.DataFrame) -> dg.AssetCheckResult:
    leaked = sorted(set(df.columns) & direct_identifier_columns())
    ids_ok = "research_person_id" not in df.columns or bool(
        df["research_person_id"].str.contains(r"^RP[0-9A-F]{12}$").all())
    return dg.AssetCheckResult(
        check_name=NO_DIRECT_IDENTIFIERS, asset_key=table, passed=not leaked and ids_ok,
        metadata={"identifier_columns_found": len(leaked), "research_ids_well_formed": ids_ok},
    )


def _out(name: str, description: str) -> dg.AssetOut:
    return asset_out(RESEARCH, RESEARCH_ZONE, description, name=name)


@dg.multi_asset(
    outs={
        "research_population": _out("research_population", "One row per research person in either system: which systems know "
                                    "them, age band, birth year, sex, ethnic group, IMD decile and quintile, SMI and "
                                    "dementia flags from diagnoses, first contact dates. The denominator for every indicator."),
        "linked_cohort": _out("linked_cohort", "The research persons known to both council and trust: "
                              "`research_population` rows with `in_both`."),
    },
    deps=["linkage_key_map", "asc_client_spine", "mh_patient_spine", "raw_mh_diagnoses"],
    check_specs=[*(dg.AssetCheckSpec(NO_DIRECT_IDENTIFIERS, asset=name,
                                     description="No column the contract marks as personal data; research ids well formed.")
                   for name in ("research_population", "linked_cohort")),
                 gx_check_spec("linked_cohort", "unique well-formed research ids, every row in both systems, valid bands and codes")],
    partitions_def=quarter_partitions,
    can_subset=False,
)
def research_population(context: dg.AssetExecutionContext, home: HomeResource):
    quarter, store = context.partition_key, home.store()
    read = lambda table: store.read("identifiable", table, quarter=quarter)  # noqa: E731
    population = research_tables.build_research_population(
        read("linkage_key_map"), read("asc_client_spine"), read("mh_patient_spine"),
        read("raw_mh_diagnoses"), quarter_end(quarter),
    )
    cohort = research_tables.linked_cohort(population)
    for name, df in (("research_population", population), ("linked_cohort", cohort)):
        yield dg.Output(df, output_name=name, metadata=rows_metadata(df))
        yield _check_no_identifiers(name, df)
    yield gx_check_result(home.resolved.root, RESEARCH_ZONE, "linked_cohort", cohort, cohort_suite(linked_only=True))


@dg.multi_asset(
    outs={name: _out(name, description) for name, description in RESEARCH_EVENT_TABLES.items()},
    deps=["linkage_key_map", "stg_asc_events", "raw_mh_referrals", "raw_mh_care_contacts",
          "raw_mh_hospital_spells", "raw_mh_mha_episodes", "raw_mh_diagnoses"],
    check_specs=[dg.AssetCheckSpec(NO_DIRECT_IDENTIFIERS, asset=name,
                                   description="No column the contract marks as personal data; research ids well formed.")
                 for name in RESEARCH_EVENT_TABLES],
    partitions_def=quarter_partitions,
    can_subset=False,
)
def research_events(context: dg.AssetExecutionContext, home: HomeResource):
    quarter, store = context.partition_key, home.store()
    read = lambda table: store.read("identifiable", table, quarter=quarter)  # noqa: E731
    tables = research_tables.pseudonymise_events(
        read("linkage_key_map"), read("stg_asc_events"),
        mh_tables={name: read(f"raw_{name}") for name in
            ("mh_referrals", "mh_care_contacts", "mh_hospital_spells", "mh_mha_episodes", "mh_diagnoses")},
        secret=home.secret(),
    )
    for name in RESEARCH_EVENT_TABLES:
        df = tables[name]
        yield dg.Output(df, output_name=name, metadata=rows_metadata(df))
        yield _check_no_identifiers(name, df)


ASSETS = [research_population, research_events]
CHECKS: list = []
